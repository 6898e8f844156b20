package vectorstore

import (
	"fmt"
	"testing"
)

// closeStore closes s, failing tb on error.
func closeStore(tb testing.TB, s Store) {
	tb.Helper()
	if err := s.Close(); err != nil {
		tb.Error(err)
	}
}

func TestCompaction(t *testing.T) {
	ctx := t.Context()
	m := NewMemory(nil)
	defer closeStore(t, m)
	e := NewHashEmbedder(16)
	if err := m.EnsureStore(ctx, StoreSpec{ID: "s", Embedder: e.ID(), Dims: 16}); err != nil {
		t.Fatal(err)
	}
	var chunks []Chunk
	for i := range 3000 {
		text := fmt.Sprintf("document number %d about topic%d", i, i%7)
		v, _ := e.Embed(ctx, []string{text})
		chunks = append(chunks, Chunk{StoreID: "s", FileID: fmt.Sprint("f", i), Text: text, Vector: v[0],
			Attributes: Attributes{"i": i}})
	}
	if err := m.Upsert(ctx, chunks); err != nil {
		t.Fatal(err)
	}
	for i := range 2500 {
		if err := m.DeleteFile(ctx, "s", fmt.Sprint("f", i)); err != nil {
			t.Fatal(err)
		}
	}
	s := m.stores["s"]
	if len(s.docs) >= 3000 || s.dead > 1024 {
		t.Errorf("not compacted: %d docs, %d dead", len(s.docs), s.dead)
	}
	q, _ := e.Embed(ctx, []string{"document number 2999 about topic3"})
	hits, err := m.Search(ctx, SearchRequest{StoreIDs: []string{"s"}, Embedder: e.ID(),
		Queries: []Query{{Text: "2999 topic3", Vector: q[0]}}, Limit: 50,
		Filter: &Filter{Type: FilterGte, Key: "i", Value: 2990}})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 10 || hits[0].FileID != "f2999" {
		t.Errorf("%d hits, first %v", len(hits), hits[0].FileID)
	}
	files, _ := m.Files(ctx, "s")
	if len(files) != 500 {
		t.Errorf("%d files, want 500", len(files))
	}
}
