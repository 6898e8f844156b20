package vectorstore

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// LexicalRelevance says how well text matches the query's terms, in
// [0, 1], on a scale that means the same for every query: the share of
// the query's terms (by [Terms]) that text holds, each weighted by its IDF
// (rare terms weigh more) and counted in full once it occurs about once in
// a chunk of average length (avgTerms terms; a mention in a long chunk
// counts less, as BM25's saturation says). 1 means every term of the query
// is there; 0.5, terms carrying half its weight. A query term found
// nowhere in the store weighs as one found in a single chunk: it counts
// against every chunk, as a rare term would. idf gives a term's
// inverse document frequency, or nil to weigh all terms alike (for a
// backend that does not know them); avgTerms ≤ 0 means the text's own
// length, so that length does not count.
func LexicalRelevance(query, text string, idf func(term string) float64, avgTerms float64) float64 {
	qtf := map[string]int{}
	var order []string
	tokenize(query, func(t string) {
		if qtf[t] == 0 {
			order = append(order, t)
		}
		qtf[t]++
	})
	if len(order) == 0 {
		return 0
	}
	tf := map[string]int{}
	n := 0
	tokenize(text, func(t string) {
		n++
		if _, ok := qtf[t]; ok {
			tf[t]++
		}
	})
	return coverage(order, qtf, tf, n, idf, avgTerms)
}

// coverage is LexicalRelevance over counted terms: the query's terms in
// order with their counts, the text's counts of them and its length.
func coverage(order []string, qtf, tf map[string]int, n int, idf func(string) float64, avgTerms float64) float64 {
	if avgTerms <= 0 {
		avgTerms = float64(max(n, 1))
	}
	norm := BM25K1 * (1 - BM25B + BM25B*float64(n)/avgTerms)
	var got, all float64
	for _, t := range order {
		w := float64(qtf[t])
		if idf != nil {
			w *= idf(t)
		}
		all += w
		if f := float64(tf[t]); f > 0 {
			got += w * min(1, f*(BM25K1+1)/(f+norm))
		}
	}
	if all <= 0 {
		return 0
	}
	return min(got/all, 1)
}

// idf is BM25's inverse document frequency of a term held by df of n
// documents.
func idf(n, df float64) float64 {
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// lexRelevance is LexicalRelevance of the store's document doc against
// query, from the index: its IDFs and average length.
func (s *memStore) lexRelevance(query string, doc int32) float64 {
	x := s.lex
	qtf := map[string]int{}
	var order []string
	tokenize(query, func(t string) {
		if qtf[t] == 0 {
			order = append(order, t)
		}
		qtf[t]++
	})
	if len(order) == 0 || x.live == 0 {
		return 0
	}
	tf := map[string]int{}
	for _, t := range order {
		if p := x.postings[t]; p != nil {
			if i, ok := searchInt32(p.docs, doc); ok {
				tf[t] = int(p.tfs[i])
			}
		}
	}
	n := float64(x.live)
	w := func(t string) float64 {
		df := 1 // a term in no chunk weighs as one in a single chunk
		if p := x.postings[t]; p != nil && p.df > 0 {
			df = p.df
		}
		return idf(n, float64(df))
	}
	return coverage(order, qtf, tf, int(x.docLen[doc]), w, float64(x.totalLen)/n)
}

// searchInt32 finds v in the increasing list a.
func searchInt32(a []int32, v int32) (int, bool) {
	lo, hi := 0, len(a)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(a) && a[lo] == v
}

// Relevance combines a hit's lexical relevance (see [LexicalRelevance],
// the best over the queries with text) and dense relevance (the cosine
// similarity of the chunk's and a query's embeddings, the best over the
// queries with vectors, below 0 counted as 0) by the weights of the legs
// searched: with both legs, their weighted mean; with one, its value.
func Relevance(lexical, dense, textWeight, embeddingWeight float64, lexicalLeg, denseLeg bool) float64 {
	dense = max(0, min(dense, 1))
	switch {
	case lexicalLeg && denseLeg && textWeight+embeddingWeight > 0:
		return (textWeight*lexical + embeddingWeight*dense) / (textWeight + embeddingWeight)
	case lexicalLeg:
		return lexical
	case denseLeg:
		return dense
	}
	return 0
}

// Passage is the part of a chunk's text that best matches a search, as
// [BestPassage] finds it.
type Passage struct {
	// Text is the passage: whole sentences or lines where they fit.
	Text string `json:"text"`
	// Start and End are its byte offsets in the chunk's text; a passage
	// not starting at 0 or not ending at the text's end is a cut.
	Start int `json:"start"`
	End   int `json:"end"`
	// Marks are the byte spans of Text holding the queries' terms (a
	// word, or the word of an identifier a term comes from), in order.
	Marks [][2]int `json:"marks,omitempty"`
}

// BestPassage returns the passage of text, at most maxLen bytes, that
// holds the most distinct terms of the queries (by [Terms]; the tightest
// cluster of them, the earliest on ties), widened to the sentence it
// starts in and the ones that follow as they fit, with the query terms
// marked. Without a query term in text,
// it is the start of text. maxLen ≤ 0 means 300.
func BestPassage(text string, queries []string, maxLen int) Passage {
	if maxLen <= 0 {
		maxLen = 300
	}
	want := map[string]int{} // query term -> index
	for _, q := range queries {
		tokenize(q, func(t string) {
			if _, ok := want[t]; !ok {
				want[t] = len(want)
			}
		})
	}
	type match struct{ term, start, end int }
	var ms []match
	tokenSpans(text, func(term string, start, end int) {
		if i, ok := want[term]; ok {
			ms = append(ms, match{i, start, end})
		}
	})
	// The most distinct terms a window of matches spanning at most 3/4 of
	// maxLen holds (room for the sentence around it), then the tightest
	// window holding that many, the earliest on ties.
	count := make([]int, len(want))
	most, distinct, j := 0, 0, 0
	for i := range ms {
		for j < len(ms) && ms[j].end-ms[i].start <= maxLen*3/4 {
			if count[ms[j].term] == 0 {
				distinct++
			}
			count[ms[j].term]++
			j++
		}
		most = max(most, distinct)
		if j > i {
			if count[ms[i].term]--; count[ms[i].term] == 0 {
				distinct--
			}
		} else {
			j = i + 1
		}
	}
	bestI, bestJ := -1, -1
	clear(count)
	distinct, j = 0, 0
	for i := range ms {
		for j < len(ms) && distinct < most {
			if count[ms[j].term] == 0 {
				distinct++
			}
			count[ms[j].term]++
			j++
		}
		if distinct == most && most > 0 && (bestI < 0 || ms[j-1].end-ms[i].start < ms[bestJ-1].end-ms[bestI].start) {
			bestI, bestJ = i, j
		}
		if count[ms[i].term]--; count[ms[i].term] == 0 {
			distinct--
		}
	}
	var a, b int
	if bestI < 0 {
		a, b = 0, min(len(text), maxLen)
	} else {
		a, b = ms[bestI].start, ms[bestJ-1].end
		// Widen to the sentence (or line) the window starts in and the one
		// it ends in, within maxLen, keeping the window in the middle when
		// they do not fit.
		room := maxLen - (b - a)
		s := sentenceStart(text, a)
		if a-s > room/2 {
			s = wordStart(text, a-room/2)
		}
		room -= a - s
		a = s
		e := sentenceEnd(text, b)
		if e-b > room {
			e = wordEnd(text, b+room)
		}
		b = e
		// Room left: the sentences that follow, whole.
		for b < len(text) {
			e := sentenceEnd(text, b+1)
			if e-a > maxLen {
				break
			}
			b = e
		}
	}
	a, b = runeStart(text, a), runeStart(text, b)
	p := Passage{Text: text[a:b], Start: a, End: b}
	for _, m := range ms {
		if m.start >= a && m.end <= b {
			span := [2]int{m.start - a, m.end - a}
			if n := len(p.Marks); n > 0 && span[0] <= p.Marks[n-1][1] {
				// An identifier's part inside the whole (marked already),
				// or right after another part: one mark.
				p.Marks[n-1][1] = max(p.Marks[n-1][1], span[1])
				continue
			}
			p.Marks = append(p.Marks, span)
		}
	}
	return p
}

// sentenceStart returns where the sentence or line holding byte i of text
// starts: after the last line break, or the last ". ", "? ", "! " before i.
func sentenceStart(text string, i int) int {
	i = min(i, len(text))
	for k := i; k > 0; k-- {
		c := text[k-1]
		if c == '\n' {
			return k
		}
		if k >= 2 && (c == ' ' || c == '\t') && (text[k-2] == '.' || text[k-2] == '?' || text[k-2] == '!') {
			return k
		}
	}
	return 0
}

// sentenceEnd returns where the sentence or line holding byte i of text
// ends: past its ".", "?", "!" before a space, or at its line break.
func sentenceEnd(text string, i int) int {
	for k := i; k < len(text); k++ {
		c := text[k]
		if c == '\n' {
			return k
		}
		if (c == '.' || c == '?' || c == '!') && (k+1 == len(text) || text[k+1] == ' ' || text[k+1] == '\n') {
			return k + 1
		}
	}
	return len(text)
}

// wordStart moves i forward to the start of a word (past spaces), unless
// it is at one.
func wordStart(text string, i int) int {
	i = max(0, min(i, len(text)))
	for i > 0 && i < len(text) && !isSpaceByte(text[i-1]) {
		i++
	}
	for i < len(text) && isSpaceByte(text[i]) {
		i++
	}
	return i
}

// wordEnd moves i back to the end of a word.
func wordEnd(text string, i int) int {
	i = max(0, min(i, len(text)))
	for i > 0 && i < len(text) && !isSpaceByte(text[i]) {
		i--
	}
	for i > 0 && isSpaceByte(text[i-1]) {
		i--
	}
	return i
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// A hit shows the same content as a hit above it when duplicatePassage of
// its best passage (its runs of three words), or duplicateText of its
// whole text, is in that hit's text.
const (
	duplicatePassage = 0.8
	duplicateText    = 0.6
)

// Duplicate names a hit folded into another because it shows the same
// content (see [CollapseDuplicates]).
type Duplicate struct {
	StoreID  string `json:"vector_store_id"`
	FileID   string `json:"file_id"`
	Filename string `json:"filename"`
	Ordinal  int    `json:"ordinal"`
}

// CollapseDuplicates folds into a hit the hits below it that show the same
// content, so that a list of hits shows each thing once: a hit from
// another file (or the same file in another store), such as one page as
// x.md and as x.html, or a page and a file concatenating several, whose
// best passage for the queries (see [BestPassage]) has four fifths of its
// runs of three words in an earlier hit's text, or whose whole text has
// three fifths (all of it, for a text of a few words: chunks of one page
// cut at other places in its two formats overlap without being equal);
// and a chunk of the same file whose best passage lies in the part it
// shares with a chunk above (a file's chunks overlap by design). A hit
// folded is dropped and listed in that hit's Duplicates, and its text then
// counts as that hit's for the hits below. It keeps at most limit hits
// (limit ≤ 0: all), in order.
func CollapseDuplicates(hits []Hit, queries []string, limit int) []Hit {
	var kept []Hit
	var sets []map[uint64]bool // the shingles of each kept hit's text
	for _, h := range hits {
		if limit > 0 && len(kept) == limit {
			break
		}
		var passage, whole []uint64
		passageDone := false
		dup := -1
		for k := range kept {
			sameFile := kept[k].StoreID == h.StoreID && kept[k].FileID == h.FileID
			if whole == nil {
				if whole = shinglesOf(h.Text); len(whole) == 0 {
					break
				}
			}
			if sets[k] == nil {
				sets[k] = map[uint64]bool{}
				for _, s := range shinglesOf(kept[k].Text) {
					sets[k][s] = true
				}
			}
			// Short texts fold only when all of them is there: a few
			// words in common are no evidence. A file's chunks overlap
			// by design: only the passage counts.
			textMin := duplicateText
			if len(whole) < 20 {
				textMin = 1
			}
			if sameFile {
				textMin = 2
			}
			c := contained(whole, sets[k])
			if c >= textMin {
				dup = k
				break
			}
			// A passage is a part of the text: it cannot be in a text
			// holding almost none of the whole.
			if c < 0.05 {
				continue
			}
			if !passageDone {
				passage, passageDone = shinglesOf(BestPassage(h.Text, queries, 400).Text), true
			}
			if len(passage) >= 4 && contained(passage, sets[k]) >= duplicatePassage {
				dup = k
				break
			}
		}
		if dup >= 0 {
			// What a folded hit shows joins what its group shows.
			for _, sh := range whole {
				sets[dup][sh] = true
			}
			kept[dup].Duplicates = append(kept[dup].Duplicates, Duplicate{StoreID: h.StoreID, FileID: h.FileID, Filename: h.Filename, Ordinal: h.Ordinal})
			continue
		}
		kept = append(kept, h)
		sets = append(sets, nil)
	}
	return kept
}

// contained returns the share of shingles in set.
func contained(shingles []uint64, set map[uint64]bool) float64 {
	if len(shingles) == 0 {
		return 0
	}
	in := 0
	for _, s := range shingles {
		if set[s] {
			in++
		}
	}
	return float64(in) / float64(len(shingles))
}

// shinglesOf returns hashes of the runs of three consecutive words of
// text (lowercased runs of letters and digits, stopwords kept, so that
// markup and punctuation do not count).
func shinglesOf(text string) []uint64 {
	var words []uint64
	var w uint64 = 14695981039346656037 // FNV-1a
	in := false
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			var buf [utf8.UTFMax]byte
			n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
			for _, c := range buf[:n] {
				w ^= uint64(c)
				w *= 1099511628211
			}
			in = true
			continue
		}
		if in {
			words = append(words, w)
			w, in = 14695981039346656037, false
		}
	}
	if in {
		words = append(words, w)
	}
	if len(words) < 3 {
		return nil
	}
	out := make([]uint64, 0, len(words)-2)
	for i := 2; i < len(words); i++ {
		out = append(out, words[i-2]*31*31+words[i-1]*31+words[i])
	}
	return out
}
