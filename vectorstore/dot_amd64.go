//go:build !purego

package vectorstore

// dotAVX2 is in dot_amd64.s.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// dotI8AVX2 is in dot_amd64.s.
//
//go:noescape
func dotI8AVX2(q *float32, x *int8, n int) float32

func cpuid(leaf, sub uint32) (a, b, c, d uint32)
func xgetbv() uint32

// haveAVX2FMA is computed once from CPUID: the CPU has AVX2 and FMA and the
// OS saves the YMM registers.
var haveAVX2FMA = detectAVX2FMA()

func detectAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 {
		return false
	}
	if xgetbv()&6 != 6 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0
}

// dot returns the dot product of a and b (len(b) >= len(a)): AVX2 FMA over
// the multiple-of-32 head where the CPU has it, Go for the rest.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	n := len(a) &^ 31
	if !haveAVX2FMA || n == 0 {
		return dotGeneric(a, b)
	}
	s := dotAVX2(&a[0], &b[0], n)
	for i := n; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

// dotI8 returns the dot product of q and the int8 codes x (len(x) >=
// len(q)), AVX2 for the multiple-of-32 head.
func dotI8(q []float32, x []int8) float32 {
	x = x[:len(q)]
	n := len(q) &^ 31
	if !haveAVX2FMA || n == 0 {
		return dotI8Generic(q, x)
	}
	s := dotI8AVX2(&q[0], &x[0], n)
	for i := n; i < len(q); i++ {
		s += q[i] * float32(x[i])
	}
	return s
}
