package vectorstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
)

// HashEmbedder is a deterministic, offline [Embedder] by feature hashing:
// each text's words (stemmed, stopwords dropped), word bigrams and character
// trigrams are hashed with a signed FNV-1a into Dims buckets, weighted by
// sublinear term frequency and L2-normalised.
//
// It knows no semantics: two texts are close only when they share words or
// spellings. It exists to exercise the dense path in tests and examples
// without a network; its retrieval quality is below BM25's. Do not use it
// for real search.
type HashEmbedder struct {
	dims int
}

// NewHashEmbedder returns a HashEmbedder of dims dimensions (zero means 256).
func NewHashEmbedder(dims int) *HashEmbedder {
	if dims <= 0 {
		dims = 256
	}
	return &HashEmbedder{dims: dims}
}

// ID returns "hash:v1:<dims>".
func (e *HashEmbedder) ID() string { return fmt.Sprintf("hash:v1:%d", e.dims) }

// Dims returns the vector length.
func (e *HashEmbedder) Dims() int { return e.dims }

// Embed returns the texts' hashed vectors. It never fails except on a done
// ctx.
func (e *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.embed(t)
	}
	return out, nil
}

func (e *HashEmbedder) embed(text string) []float32 {
	counts := map[string]float64{}
	prev := ""
	tokenize(text, func(w string) {
		counts["w:"+w]++
		if prev != "" {
			counts["b:"+prev+" "+w] += 0.5
		}
		prev = w
		g := "^" + w + "$"
		if len(g) >= 3 {
			for j := 0; j+3 <= len(g); j++ {
				counts["c:"+g[j:j+3]] += 0.25
			}
		}
	})
	v := make([]float32, e.dims)
	for f, c := range counts {
		h := fnv.New64a()
		h.Write([]byte(f))
		x := h.Sum64()
		w := 1 + math.Log(1+c)
		if x>>63 == 1 {
			w = -w
		}
		v[(x&(1<<62-1))%uint64(e.dims)] += float32(w)
	}
	normalize(v)
	return v
}
