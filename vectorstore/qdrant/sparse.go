package qdrant

import (
	"hash/fnv"
	"slices"

	"github.com/agentloop/agentloop/vectorstore"
)

// The lexical leg is BM25 over a sparse vector named "bm25" built here, on
// the client, rather than by Qdrant's server-side inference
// (Document{Model: "qdrant/bm25"}): it works with any Qdrant server, needs no
// inference endpoint, runs identically against the in-process test server,
// and uses the embedded store's terms ([vectorstore.Terms]: lowercase,
// stopwords, Porter stemming), BM25 parameters ([vectorstore.BM25K1],
// [vectorstore.BM25B]) and term weighting. Each term is hashed (FNV-1a, 32
// bits) to a sparse index; a chunk's value for a term is BM25's saturated
// term frequency
//
//	tf·(k1+1) / (tf + k1·(1 - b + b·len/avgLen))
//
// and a query's value is the term's count in the query. The collection's
// sparse vector has the IDF modifier, so Qdrant multiplies each query value
// by ln(1 + (N - n + 0.5)/(n + 0.5)) over the collection and the dot
// product is the BM25 score. Two differences from the embedded store
// remain: avgLen is fixed per store when its first chunks are written (see
// Options.AvgChunkTerms) instead of following the corpus mean; and the IDF
// counts every store of the collection (all stores sharing an embedder), not
// only the searched ones.

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
	ts := vectorstore.Terms(text)
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
	norm := vectorstore.BM25K1 * (1 - vectorstore.BM25B + vectorstore.BM25B*float64(n)/avgLen)
	return fromCounts(counts, func(tf int) float32 {
		return float32(float64(tf) * (vectorstore.BM25K1 + 1) / (float64(tf) + norm))
	})
}

// queryVector is a query's sparse vector: each term's count.
func queryVector(text string) sparse {
	counts, _ := countTerms(text)
	return fromCounts(counts, func(tf int) float32 { return float32(tf) })
}
