package vsbench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/philippgille/chromem-go"

	"github.com/agentloop/agentloop/vectorstore"
)

const (
	rows    = 100_000
	dims    = 384
	queries = 200
	topK    = 10
)

// data is generated once per test binary: the same vectors and queries feed
// both engines.
var data = sync.OnceValue(func() struct{ vecs, qs [][]float32 } {
	return struct{ vecs, qs [][]float32 }{unitVectors(1, rows), unitVectors(2, queries)}
})

func unitVectors(seed uint64, n int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dims)
		var s float64
		for j := range v {
			x := r.NormFloat64()
			v[j] = float32(x)
			s += x * x
		}
		inv := float32(1 / math.Sqrt(s))
		for j := range v {
			v[j] *= inv
		}
		out[i] = v
	}
	return out
}

func ours(tb testing.TB) *vectorstore.Memory {
	ctx := context.Background()
	m := vectorstore.NewMemory(nil)
	if err := m.EnsureStore(ctx, vectorstore.StoreSpec{ID: "b", Embedder: "random", Dims: dims}); err != nil {
		tb.Fatal(err)
	}
	d := data()
	chunks := make([]vectorstore.Chunk, rows)
	for i, v := range d.vecs {
		chunks[i] = vectorstore.Chunk{StoreID: "b", FileID: fmt.Sprint(i), Vector: v}
	}
	if err := m.Upsert(ctx, chunks); err != nil {
		tb.Fatal(err)
	}
	return m
}

func oursSearch(tb testing.TB, m *vectorstore.Memory, q []float32) []string {
	hits, err := m.Search(context.Background(), vectorstore.SearchRequest{StoreIDs: []string{"b"}, Embedder: "random",
		Queries: []vectorstore.Query{{Vector: q}}, Limit: topK})
	if err != nil {
		tb.Fatal(err)
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.FileID
	}
	return ids
}

func chromemCollection(tb testing.TB) *chromem.Collection {
	ctx := context.Background()
	db := chromem.NewDB()
	noEmbed := func(context.Context, string) ([]float32, error) { return nil, fmt.Errorf("vectors are given") }
	c, err := db.CreateCollection("b", nil, noEmbed)
	if err != nil {
		tb.Fatal(err)
	}
	d := data()
	docs := make([]chromem.Document, rows)
	for i, v := range d.vecs {
		docs[i] = chromem.Document{ID: fmt.Sprint(i), Embedding: v, Content: "doc"}
	}
	if err := c.AddDocuments(ctx, docs, runtime.GOMAXPROCS(0)); err != nil {
		tb.Fatal(err)
	}
	return c
}

func chromemSearch(tb testing.TB, c *chromem.Collection, q []float32) []string {
	res, err := c.QueryEmbedding(context.Background(), q, topK, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	ids := make([]string, len(res))
	for i, r := range res {
		ids[i] = r.ID
	}
	return ids
}

// exact returns the true top k by a plain float64 scan.
func exact(q []float32) []string {
	type sc struct {
		s float64
		i int
	}
	all := make([]sc, rows)
	for i, v := range data().vecs {
		var s float64
		for j := range v {
			s += float64(v[j]) * float64(q[j])
		}
		all[i] = sc{s, i}
	}
	slices.SortFunc(all, func(a, b sc) int {
		if a.s > b.s {
			return -1
		}
		if a.s < b.s {
			return 1
		}
		return a.i - b.i
	})
	out := make([]string, topK)
	for i := range out {
		out[i] = fmt.Sprint(all[i].i)
	}
	return out
}

// TestSameResults checks recall@10 = 1 for both engines on 20 queries.
func TestSameResults(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: needs two 100k-vector indexes")
	}
	m := ours(t)
	defer func() { _ = m.Close() }()
	c := chromemCollection(t)
	for _, q := range data().qs[:20] {
		want := exact(q)
		for name, got := range map[string][]string{"agentloop": oursSearch(t, m, q), "chromem-go": chromemSearch(t, c, q)} {
			hit := 0
			for _, id := range got {
				if slices.Contains(want, id) {
					hit++
				}
			}
			if hit != topK {
				t.Errorf("%s: recall@10 %d/10", name, hit)
			}
		}
	}
}

func reportLatency(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	pct := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

// BenchmarkDense100k searches 100,000 × 384 exact top 10 with both engines.
func BenchmarkDense100k(b *testing.B) {
	qs := data().qs
	b.Run("engine=agentloop", func(b *testing.B) {
		m := ours(b)
		defer func() { _ = m.Close() }()
		runtime.GC()
		var lat []time.Duration
		i := 0
		for b.Loop() {
			start := time.Now()
			oursSearch(b, m, qs[i%len(qs)])
			lat = append(lat, time.Since(start))
			i++
		}
		reportLatency(b, lat)
	})
	b.Run("engine=chromem-go", func(b *testing.B) {
		c := chromemCollection(b)
		runtime.GC()
		var lat []time.Duration
		i := 0
		for b.Loop() {
			start := time.Now()
			chromemSearch(b, c, qs[i%len(qs)])
			lat = append(lat, time.Since(start))
			i++
		}
		reportLatency(b, lat)
	})
}
