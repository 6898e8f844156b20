// Package vsbench benchmarks the embedded vector store against
// github.com/philippgille/chromem-go on the same vectors and queries, in one
// run. It is a module of its own so the main module never depends on
// chromem-go:
//
//	cd internal/vsbench && go test -run '^$' -bench . -benchtime 200x
//
// Both engines search exactly (recall 1.0, checked by TestSameResults); the
// benchmarks report ns/op and per-query p50 and p95 latencies.
package vsbench
