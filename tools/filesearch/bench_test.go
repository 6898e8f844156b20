package filesearch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

// cranfield returns the Cranfield abstracts (title and text) and queries
// from ../shared/data/cranfield, or skips.
func cranfield(b *testing.B) (docs, queries []string) {
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			b.Skip("go.mod not found above the package")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data", "cranfield")
	all, err := os.ReadFile(filepath.Join(data, "cran.all.1400"))
	if err != nil {
		b.Skipf("Cranfield collection absent (%v): it lives in ../shared/data/cranfield", err)
	}
	qry, err := os.ReadFile(filepath.Join(data, "cran.qry"))
	if err != nil {
		b.Skipf("Cranfield queries absent: %v", err)
	}
	return sections(string(all), ".T", ".W"), sections(string(qry), ".W")
}

// sections splits a SMART-format file into records (".I n") and returns,
// per record, the text of the wanted fields.
func sections(s string, fields ...string) []string {
	var out []string
	for _, rec := range strings.Split("\n"+s, "\n.I ")[1:] {
		var b strings.Builder
		field := ""
		for _, line := range strings.Split(rec, "\n")[1:] {
			if strings.HasPrefix(line, ".") && len(line) == 2 {
				field = line
				continue
			}
			for _, f := range fields {
				if f == field {
					b.WriteString(line)
					b.WriteByte(' ')
				}
			}
		}
		out = append(out, strings.TrimSpace(b.String()))
	}
	return out
}

// BenchmarkCall: one file_search call of 3 queries (Cranfield's, in turn)
// over the 1,400 Cranfield abstracts, one chunk each, lexical, top 10: the
// argument check, the fused search, the synthetic item and the output text.
func BenchmarkCall(b *testing.B) {
	benchCall(b, nil)
}

// BenchmarkCallHybrid: the same with 256-dim hashing embeddings for a dense
// leg (query embedding included).
func BenchmarkCallHybrid(b *testing.B) {
	benchCall(b, vectorstore.NewHashEmbedder(256))
}

func benchCall(b *testing.B, emb vectorstore.Embedder) {
	docs, queries := cranfield(b)
	ctx := context.Background()
	st := vectorstore.NewMemory(nil)
	defer st.Close()
	spec := vectorstore.StoreSpec{ID: "cran"}
	if emb != nil {
		spec.Embedder, spec.Dims = emb.ID(), emb.Dims()
	}
	if err := st.EnsureStore(ctx, spec); err != nil {
		b.Fatal(err)
	}
	chunks := make([]vectorstore.Chunk, len(docs))
	for i, d := range docs {
		chunks[i] = vectorstore.Chunk{StoreID: "cran", FileID: fmt.Sprintf("file-%04d", i+1), Filename: fmt.Sprintf("cran/%04d.txt", i+1), Text: d}
	}
	if emb != nil {
		vecs, err := emb.Embed(ctx, docs)
		if err != nil {
			b.Fatal(err)
		}
		for i := range chunks {
			chunks[i].Vector = vecs[i]
		}
	}
	if err := st.Upsert(ctx, chunks); err != nil {
		b.Fatal(err)
	}
	fs, err := filesearch.New(st, []string{"cran"}, &filesearch.Options{Embedder: emb})
	if err != nil {
		b.Fatal(err)
	}
	args := make([]string, 0, len(queries)/3)
	for i := 0; i+3 <= len(queries); i += 3 {
		a, _ := json.Marshal(filesearch.Args{Queries: queries[i : i+3]})
		args = append(args, string(a))
	}
	b.ReportAllocs()
	b.ResetTimer()
	outBytes := 0
	i := 0
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		out, items, err := fs.CallWithItems(ctx, args[i%len(args)])
		lat = append(lat, time.Since(start))
		if err != nil || len(items[0].Results) == 0 {
			b.Fatal(err)
		}
		outBytes += len(out.Text)
		i++
	}
	b.ReportMetric(float64(len(chunks)), "chunks")
	b.ReportMetric(float64(outBytes)/float64(i), "out-bytes/op")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}
