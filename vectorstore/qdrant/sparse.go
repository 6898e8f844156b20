package qdrant

import (
	"hash/fnv"
	"slices"
	"strings"
	"unicode"
)

// The lexical leg is BM25 over a sparse vector named "bm25" built here, on
// the client, rather than by Qdrant's server-side inference
// (Document{Model: "qdrant/bm25"}): it works with any Qdrant server, needs no
// inference endpoint, runs identically against the in-process test server,
// and uses the same BM25 parameters and term weighting as the embedded
// store. Each term is hashed (FNV-1a, 32 bits) to a sparse index; a chunk's
// value for a term is BM25's saturated term frequency
//
//	tf·(k1+1) / (tf + k1·(1 - b + b·len/avgLen))
//
// and a query's value is the term's count in the query. The collection's
// sparse vector has the IDF modifier, so Qdrant multiplies each query value
// by ln(1 + (N - n + 0.5)/(n + 0.5)) over the collection and the dot
// product is the BM25 score. Three differences from the embedded store
// remain: avgLen is fixed per store when its first chunks are written (see
// Options.AvgChunkTerms) instead of following the corpus mean; the IDF counts
// every store of the collection (all stores sharing an embedder), not only
// the searched ones; and terms are not stemmed (the embedded store's Porter
// stemmer is not exported by package vectorstore).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// stopwords are the usual English function words, dropped from chunks and
// queries alike.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be
		because been before being below between both but by can could did do does doing down during each
		few for from further had has have having he her here hers herself him himself his how i if in into
		is it its itself just me more most my myself no nor not of off on once only or other our ours
		ourselves out over own same she should so some such than that the their theirs them themselves then
		there these they this those through to too under until up very was we were what when where which
		while who whom why will with would you your yours yourself yourselves`) {
		m[w] = true
	}
	return m
}()

// terms splits text into lower-cased runs of letters, digits and
// combining marks, dropping stopwords.
func terms(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	}) {
		w = strings.ToLower(w)
		if !stopwords[w] {
			out = append(out, w)
		}
	}
	return out
}

func termIndex(t string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(t))
	return h.Sum32()
}

// sparse is a sparse vector with indices in increasing order.
type sparse struct {
	indices []uint32
	values  []float32
}

func countTerms(text string) (map[uint32]int, int) {
	counts := map[uint32]int{}
	ts := terms(text)
	for _, t := range ts {
		counts[termIndex(t)]++
	}
	return counts, len(ts)
}

func fromCounts(counts map[uint32]int, value func(tf int) float32) sparse {
	var v sparse
	v.indices = make([]uint32, 0, len(counts))
	for ix := range counts {
		v.indices = append(v.indices, ix)
	}
	slices.Sort(v.indices)
	v.values = make([]float32, len(v.indices))
	for i, ix := range v.indices {
		v.values[i] = value(counts[ix])
	}
	return v
}

// fallbackAvgTerms is avgLen for chunks written before any average is
// known (only chunks without terms, whose vectors are empty anyway).
const fallbackAvgTerms = 256

// docVector is a chunk's BM25 sparse vector (empty for a chunk without
// terms).
func docVector(text string, avgLen float64) sparse {
	if avgLen <= 0 {
		avgLen = fallbackAvgTerms
	}
	counts, n := countTerms(text)
	norm := bm25K1 * (1 - bm25B + bm25B*float64(n)/avgLen)
	return fromCounts(counts, func(tf int) float32 {
		return float32(float64(tf) * (bm25K1 + 1) / (float64(tf) + norm))
	})
}

// queryVector is a query's sparse vector: each term's count.
func queryVector(text string) sparse {
	counts, _ := countTerms(text)
	return fromCounts(counts, func(tf int) float32 { return float32(tf) })
}
