package vectorstore

import (
	"math"
	"testing"
)

func TestDot(t *testing.T) {
	v := randomUnitVectors(9, 2, 1100)
	for _, n := range []int{0, 1, 7, 8, 31, 32, 33, 64, 384, 1000, 1100} {
		a, b := v[0][:n], v[1][:n]
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		for name, got := range map[string]float32{"dot": dot(a, b), "dotGeneric": dotGeneric(a, b)} {
			if math.Abs(float64(got)-want) > 1e-5 {
				t.Errorf("%s n=%d: %v, want %v", name, n, got, want)
			}
		}
	}
}
