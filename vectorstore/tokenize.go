package vectorstore

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// stopwords is a small English stopword list (the usual ~70 function words;
// no domain words), dropped from the lexical index and queries.
var stopwords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be
		because been before being below between both but by can could did do does doing down during each
		few for from further had has have having he her here hers herself him himself his how i if in into
		is it its itself just me more most my myself no nor not of off on once only or other our ours
		ourselves out over own same she should so some such than that the their theirs them themselves then
		there these they this those through to too under until up very was we were what when where which
		while who whom why will with would you your yours yourself yourselves`) {
		m[w] = struct{}{}
	}
	return m
}()

// TermsVersion identifies what [Terms] returns. It changes whenever the
// analyzer does (stopwords, stemming, splitting), so a backend that keeps
// terms outside this process, such as vectorstore/qdrant's sparse vectors,
// can record it with a store and refuse an index built by another version;
// the embedded store re-indexes a file written by another version when it
// opens it.
//
// Version 2 adds the parts of identifiers written in camel case.
const TermsVersion = 2

// Terms returns the index terms of text, in order, exactly as the embedded
// store's BM25 index sees them: maximal runs of letters, digits and
// combining marks, lowercased, a small English stopword list dropped, each
// Porter-stemmed. A run in camel case is also split into its words, each
// a term after the whole ("createServer" gives createserv, creat, server;
// "XMLHttpRequest" xmlhttprequest, xml, http, request), so a query in
// words finds the identifiers of code and API docs. Other backends
// building their own lexical index (such as vectorstore/qdrant's sparse
// vectors) use it so that every backend analyses text the same way.
func Terms(text string) []string {
	var out []string
	tokenize(text, func(t string) { out = append(out, t) })
	return out
}

// tokenize splits text into index terms (see [Terms]) and calls emit for
// each in order.
func tokenize(text string, emit func(term string)) {
	tokenSpans(text, func(term string, _, _ int) { emit(term) })
}

// tokenSpans is tokenize, telling where in text each term comes from: the
// byte span of its run of letters and digits, or of its part of the run.
func tokenSpans(text string, emit func(term string, start, end int)) {
	var buf []byte // the run, lowercased
	start := 0
	camel := false       // the run has a lower-to-upper or digit-to-upper change
	var prev, prev2 rune // the run's last two characters, as written
	flush := func(end int) {
		if len(buf) == 0 {
			return
		}
		w := string(buf)
		buf = buf[:0]
		if _, stop := stopwords[w]; !stop {
			emit(stem(w), start, end)
		}
		if camel {
			camelParts(text[start:end], func(a, b int) {
				if a == 0 && b == end-start {
					return // one word after all
				}
				p := strings.ToLower(text[start+a : start+b])
				if _, stop := stopwords[p]; !stop && utf8.RuneCountInString(p) > 1 {
					emit(stem(p), start+a, start+b)
				}
			})
		}
		camel = false
	}
	for i := 0; i < len(text); {
		c := text[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		var lower rune
		word := true
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			lower = r
		case 'A' <= r && r <= 'Z':
			lower = r + 'a' - 'A'
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)):
			lower = unicode.ToLower(r)
		default:
			word = false
		}
		if !word {
			flush(i)
			i += size
			continue
		}
		if len(buf) == 0 {
			start, prev = i, 0
		} else if isUpper(r) && (isLower(prev) || unicode.IsDigit(prev)) || isLower(r) && isUpper(prev) && isUpper(prev2) {
			camel = true
		}
		prev, prev2 = r, prev
		buf = utf8.AppendRune(buf, lower)
		i += size
	}
	flush(len(text))
}

func isUpper(r rune) bool {
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.IsUpper(r)
}

func isLower(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z'
	}
	return unicode.IsLower(r)
}

// camelParts calls part with the byte spans of the words of a camel-case
// identifier: a new word starts at an upper-case letter after a lower-case
// letter or a digit, and at the last upper-case letter of a run of them
// followed by a lower-case one ("XMLHttp": XML, Http), provided the word
// before has two characters or more ("iPhone", "IPv6" and "eBay" stay
// whole). Digits stay with the word before them ("base64Encode": base64,
// Encode).
func camelParts(s string, part func(start, end int)) {
	begin, n := 0, 0 // the current word's start and length in characters
	var prev rune
	for i, r := range s {
		if n >= 2 && isUpper(r) {
			next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if isLower(prev) || unicode.IsDigit(prev) || isUpper(prev) && isLower(next) {
				part(begin, i)
				begin, n = i, 0
			}
		}
		prev = r
		n++
	}
	part(begin, len(s))
}
