package qdrant_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sameHits compares hits of the two backends: scores to rounding, and
// relevances to float32 rounding (the embedded store's dot products are
// float32 sums in another order).
var sameHits = cmp.Options{
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Relevance" }, cmpopts.EquateApprox(0, 1e-6)),
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() != ".Relevance" }, cmpopts.EquateApprox(0, 1e-9)),
}

// TestSameAsEmbedded compares dense searches (exact in both) over the
// Qdrant backend and the embedded store: same hits, scores, relevances,
// ranks and duplicates folded, with filters, several queries and several
// stores.
func TestSameAsEmbedded(t *testing.T) {
	ctx := t.Context()
	emb := vectorstore.NewHashEmbedder(32)
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"}
	var chunks []vectorstore.Chunk
	for _, store := range []string{"s1", "s2"} {
		for f := range 30 {
			attrs := vectorstore.Attributes{"n": f % 7, "kind": words[f%4], "even": f%2 == 0}
			if f%5 == 0 {
				attrs = nil
			}
			for o := range 1 + f%3 {
				text := fmt.Sprintf("%s %s %s %d", words[(f+o)%len(words)], words[(f*3+o)%len(words)], words[(f*7+o*5)%len(words)], f)
				chunks = append(chunks, vectorstore.Chunk{StoreID: store, FileID: fmt.Sprintf("f%02d", f), Filename: fmt.Sprintf("f%02d.txt", f),
					Ordinal: o, Text: text, Attributes: attrs})
			}
		}
	}
	texts := make([]string, len(chunks))
	for i := range chunks {
		texts[i] = chunks[i].Text
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range chunks {
		chunks[i].Vector = vecs[i]
	}
	_, q := newFakeStore(t, nil, nil)
	m := vectorstore.NewMemory(nil)
	defer closeStore(t, m)
	for _, st := range []vectorstore.Store{q, m} {
		for _, id := range []string{"s1", "s2"} {
			if err := st.EnsureStore(ctx, vectorstore.StoreSpec{ID: id, Embedder: emb.ID(), Dims: emb.Dims()}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Upsert(ctx, chunks); err != nil {
			t.Fatal(err)
		}
	}
	query := func(texts ...string) []vectorstore.Query {
		vs, err := emb.Embed(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		qs := make([]vectorstore.Query, len(texts))
		for i := range texts {
			qs[i] = vectorstore.Query{Vector: vs[i]}
		}
		return qs
	}
	for i, req := range []vectorstore.SearchRequest{
		{StoreIDs: []string{"s1"}, Queries: query("alpha beta")},
		{StoreIDs: []string{"s1", "s2"}, Queries: query("gamma", "delta kappa", "mu 7"), Limit: 50},
		{StoreIDs: []string{"s2"}, Queries: query("theta"), Filter: &vectorstore.Filter{Type: "gte", Key: "n", Value: 3}, Limit: 20},
		{StoreIDs: []string{"s1", "s2"}, Queries: query("iota", "zeta"), Filter: &vectorstore.Filter{Type: "or", Filters: []vectorstore.Filter{
			{Type: "eq", Key: "kind", Value: "beta"}, {Type: "nin", Key: "n", Value: []any{1, 2, 3}}}}, Limit: 50},
		{StoreIDs: []string{"s1"}, Queries: query("eta lambda"), Filter: &vectorstore.Filter{Type: "ne", Key: "even", Value: true}, Limit: 30, ScoreThreshold: 0.3},
	} {
		req.Embedder = emb.ID()
		var want, got []vectorstore.Hit
		var errW, errG error
		var wg sync.WaitGroup
		wg.Go(func() { want, errW = m.Search(ctx, req) })
		wg.Go(func() { got, errG = q.Search(ctx, req) })
		wg.Wait()
		if errW != nil || errG != nil {
			t.Fatalf("request %d: embedded %v, qdrant %v", i, errW, errG)
		}
		if len(want) == 0 {
			t.Fatalf("request %d: no hits", i)
		}
		if diff := cmp.Diff(want, got, sameHits); diff != "" {
			t.Errorf("request %d (-embedded +qdrant):\n%s", i, diff)
		}
	}
}

// TestSameAsEmbeddedHybrid compares lexical and hybrid searches over one
// store written in one batch (so the Qdrant backend's fixed average chunk
// length is the corpus mean, and its collection-wide IDF is the store's):
// both backends analyse text with vectorstore.Terms, score BM25 alike and
// fuse with vectorstore.Fuse, so hits, scores and ranks must agree, and
// relevances (the Qdrant backend probes each term's IDF) and the
// duplicates folded.
func TestSameAsEmbeddedHybrid(t *testing.T) {
	ctx := t.Context()
	emb := vectorstore.NewHashEmbedder(32)
	words := []string{"flows", "flowing", "heated", "heating", "gases", "boundary", "layers", "layer", "supersonic",
		"wings", "wing", "pressure", "pressures", "the", "of", "shock", "shocks", "turbulent", "turbulence", "plates"}
	var chunks []vectorstore.Chunk
	for f := range 40 {
		for o := range 1 + f%3 {
			var b []string
			for w := range 3 + (f*5+o)%9 {
				b = append(b, words[(f*7+o*3+w*w*11)%len(words)])
			}
			chunks = append(chunks, vectorstore.Chunk{StoreID: "h", FileID: fmt.Sprintf("f%02d", f), Filename: fmt.Sprintf("f%02d.txt", f),
				Ordinal: o, Text: strings.Join(b, " "), Attributes: vectorstore.Attributes{"n": f % 5}})
		}
	}
	texts := make([]string, len(chunks))
	for i := range chunks {
		texts[i] = chunks[i].Text
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range chunks {
		chunks[i].Vector = vecs[i]
	}
	_, q := newFakeStore(t, nil, nil)
	m := vectorstore.NewMemory(nil)
	defer closeStore(t, m)
	for _, st := range []vectorstore.Store{q, m} {
		if err := st.EnsureStore(ctx, vectorstore.StoreSpec{ID: "h", Embedder: emb.ID(), Dims: emb.Dims()}); err != nil {
			t.Fatal(err)
		}
		if err := st.Upsert(ctx, chunks); err != nil {
			t.Fatal(err)
		}
	}
	query := func(vector bool, texts ...string) []vectorstore.Query {
		vs, err := emb.Embed(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		qs := make([]vectorstore.Query, len(texts))
		for i := range texts {
			qs[i] = vectorstore.Query{Text: texts[i]}
			if vector {
				qs[i].Vector = vs[i]
			}
		}
		return qs
	}
	for i, req := range []vectorstore.SearchRequest{
		{Queries: query(false, "heating of flowing gases")},
		{Queries: query(false, "turbulent boundary layer", "shock pressure on wings"), Limit: 30},
		{Queries: query(false, "the of"), Limit: 5}, // stopwords only: no hits
		{Queries: query(true, "supersonic plates", "heated layers"), Limit: 25},
		{Queries: query(true, "turbulence"), EmbeddingWeight: 0.2, TextWeight: 0.8, Limit: 20},
		{Queries: query(true, "pressures wing"), Filter: &vectorstore.Filter{Type: "lt", Key: "n", Value: 3}, ScoreThreshold: 0.2},
	} {
		req.StoreIDs = []string{"h"}
		req.Embedder = emb.ID()
		want, err := m.Search(ctx, req)
		if err != nil {
			t.Fatalf("request %d: embedded: %v", i, err)
		}
		got, err := q.Search(ctx, req)
		if err != nil {
			t.Fatalf("request %d: qdrant: %v", i, err)
		}
		if len(want) == 0 && req.Limit != 5 {
			t.Fatalf("request %d: no hits", i)
		}
		if diff := cmp.Diff(want, got, sameHits, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("request %d (-embedded +qdrant):\n%s", i, diff)
		}
	}
}
