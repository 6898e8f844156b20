package vectorstore

import (
	"math"
	"runtime"
	"sync"
)

// minRowsPerWorker keeps small scans on one goroutine, where spawning costs
// more than it saves.
const minRowsPerWorker = 8192

// dotGeneric returns the dot product of a and b (len(b) >= len(a)) in plain
// Go, with eight independent accumulators so the loop is not bound by add
// latency.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// normalize scales v to unit length in place (a zero vector stays zero).
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// denseSearch scans the rows of slab (rows of dims float32s) exactly and
// returns, for each query of qs, the k rows with the highest dot product
// with it, best first, skipping rows where mask is false (nil mask: none).
// All queries are scored in one pass over the slab, which is memory-bound,
// so several queries cost little more than one. The scan is split across at
// most workers goroutines (0: GOMAXPROCS), all joined before it returns.
//
// With q8, the int8 copy of slab, and SIMD at hand, it takes two passes
// (see twoPassSearch) with the same result.
func denseSearch(slab []float32, q8 *quantized, dims int, qs [][]float32, k int, mask []bool, workers int) [][]scored {
	rows := len(slab) / dims
	out := make([][]scored, len(qs))
	if rows == 0 || k <= 0 || len(qs) == 0 {
		return out
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, (rows+minRowsPerWorker-1)/minRowsPerWorker))
	if q8 != nil && haveAVX2FMA && len(q8.scale) == rows && rows > k {
		return twoPassSearch(slab, q8, dims, qs, k, mask, workers)
	}
	parts := make([][]*topK, workers)
	per := (rows + workers - 1) / workers
	if workers == 1 {
		parts[0] = scanRows(slab, dims, qs, k, mask, 0, rows)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*per, min((w+1)*per, rows)
			wg.Go(func() { parts[w] = scanRows(slab, dims, qs, k, mask, lo, hi) })
		}
		wg.Wait()
	}
	for qi := range qs {
		if workers == 1 {
			out[qi] = parts[0][qi].sorted()
			continue
		}
		all := newTopK(k)
		for _, p := range parts {
			for _, c := range p[qi].h {
				all.push(c.score, c.doc)
			}
		}
		out[qi] = all.sorted()
	}
	return out
}

// scanRows scores rows lo..hi-1 against every query, one top-k per query.
func scanRows(slab []float32, dims int, qs [][]float32, k int, mask []bool, lo, hi int) []*topK {
	tops := make([]*topK, len(qs))
	for i := range tops {
		tops[i] = newTopK(k)
	}
	if len(qs) == 1 {
		t, q := tops[0], qs[0][:dims]
		for r := lo; r < hi; r++ {
			if mask != nil && !mask[r] {
				continue
			}
			s := dot(q, slab[r*dims:(r+1)*dims])
			if !t.full() || s > t.min() {
				t.push(s, int32(r))
			}
		}
		return tops
	}
	for r := lo; r < hi; r++ {
		if mask != nil && !mask[r] {
			continue
		}
		row := slab[r*dims : (r+1)*dims]
		for i, q := range qs {
			s := dot(q[:dims], row)
			if t := tops[i]; !t.full() || s > t.min() {
				t.push(s, int32(r))
			}
		}
	}
	return tops
}
