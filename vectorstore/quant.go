package vectorstore

import (
	"math"
	"sync"
)

// quantized is an int8 copy of a slab for a fast first pass: row r is
// approximately scale[r]·codes[r], and err[r] is the exact L2 norm of the
// difference, so for any query q the true dot product lies within
// ‖q‖·err[r] of scale[r]·(q·codes[r]) (Cauchy–Schwarz). The first pass reads
// a quarter of the bytes of the float32 slab; the bound lets the second pass
// rescore, exactly, only the rows that could still be in the top k, so the
// result is the exact scan's.
type quantized struct {
	codes []int8
	scale []float32
	err   []float32
}

// appendRow quantises v (one row) onto q.
func (q *quantized) appendRow(v []float32) {
	start := len(q.codes)
	q.codes = append(q.codes, make([]int8, len(v))...)
	s, e := quantizeRow(v, q.codes[start:])
	q.scale = append(q.scale, s)
	q.err = append(q.err, e)
}

// quantizeRow writes v's int8 codes to dst (symmetric, per-row scale
// max|v|/127) and returns the scale and the L2 norm of the rounding error.
func quantizeRow(v []float32, dst []int8) (scale, errNorm float32) {
	dst = dst[:len(v)]
	var maxAbs float32
	for _, x := range v {
		if a := math.Float32frombits(math.Float32bits(x) &^ (1 << 31)); a > maxAbs {
			maxAbs = a
		}
	}
	if maxAbs == 0 {
		clear(dst)
		return 0, 0
	}
	scale = maxAbs / 127
	inv := 127 / maxAbs
	var e [4]float64 // independent sums, so the loop is not latency-bound
	for i, x := range v {
		y := x * inv
		if y >= 0 {
			y += 0.5
		} else {
			y -= 0.5
		}
		c := int32(y) // rounds half away from zero; |c| <= 127 up to rounding
		if c > 127 {
			c = 127
		} else if c < -127 {
			c = -127
		}
		dst[i] = int8(c)
		d := float64(x) - float64(scale)*float64(c)
		e[i&3] += d * d
	}
	return scale, float32(math.Sqrt((e[0] + e[1]) + (e[2] + e[3])))
}

// dotI8Generic returns the dot product of q and the int8 codes x in Go.
func dotI8Generic(q []float32, x []int8) float32 {
	x = x[:len(q)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(q); i += 4 {
		s0 += q[i] * float32(x[i])
		s1 += q[i+1] * float32(x[i+1])
		s2 += q[i+2] * float32(x[i+2])
		s3 += q[i+3] * float32(x[i+3])
	}
	for ; i < len(q); i++ {
		s0 += q[i] * float32(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// radius bounds how far the true dot product can be from the approximate
// one, a: the Cauchy–Schwarz bound e = ‖q‖·err plus a margin for float32
// rounding in both computations.
func radius(a, e float32) float32 {
	if a < 0 {
		a = -a
	}
	return e + 1e-4*(a+e) + 1e-6
}

// twoPassSearch is denseSearch over a quantized copy: a parallel first pass
// bounds every row's score from the int8 codes, keeping per query the k best
// lower bounds and, as candidates, the rows whose upper bound reaches the
// running k-th best lower bound; the second pass scores the surviving
// candidates exactly against the float32 slab.
func twoPassSearch(slab []float32, q8 *quantized, dims int, qs [][]float32, k int, mask []bool, workers int) [][]scored {
	rows := len(slab) / dims
	qnorm := make([]float32, len(qs))
	for i, q := range qs {
		var s float64
		for _, x := range q[:dims] {
			s += float64(x) * float64(x)
		}
		qnorm[i] = float32(math.Sqrt(s))
	}
	type part struct {
		lower []*topK   // per query: best lower bounds
		cands [][]int32 // per query: rows that may be in the top k
	}
	parts := make([]part, workers)
	per := (rows + workers - 1) / workers
	first := func(w, lo, hi int) {
		p := part{lower: make([]*topK, len(qs)), cands: make([][]int32, len(qs))}
		for i := range qs {
			p.lower[i] = newTopK(k)
		}
		// The kernel is called directly when dims suits it: this loop runs
		// rows×queries times and its overhead rivals the kernel's.
		direct := haveAVX2FMA && dims%32 == 0
		for r := lo; r < hi; r++ {
			if mask != nil && !mask[r] {
				continue
			}
			codes := q8.codes[r*dims : (r+1)*dims]
			sc, er := q8.scale[r], q8.err[r]
			for i, q := range qs {
				var d float32
				if direct {
					d = dotI8AVX2(&q[0], &codes[0], dims)
				} else {
					d = dotI8(q[:dims], codes)
				}
				a := sc * d
				rad := radius(a, qnorm[i]*er)
				t := p.lower[i]
				if lb := a - rad; len(t.h) < k || lb > t.h[0].score {
					t.push(lb, int32(r))
				}
				if len(t.h) < k || a+rad >= t.h[0].score {
					p.cands[i] = append(p.cands[i], int32(r))
				}
			}
		}
		parts[w] = p
	}
	if workers == 1 {
		first(0, 0, rows)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*per, min((w+1)*per, rows)
			wg.Go(func() { first(w, lo, hi) })
		}
		wg.Wait()
	}
	out := make([][]scored, len(qs))
	for i, q := range qs {
		lower := newTopK(k)
		for _, p := range parts {
			for _, c := range p.lower[i].h {
				lower.push(c.score, c.doc)
			}
		}
		bound := float32(math.Inf(-1))
		if lower.full() {
			bound = lower.min()
		}
		exact := newTopK(k)
		for _, p := range parts {
			for _, r := range p.cands[i] {
				a := q8.scale[r] * dotI8(q[:dims], q8.codes[int(r)*dims:int(r+1)*dims])
				if a+radius(a, qnorm[i]*q8.err[r]) < bound {
					continue
				}
				s := dot(q[:dims], slab[int(r)*dims:int(r+1)*dims])
				if !exact.full() || s > exact.min() || s == exact.min() && r < exact.h[0].doc {
					exact.push(s, r)
				}
			}
		}
		out[i] = exact.sorted()
	}
	return out
}
