//go:build !amd64 || purego

package vectorstore

import "unsafe"

// dot returns the dot product of a and b (len(b) >= len(a)).
func dot(a, b []float32) float32 { return dotGeneric(a, b) }

// dotI8AVX2 stands in for the amd64 kernel (never called: haveAVX2FMA is
// false here).
func dotI8AVX2(q *float32, x *int8, n int) float32 {
	return dotI8Generic(unsafe.Slice(q, n), unsafe.Slice(x, n))
}

// haveAVX2FMA is false: no SIMD kernels in this build.
const haveAVX2FMA = false

// dotI8 returns the dot product of q and the int8 codes x.
func dotI8(q []float32, x []int8) float32 { return dotI8Generic(q, x) }
