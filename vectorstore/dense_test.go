package vectorstore

import (
	"math"
	"slices"
	"testing"
)

// TestDenseSearchExact checks the parallel scan against a plain sort of
// every score (recall 1.0), with and without a mask.
func TestDenseSearchExact(t *testing.T) {
	const rows, dims, k = 30_000, 37, 25
	vecs := randomUnitVectors(3, rows, dims)
	slab := make([]float32, 0, rows*dims)
	for _, v := range vecs {
		slab = append(slab, v...)
	}
	q8 := &quantized{}
	for r := range rows {
		q8.appendRow(slab[r*dims : (r+1)*dims])
	}
	mask := make([]bool, rows)
	for i := range mask {
		mask[i] = i%3 != 0
	}
	for _, q := range randomUnitVectors(4, 5, dims) {
		for _, mk := range [][]bool{nil, mask} {
			type sc struct {
				s float32
				i int32
			}
			var all []sc
			for r := range rows {
				if mk == nil || mk[r] {
					all = append(all, sc{dot(q, slab[r*dims:(r+1)*dims]), int32(r)})
				}
			}
			slices.SortFunc(all, func(a, b sc) int {
				if a.s != b.s {
					if a.s > b.s {
						return -1
					}
					return 1
				}
				return int(a.i - b.i)
			})
			got := denseSearch(slab, nil, dims, [][]float32{q}, k, mk, 3)[0]
			// Scored beside other queries in one pass, q ranks the same.
			multi := denseSearch(slab, nil, dims, [][]float32{slab[:dims], q, slab[dims : 2*dims]}, k, mk, 2)[1]
			if !slices.Equal(got, multi) {
				t.Fatalf("multi-query scan differs")
			}
			// So it does with the int8 first pass.
			for _, w := range []int{1, 3} {
				two := twoPassSearch(slab, q8, dims, [][]float32{q, slab[:dims]}, k, mk, w)[0]
				if !slices.Equal(got, two) {
					t.Fatalf("two-pass scan (%d workers) differs:\n%v\n%v", w, got, two)
				}
			}
			for j := range k {
				if got[j].doc != all[j].i || math.Abs(float64(got[j].score-all[j].s)) > 1e-6 {
					t.Fatalf("rank %d: got doc %d (%v), want %d (%v)", j, got[j].doc, got[j].score, all[j].i, all[j].s)
				}
			}
		}
	}
}

// TestTwoPassTies checks the int8 first pass on data full of exact ties
// (50 distinct vectors repeated), where the k-th score is shared by many rows.
func TestTwoPassTies(t *testing.T) {
	const rows, dims = 20_000, 64
	base := randomUnitVectors(5, 50, dims)
	slab := make([]float32, 0, rows*dims)
	q8 := &quantized{}
	for r := range rows {
		slab = append(slab, base[r%50]...)
		q8.appendRow(slab[r*dims:])
	}
	for _, q := range append(randomUnitVectors(6, 3, dims), base[7]) {
		for _, k := range []int{1, 10, 45, 400, 1000} {
			want := denseSearch(slab, nil, dims, [][]float32{q}, k, nil, 2)[0]
			got := twoPassSearch(slab, q8, dims, [][]float32{q}, k, nil, 2)[0]
			if !slices.Equal(want, got) {
				t.Fatalf("k=%d: two-pass differs", k)
			}
		}
	}
	// A filter leaving fewer rows than k: every one comes back.
	mask := make([]bool, rows)
	for _, r := range []int{3, 999, 5000, 12345, 19999} {
		mask[r] = true
	}
	got := twoPassSearch(slab, q8, dims, [][]float32{base[0]}, 10, mask, 2)[0]
	want := denseSearch(slab, nil, dims, [][]float32{base[0]}, 10, mask, 2)[0]
	if len(got) != 5 || !slices.Equal(want, got) {
		t.Errorf("sparse mask: %v, want %v", got, want)
	}
}
