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
// returns the k rows with the highest dot product with q, best first,
// skipping rows where mask is false (nil mask: none). The scan is split
// across at most workers goroutines (0: GOMAXPROCS), all joined before it
// returns.
func denseSearch(slab []float32, dims int, q []float32, k int, mask []bool, workers int) []scored {
	rows := len(slab) / dims
	if rows == 0 || k <= 0 {
		return nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, (rows+minRowsPerWorker-1)/minRowsPerWorker)
	if workers <= 1 {
		return scanRows(slab, dims, q, k, mask, 0, rows).sorted()
	}
	parts := make([]*topK, workers)
	per := (rows + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, rows)
		wg.Go(func() { parts[w] = scanRows(slab, dims, q, k, mask, lo, hi) })
	}
	wg.Wait()
	all := newTopK(k)
	for _, p := range parts {
		for _, c := range p.h {
			all.push(c.score, c.doc)
		}
	}
	return all.sorted()
}

// scanRows scores rows lo..hi-1.
func scanRows(slab []float32, dims int, q []float32, k int, mask []bool, lo, hi int) *topK {
	t := newTopK(k)
	q = q[:dims]
	for r := lo; r < hi; r++ {
		if mask != nil && !mask[r] {
			continue
		}
		s := dot(q, slab[r*dims:(r+1)*dims])
		if !t.full() || s > t.min() {
			t.push(s, int32(r))
		}
	}
	return t
}
