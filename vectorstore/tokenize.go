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
// can record it with a store and refuse an index built by another version.
const TermsVersion = 1

// Terms returns the index terms of text, in order, exactly as the embedded
// store's BM25 index sees them: maximal runs of letters, digits and
// combining marks, lowercased, a small English stopword list dropped, each
// Porter-stemmed. Other backends building their own lexical index (such as
// vectorstore/qdrant's sparse vectors) use it so that every backend
// analyses text the same way.
func Terms(text string) []string {
	var out []string
	tokenize(text, func(t string) { out = append(out, t) })
	return out
}

// tokenize splits text into index terms: maximal runs of letters and
// digits, lowercased, stopwords dropped, each lightly stemmed (see stem).
// It calls emit for each term in order.
func tokenize(text string, emit func(term string)) {
	var buf []byte
	flush := func() {
		if len(buf) == 0 {
			return
		}
		w := string(buf)
		buf = buf[:0]
		if _, stop := stopwords[w]; stop {
			return
		}
		emit(stem(w))
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				buf = append(buf, c)
			case 'A' <= c && c <= 'Z':
				buf = append(buf, c+'a'-'A')
			default:
				flush()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		} else {
			flush()
		}
	}
	flush()
}
