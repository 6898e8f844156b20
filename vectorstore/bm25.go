package vectorstore

import "math"

// BM25 parameters of the lexical leg, the standard defaults (Robertson et
// al.; Lucene), shared by every backend: BM25K1 saturates term frequency,
// BM25B scales the length normalisation.
const (
	BM25K1 = 1.2
	BM25B  = 0.75
)

// lexIndex is an inverted index with BM25 scoring over the documents of one
// store. Documents are dense int32 ids shared with the store's doc table;
// removed documents stay in the postings until the store compacts, and are
// skipped through the alive function given to search.
type lexIndex struct {
	postings map[string]*posting
	docLen   []int32 // terms per document, by doc id
	totalLen int64   // over live documents
	live     int     // live documents
}

// posting lists the documents holding a term with the term's frequency in
// each, in increasing doc order; df counts the live ones.
type posting struct {
	docs []int32
	tfs  []int32
	df   int
}

func newLexIndex() *lexIndex {
	return &lexIndex{postings: map[string]*posting{}}
}

// add indexes text as document doc, which must be the next doc id.
func (x *lexIndex) add(doc int32, text string) {
	tf := map[string]int32{}
	n := int32(0)
	tokenize(text, func(t string) { tf[t]++; n++ })
	x.addCounts(doc, tf, n)
}

func (x *lexIndex) addCounts(doc int32, tf map[string]int32, n int32) {
	for t, c := range tf {
		p := x.postings[t]
		if p == nil {
			p = &posting{}
			x.postings[t] = p
		}
		p.docs = append(p.docs, doc)
		p.tfs = append(p.tfs, c)
		p.df++
	}
	for int(doc) >= len(x.docLen) {
		x.docLen = append(x.docLen, 0)
	}
	x.docLen[doc] = n
	x.totalLen += int64(n)
	x.live++
}

// remove marks doc (indexed from text) as gone from the statistics; its
// postings stay until compaction.
func (x *lexIndex) remove(doc int32, text string) {
	seen := map[string]bool{}
	tokenize(text, func(t string) {
		if !seen[t] {
			seen[t] = true
			if p := x.postings[t]; p != nil {
				p.df--
			}
		}
	})
	x.totalLen -= int64(x.docLen[doc])
	x.live--
}

// scored is a candidate document and its score.
type scored struct {
	score float32
	doc   int32
}

// search scores the documents allowed by ok (nil: all) against the query's
// terms and returns the best k, best first.
func (x *lexIndex) search(query string, k int, ok func(doc int32) bool) []scored {
	if x.live == 0 || k <= 0 {
		return nil
	}
	qtf := map[string]int{}
	var order []string
	tokenize(query, func(t string) {
		if qtf[t] == 0 {
			order = append(order, t)
		}
		qtf[t]++
	})
	if len(order) == 0 {
		return nil
	}
	n := float64(x.live)
	avgdl := float64(x.totalLen) / n
	if avgdl == 0 {
		avgdl = 1
	}
	// Dense accumulators (one per doc) beat a map for long postings;
	// touched lists the docs to rank.
	acc := make([]float32, len(x.docLen))
	var touched []int32
	for _, t := range order {
		p := x.postings[t]
		if p == nil || p.df <= 0 {
			continue
		}
		df := float64(p.df)
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		w := idf * float64(qtf[t])
		for i, d := range p.docs {
			if ok != nil && !ok(d) {
				continue
			}
			tf := float64(p.tfs[i])
			norm := BM25K1 * (1 - BM25B + BM25B*float64(x.docLen[d])/avgdl)
			if acc[d] == 0 {
				touched = append(touched, d)
			}
			acc[d] += float32(w * tf * (BM25K1 + 1) / (tf + norm))
		}
	}
	h := newTopK(k)
	for _, d := range touched {
		if s := acc[d]; !h.full() || s > h.min() || s == h.min() && d < h.h[0].doc {
			h.push(s, d)
		}
	}
	return h.sorted()
}
