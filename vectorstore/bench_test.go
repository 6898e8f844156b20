package vectorstore

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Benchmark sizes: the 100,000 chunks × 384 dimensions.
const (
	benchRows = 100_000
	benchDims = 384
)

// randomUnitVectors returns n Gaussian vectors of dims, normalised, from a
// fixed seed.
func randomUnitVectors(seed uint64, n, dims int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		normalize(v)
		out[i] = v
	}
	return out
}

// reportLatency records per-op percentiles as benchmark metrics.
func reportLatency(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	pct := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

// BenchmarkSearchDense: exact top-10 dense search over 100,000 random unit
// vectors of 384 dims through Memory.Search, one query per op.
func BenchmarkSearchDense(b *testing.B) {
	ctx := b.Context()
	m := NewMemory(nil)
	defer closeStore(b, m)
	spec := StoreSpec{ID: "bench", Embedder: "random", Dims: benchDims}
	if err := m.EnsureStore(ctx, spec); err != nil {
		b.Fatal(err)
	}
	vecs := randomUnitVectors(1, benchRows, benchDims)
	chunks := make([]Chunk, len(vecs))
	for i, v := range vecs {
		chunks[i] = Chunk{StoreID: "bench", FileID: fmt.Sprint("f", i/10), Ordinal: i % 10, Vector: v}
	}
	if err := m.Upsert(ctx, chunks); err != nil {
		b.Fatal(err)
	}
	queries := randomUnitVectors(2, 200, benchDims)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		hits, err := m.Search(ctx, SearchRequest{StoreIDs: []string{"bench"}, Embedder: "random",
			Queries: []Query{{Vector: queries[i%len(queries)]}}, Limit: 10})
		lat = append(lat, time.Since(start))
		if err != nil || len(hits) != 10 {
			b.Fatalf("%d hits, %v", len(hits), err)
		}
		i++
	}
	reportLatency(b, lat)
}

// BenchmarkSearchDense5 is BenchmarkSearchDense with five query vectors
// fused, as the model sends up to five rephrasings: one pass over the slab.
func BenchmarkSearchDense5(b *testing.B) {
	ctx := b.Context()
	m := NewMemory(nil)
	defer closeStore(b, m)
	if err := m.EnsureStore(ctx, StoreSpec{ID: "bench", Embedder: "random", Dims: benchDims}); err != nil {
		b.Fatal(err)
	}
	vecs := randomUnitVectors(1, benchRows, benchDims)
	chunks := make([]Chunk, len(vecs))
	for i, v := range vecs {
		chunks[i] = Chunk{StoreID: "bench", FileID: fmt.Sprint("f", i/10), Ordinal: i % 10, Vector: v}
	}
	if err := m.Upsert(ctx, chunks); err != nil {
		b.Fatal(err)
	}
	queries := randomUnitVectors(2, 200, benchDims)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		qs := make([]Query, 5)
		for j := range qs {
			qs[j] = Query{Vector: queries[(i*5+j)%len(queries)]}
		}
		start := time.Now()
		hits, err := m.Search(ctx, SearchRequest{StoreIDs: []string{"bench"}, Embedder: "random", Queries: qs, Limit: 10})
		lat = append(lat, time.Since(start))
		if err != nil || len(hits) != 10 {
			b.Fatalf("%d hits, %v", len(hits), err)
		}
		i++
	}
	reportLatency(b, lat)
}

// BenchmarkDenseScan is the raw scan under Search: 100k × 384, top 10, in
// one float32 pass (quant=false) or with the int8 first pass (quant=true).
func BenchmarkDenseScan(b *testing.B) {
	for _, quant := range []bool{false, true} {
		b.Run(fmt.Sprint("quant=", quant), func(b *testing.B) { benchDenseScan(b, quant) })
	}
}

func benchDenseScan(b *testing.B, quant bool) {
	vecs := randomUnitVectors(1, benchRows, benchDims)
	slab := make([]float32, 0, benchRows*benchDims)
	for _, v := range vecs {
		slab = append(slab, v...)
	}
	var q8 *quantized
	if quant {
		q8 = &quantized{}
		for r := range benchRows {
			q8.appendRow(slab[r*benchDims : (r+1)*benchDims])
		}
	}
	queries := randomUnitVectors(2, 200, benchDims)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		denseSearch(slab, q8, benchDims, [][]float32{queries[i%len(queries)]}, 10, nil, 0)
		lat = append(lat, time.Since(start))
		i++
	}
	reportLatency(b, lat)
}

// benchWords is a vocabulary for synthetic text, drawn with a Zipf law so
// term statistics look like prose.
func syntheticText(r *rand.Rand, words int) string {
	vocab := strings.Fields(`the of and a to in is that for it as was with be by on not he this are or
		his from at which but have an they you were her she there been one all would their we him has
		when who will more no if out so said what up its about into than them can only other new some
		could time these two may then do first any my now such like our over man me even most made after
		also did many before must through back years where much your way well down should because each
		just those people how too little state good very make world still own see men work long get here
		between both life being under never day same another know while last might us great old year off
		come since against go came right used take three wing flow pressure boundary layer shock heat
		supersonic turbine blade compressor nozzle laminar turbulent vortex mach number reynolds velocity`)
	z := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	var b strings.Builder
	for i := range words {
		if i > 0 {
			if i%17 == 0 {
				b.WriteString(".\n")
			} else {
				b.WriteByte(' ')
			}
		}
		w := vocab[z.Uint64()]
		if r.IntN(40) == 0 {
			w += fmt.Sprint(r.IntN(1000)) // rare tokens
		}
		b.WriteString(w)
	}
	return b.String()
}

// BenchmarkIngestLexical ingests 4 MB of text in 100 files (lexical, 800/400
// tokens), reporting MB/s.
func BenchmarkIngestLexical(b *testing.B) {
	dir := b.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	total := 0
	for i := range 100 {
		text := syntheticText(r, 7000)
		total += len(text)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc%03d.txt", i)), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	chunker, err := NewChunker(nil)
	if err != nil {
		b.Fatal(err)
	}
	chunker.Split("warm up the vocabulary")
	b.SetBytes(int64(total))
	for b.Loop() {
		m := NewMemory(nil)
		st, err := Ingest(b.Context(), m, "docs", []string{dir}, &IngestOptions{Chunker: chunker})
		if err != nil || len(st) != 100 || st[0].Status != StatusCompleted {
			b.Fatalf("%v %v", st, err)
		}
		closeStore(b, m)
	}
}

// BenchmarkReopen reopens a saved store of 100,000 chunks of about 60 words,
// lexical only and with 384-dim vectors.
func BenchmarkReopen(b *testing.B) {
	for _, dims := range []int{0, benchDims} {
		b.Run(fmt.Sprintf("dims=%d", dims), func(b *testing.B) {
			ctx := b.Context()
			path := filepath.Join(b.TempDir(), "s.vs")
			m, err := Open(path, nil)
			if err != nil {
				b.Fatal(err)
			}
			spec := StoreSpec{ID: "bench"}
			if dims > 0 {
				spec.Embedder, spec.Dims = "random", dims
			}
			if err := m.EnsureStore(ctx, spec); err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, 8))
			var vecs [][]float32
			if dims > 0 {
				vecs = randomUnitVectors(1, benchRows, dims)
			}
			chunks := make([]Chunk, benchRows)
			for i := range chunks {
				chunks[i] = Chunk{StoreID: "bench", FileID: fmt.Sprint("f", i/10), Ordinal: i % 10, Text: syntheticText(r, 60)}
				if dims > 0 {
					chunks[i].Vector = vecs[i]
				}
			}
			if err := m.Upsert(ctx, chunks); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := m.Close(); err != nil {
				b.Fatal(err)
			}
			save := time.Since(start)
			info, _ := os.Stat(path)
			for b.Loop() {
				m2, err := Open(path, nil)
				if err != nil {
					b.Fatal(err)
				}
				closeStore(b, m2)
			}
			b.ReportMetric(float64(info.Size())/1e6, "file-MB")
			b.ReportMetric(float64(save.Milliseconds()), "save-ms")
		})
	}
}

// BenchmarkSearchLexical: BM25 top 10 over 100,000 chunks of 60 words, with
// a three-word query.
func BenchmarkSearchLexical(b *testing.B) {
	ctx := b.Context()
	m := NewMemory(nil)
	defer closeStore(b, m)
	if err := m.EnsureStore(ctx, StoreSpec{ID: "bench"}); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	chunks := make([]Chunk, benchRows)
	for i := range chunks {
		chunks[i] = Chunk{StoreID: "bench", FileID: fmt.Sprint("f", i/10), Ordinal: i % 10, Text: syntheticText(r, 60)}
	}
	if err := m.Upsert(ctx, chunks); err != nil {
		b.Fatal(err)
	}
	queries := []string{"shock wave boundary layer", "turbine blade heat", "laminar flow pressure", "supersonic nozzle mach number"}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		hits, err := m.Search(ctx, SearchRequest{StoreIDs: []string{"bench"}, Queries: []Query{{Text: queries[i%len(queries)]}}})
		lat = append(lat, time.Since(start))
		if err != nil || len(hits) != 10 {
			b.Fatalf("%d hits, %v", len(hits), err)
		}
		i++
	}
	reportLatency(b, lat)
}

// BenchmarkSplitNoSpace chunks 8 MB of text without a space (800/400
// tokens): one run of a letter, and random letters and punctuation.
func BenchmarkSplitNoSpace(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:-_"
	mixed := make([]byte, 8<<20)
	for i := range mixed {
		mixed[i] = alphabet[r.IntN(len(alphabet))]
	}
	for name, text := range map[string]string{"letter": strings.Repeat("a", 8<<20), "mixed": string(mixed)} {
		b.Run(name, func(b *testing.B) {
			c, err := NewChunker(nil)
			if err != nil {
				b.Fatal(err)
			}
			c.Split("warm up the vocabulary")
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if len(c.Split(text)) == 0 {
					b.Fatal("no chunks")
				}
			}
		})
	}
}
