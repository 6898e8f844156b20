//go:build !amd64 || purego

package vectorstore

// dot returns the dot product of a and b (len(b) >= len(a)).
func dot(a, b []float32) float32 { return dotGeneric(a, b) }

// haveAVX2FMA is false: no SIMD kernels in this build.
const haveAVX2FMA = false

// dotI8 returns the dot product of q and the int8 codes x.
func dotI8(q []float32, x []int8) float32 { return dotI8Generic(q, x) }
