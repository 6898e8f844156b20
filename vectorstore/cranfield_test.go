package vectorstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/internal/eval"
)

// TestCranfieldLexical gates the lexical path's retrieval quality on the
// Cranfield collection (../shared/data/cranfield from the repository root):
// nDCG@10 must stay at or above 0.34. It skips when the collection is absent.
func TestCranfieldLexical(t *testing.T) {
	dir, err := eval.DefaultDir()
	if err != nil {
		t.Skip("Cranfield collection missing:", err)
	}
	c, err := eval.Load(dir)
	if err != nil {
		t.Skipf("Cranfield collection missing (../shared/data/cranfield): %v", err)
	}
	ctx := t.Context()
	start := time.Now()
	st := vectorstore.NewMemory(nil)
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
	t.Logf("lexical: %v (index %v, total %v)", m, indexed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if m.NDCG < 0.34 {
		t.Errorf("nDCG@10 %.4f below the 0.34 gate", m.NDCG)
	}
}
