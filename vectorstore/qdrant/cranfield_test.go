package qdrant_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/internal/eval"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
)

// TestCranfieldLexicalFake measures the lexical leg (client-side BM25
// sparse vectors scored with Qdrant's IDF modifier, here by the in-process
// server) on the Cranfield collection (../shared/data/cranfield from the
// repository root), gated at nDCG@10 ≥ 0.355 (the embedded store
// scores 0.3611). It skips when the collection
// is absent.
func TestCranfieldLexicalFake(t *testing.T) {
	if raceDetector || testing.Short() {
		// 1.5 s of CPU normally, 20 times that under the race detector,
		// spent in the fake's linear scans; the race detector adds
		// nothing to a quality measurement.
		t.Skip("skipped under -race and -short (it needs about 20 s there): run go test -run TestCranfieldLexicalFake ./vectorstore/qdrant")
	}
	dir, err := eval.DefaultDir()
	if err != nil {
		t.Skip("Cranfield collection missing:", err)
	}
	c, err := eval.Load(dir)
	if err != nil {
		t.Skipf("Cranfield collection missing (../shared/data/cranfield): %v", err)
	}
	srv := startFake(t, nil)
	for _, avg := range []int{0} { // 0: the store's measured mean
		t.Run("avg"+strconv.Itoa(avg), func(t *testing.T) {
			ctx := t.Context()
			start := time.Now()
			st, err := qdrant.New(srv.Addr(), &qdrant.Options{CollectionPrefix: "cran" + strconv.Itoa(avg) + "_", AvgChunkTerms: avg})
			if err != nil {
				t.Fatal(err)
			}
			defer closeStore(t, st)
			if err := st.EnsureStore(ctx, vectorstore.StoreSpec{ID: "cran"}); err != nil {
				t.Fatal(err)
			}
			chunks := make([]vectorstore.Chunk, len(c.Docs))
			for i, d := range c.Docs {
				chunks[i] = vectorstore.Chunk{StoreID: "cran", FileID: d.ID, Text: d.Title + "\n" + d.Abstract}
			}
			if err := st.Upsert(ctx, chunks); err != nil {
				t.Fatal(err)
			}
			indexed := time.Since(start)
			m, err := c.Evaluate(ctx, 10, func(ctx context.Context, q eval.Query) ([]string, error) {
				hits, err := st.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"cran"}, Queries: []vectorstore.Query{{Text: q.Text}}})
				ids := make([]string, len(hits))
				for i, h := range hits {
					ids[i] = h.FileID
				}
				return ids, err
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("qdrant lexical (fake server), avg %d: %v (index %v, total %v)", avg, m, indexed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			if m.NDCG < 0.355 {
				t.Errorf("nDCG@10 %.4f below the 0.355 gate", m.NDCG)
			}
		})
	}
}
