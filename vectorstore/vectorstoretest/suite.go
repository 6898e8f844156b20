// Package vectorstoretest is the conformance suite every [vectorstore.Store]
// backend runs, so that all backends behave alike: search (lexical, dense,
// hybrid, several queries), filters of every kind, upsert idempotence,
// deletion, attributes, store isolation, limits and thresholds, errors,
// persistence where it applies, and concurrent readers and writers (run it
// under -race).
//
//	func TestConformance(t *testing.T) {
//		vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
//			s, err := mybackend.New(...)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		}, nil)
//	}
//
// The dense tests embed with a 64-dimension [vectorstore.HashEmbedder], so
// they need no network. Scores are checked against the contract of
// [vectorstore.Hit]: weighted RRF (k = 60) divided by the best attainable.
package vectorstoretest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/vectorstore"
)

// Options tunes Run for a backend's abilities. The zero value runs everything
// but persistence.
type Options struct {
	// Reopen, when set, closes s and returns a new Store reading the same
	// persisted data (the suite does not close s itself). Nil skips the
	// persistence tests.
	Reopen func(t *testing.T, s vectorstore.Store) vectorstore.Store
}

// embedder is the embedder of the suite's dense stores (64 dims).
var embedder = vectorstore.NewHashEmbedder(64)

// Run runs the conformance suite as subtests of t. newStore must return a
// fresh, empty store each time it is called; the suite closes every store it
// gets. opts may be nil.
func Run(t *testing.T, newStore func(t *testing.T) vectorstore.Store, opts *Options) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	r := &runner{newStore: newStore, opts: opts}
	t.Run("EnsureStore", r.ensureStore)
	t.Run("Errors", r.errors)
	t.Run("LexicalSearch", r.lexicalSearch)
	t.Run("DenseSearch", r.denseSearch)
	t.Run("HybridSearch", r.hybridSearch)
	t.Run("EmbedderMismatch", r.embedderMismatch)
	t.Run("Filters", r.filters)
	t.Run("UpsertIdempotent", r.upsertIdempotent)
	t.Run("UpsertReplaces", r.upsertReplaces)
	t.Run("DeleteFile", r.deleteFile)
	t.Run("DeleteStore", r.deleteStore)
	t.Run("SetAttributes", r.setAttributes)
	t.Run("Isolation", r.isolation)
	t.Run("LimitAndThreshold", r.limitAndThreshold)
	t.Run("MultipleQueries", r.multipleQueries)
	t.Run("RelevanceAndDuplicates", r.relevanceAndDuplicates)
	t.Run("Persistence", r.persistence)
	t.Run("Concurrency", r.concurrency)
}

type runner struct {
	newStore func(t *testing.T) vectorstore.Store
	opts     *Options
}

// store returns a fresh store closed at the end of the test.
func (r *runner) store(t *testing.T) vectorstore.Store {
	t.Helper()
	s := r.newStore(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// doc is one file of the suite's corpus: one chunk unless Extra is set.
type doc struct {
	ID    string
	Text  string
	Attrs vectorstore.Attributes
	Extra []string // further chunks
}

// corpus has one file per topic; every text holds the word "common" so one
// query reaches them all.
var corpus = []doc{
	{"f01", "Boil the pasta in salted water and toss it with garlic, olive oil and chili. A common weeknight recipe.",
		vectorstore.Attributes{"kind": "recipe", "year": 2019, "public": true, "date": "2019-05-01T10:00:00Z", "rating": 4.5}, nil},
	{"f02", "The Go scheduler multiplexes goroutines onto operating system threads; common pitfalls include blocking syscalls.",
		vectorstore.Attributes{"kind": "code", "year": 2021, "public": true, "date": "2021-02-11T08:30:00Z", "rating": 5}, nil},
	{"f03", "Rust ownership and borrowing rules prevent data races at compile time, a common source of bugs elsewhere.",
		vectorstore.Attributes{"kind": "code", "year": 2022, "public": false, "date": "2022-07-19T00:00:00Z", "rating": 3}, nil},
	{"f04", "Sourdough bread needs a lively starter, long fermentation and a very hot oven; common flour works.",
		vectorstore.Attributes{"kind": "recipe", "year": 2020, "public": false, "date": "2020-04-02T12:00:00Z"}, nil},
	{"f05", "Supersonic wings suffer shock waves and boundary layer separation; common aerodynamic heating follows.",
		vectorstore.Attributes{"kind": "paper", "year": 1962, "public": true, "rating": 2}, nil},
	{"f06", "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen in common green plants.",
		vectorstore.Attributes{"kind": "paper", "year": 2005, "date": "2005-11-30T23:59:59Z", "rating": 4}, nil},
	{"f07", "The orchestra tuned to the oboe before the symphony; common concert etiquette asks for silence.",
		vectorstore.Attributes{"kind": "note", "public": true}, nil},
	{"f08", "Marathon training mixes long slow runs, intervals and rest days; common injuries hit the knees.",
		vectorstore.Attributes{"kind": "note", "year": 2023, "public": false, "rating": 1}, nil},
	{"f09", "Volcanic eruptions eject ash and lava; the common basalt cools into columns.",
		nil, nil},
	{"f10", "Chess openings such as the Sicilian defence fight for the centre; common traps punish greed.",
		vectorstore.Attributes{"kind": "note", "year": 2024, "public": true, "date": "2024-01-15T09:00:00+01:00", "rating": 4.5}, nil},
	{"f11", "Compilers lower source code through intermediate representations before register allocation, a common pipeline.",
		vectorstore.Attributes{"kind": "code", "year": 2018, "public": true, "rating": 3.5},
		[]string{"Register allocation colours an interference graph; spilling is common when registers run out.",
			"Instruction scheduling reorders operations to hide latency, common on in-order cores."}},
	{"f12", "Honeybees communicate the direction of flowers with a waggle dance, a common sight in hives.",
		vectorstore.Attributes{"kind": "paper", "year": 2010, "public": false}, nil},
}

const lexStore, denseStore = "lex", "dense"

// chunks returns the corpus as chunks of storeID, with vectors when dense.
func chunks(t *testing.T, storeID string, dense bool) []vectorstore.Chunk {
	t.Helper()
	var out []vectorstore.Chunk
	for _, d := range corpus {
		for i, text := range append([]string{d.Text}, d.Extra...) {
			out = append(out, vectorstore.Chunk{
				StoreID: storeID, FileID: d.ID, Filename: d.ID + ".txt", Ordinal: i,
				Text: text, Attributes: d.Attrs, FileHash: "h-" + d.ID,
			})
		}
	}
	if dense {
		texts := make([]string, len(out))
		for i := range out {
			texts[i] = out[i].Text
		}
		vecs, err := embedder.Embed(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range out {
			out[i].Vector = vecs[i]
		}
	}
	return out
}

// loaded returns a store holding the corpus in a lexical store "lex" and a
// dense store "dense".
func (r *runner) loaded(t *testing.T) vectorstore.Store {
	t.Helper()
	s := r.store(t)
	ctx := t.Context()
	must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: lexStore}))
	must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: denseStore, Embedder: embedder.ID(), Dims: embedder.Dims()}))
	must(t, s.Upsert(ctx, chunks(t, lexStore, false)))
	must(t, s.Upsert(ctx, chunks(t, denseStore, true)))
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func embed(t *testing.T, text string) []float32 {
	t.Helper()
	v, err := embedder.Embed(context.Background(), []string{text})
	if err != nil {
		t.Fatal(err)
	}
	return v[0]
}

func search(t *testing.T, s vectorstore.Store, req vectorstore.SearchRequest) []vectorstore.Hit {
	t.Helper()
	hits, err := s.Search(t.Context(), req)
	if err != nil {
		t.Fatalf("Search(%+v): %v", req, err)
	}
	checkHits(t, hits, req)
	return hits
}

// checkHits checks what every result must satisfy.
func checkHits(t *testing.T, hits []vectorstore.Hit, req vectorstore.SearchRequest) {
	t.Helper()
	limit := req.Limit
	if limit == 0 {
		limit = vectorstore.DefaultLimit
	}
	if len(hits) > limit {
		t.Errorf("%d hits, limit %d", len(hits), limit)
	}
	seen := map[string]bool{}
	for i, h := range hits {
		if h.Score < 0 || h.Score > 1 || math.IsNaN(h.Score) {
			t.Errorf("hit %d score %v outside [0, 1]", i, h.Score)
		}
		if h.Score < req.ScoreThreshold {
			t.Errorf("hit %d score %v below threshold %v", i, h.Score, req.ScoreThreshold)
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("hit %d score %v above previous %v", i, h.Score, hits[i-1].Score)
		}
		if want := vectorstore.ChunkID(h.StoreID, h.FileID, h.Ordinal); h.ID != want {
			t.Errorf("hit %d ID %q, want ChunkID %q", i, h.ID, want)
		}
		if seen[h.ID] {
			t.Errorf("hit %d (%s/%s#%d) duplicated", i, h.StoreID, h.FileID, h.Ordinal)
		}
		seen[h.ID] = true
		if h.Vector != nil {
			t.Errorf("hit %d carries a vector", i)
		}
		if h.DenseRank == 0 && h.LexicalRank == 0 {
			t.Errorf("hit %d has neither a dense nor a lexical rank", i)
		}
		if h.Relevance < 0 || h.Relevance > 1 || math.IsNaN(h.Relevance) {
			t.Errorf("hit %d relevance %v outside [0, 1]", i, h.Relevance)
		}
		for _, d := range h.Duplicates {
			if d.StoreID == h.StoreID && d.FileID == h.FileID || seen[vectorstore.ChunkID(d.StoreID, d.FileID, d.Ordinal)] {
				t.Errorf("hit %d folds %+v: its own file, or a hit listed", i, d)
			}
			seen[vectorstore.ChunkID(d.StoreID, d.FileID, d.Ordinal)] = true
		}
		if !slices.Contains(req.StoreIDs, h.StoreID) {
			t.Errorf("hit %d from store %q, not searched", i, h.StoreID)
		}
		if !req.Filter.Match(h.Attributes) {
			t.Errorf("hit %d attributes %v do not match filter %v", i, h.Attributes, req.Filter)
		}
	}
}

func fileIDs(hits []vectorstore.Hit) []string {
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.FileID) {
			out = append(out, h.FileID)
		}
	}
	return out
}

func sortedFileIDs(hits []vectorstore.Hit) []string {
	out := fileIDs(hits)
	sort.Strings(out)
	return out
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

func (r *runner) ensureStore(t *testing.T) {
	s := r.store(t)
	ctx := t.Context()
	spec := vectorstore.StoreSpec{ID: "a", Embedder: "e1", Dims: 8}
	must(t, s.EnsureStore(ctx, spec))
	must(t, s.EnsureStore(ctx, spec))
	wantErr(t, "other dims", s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "a", Embedder: "e1", Dims: 16}), vectorstore.ErrEmbedderMismatch)
	wantErr(t, "other embedder", s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "a", Embedder: "e2", Dims: 8}), vectorstore.ErrEmbedderMismatch)
	wantErr(t, "lexical over dense", s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "a"}), vectorstore.ErrEmbedderMismatch)
	wantErr(t, "no ID", s.EnsureStore(ctx, vectorstore.StoreSpec{}), vectorstore.ErrInvalid)
	wantErr(t, "no dims", s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "b", Embedder: "e"}), vectorstore.ErrInvalid)
	files, err := s.Files(ctx, "a")
	must(t, err)
	if len(files) != 0 {
		t.Errorf("new store has files %v", files)
	}
	if sr, ok := s.(vectorstore.SpecReader); ok {
		got, err := sr.Spec(ctx, "a")
		must(t, err)
		if got != spec {
			t.Errorf("Spec(a) = %+v, want %+v", got, spec)
		}
		_, err = sr.Spec(ctx, "missing")
		wantErr(t, "Spec of a missing store", err, vectorstore.ErrNotFound)
	}
}

func (r *runner) errors(t *testing.T) {
	s := r.loaded(t)
	ctx := t.Context()
	c := vectorstore.Chunk{StoreID: "missing", FileID: "f", Text: "x"}
	wantErr(t, "Upsert to a missing store", s.Upsert(ctx, []vectorstore.Chunk{c}), vectorstore.ErrNotFound)
	_, err := s.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{lexStore, "missing"}, Queries: []vectorstore.Query{{Text: "x"}}})
	wantErr(t, "Search of a missing store", err, vectorstore.ErrNotFound)
	wantErr(t, "DeleteFile in a missing store", s.DeleteFile(ctx, "missing", "f"), vectorstore.ErrNotFound)
	wantErr(t, "SetAttributes of a missing file", s.SetAttributes(ctx, lexStore, "nope", nil), vectorstore.ErrNotFound)
	wantErr(t, "SetAttributes in a missing store", s.SetAttributes(ctx, "missing", "f01", nil), vectorstore.ErrNotFound)
	_, err = s.Files(ctx, "missing")
	wantErr(t, "Files of a missing store", err, vectorstore.ErrNotFound)
	must(t, s.DeleteStore(ctx, "missing"))
	must(t, s.DeleteFile(ctx, lexStore, "nope"))

	bad := []vectorstore.Chunk{
		{StoreID: lexStore, FileID: "", Text: "x"},
		{StoreID: lexStore, FileID: "f", Ordinal: -1, Text: "x"},
		{StoreID: lexStore, FileID: "f", Text: "x", Attributes: vectorstore.Attributes{"k": []int{1}}},
		{StoreID: lexStore, FileID: "f", Text: "x", Vector: []float32{1, 0}},
		{StoreID: denseStore, FileID: "f", Text: "x"},
		{StoreID: denseStore, FileID: "f", Text: "x", Vector: []float32{1, 0}},
	}
	for i, c := range bad {
		// A valid chunk first: nothing may be written when one is invalid.
		ok := vectorstore.Chunk{StoreID: lexStore, FileID: "partial", Text: "partial write"}
		wantErr(t, fmt.Sprintf("Upsert of bad chunk %d", i), s.Upsert(ctx, []vectorstore.Chunk{ok, c}), vectorstore.ErrInvalid)
	}
	files, err := s.Files(ctx, lexStore)
	must(t, err)
	for _, f := range files {
		if f.ID == "partial" {
			t.Error("a failed Upsert wrote its valid chunks")
		}
	}
	for _, req := range []vectorstore.SearchRequest{
		{StoreIDs: []string{lexStore}},
		{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "x"}}, Limit: 51},
		{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "x"}}, Limit: -1},
		{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "x"}}, ScoreThreshold: 2},
		{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "x"}}, Filter: &vectorstore.Filter{Type: "eq", Key: "k"}},
	} {
		_, err := s.Search(ctx, req)
		wantErr(t, fmt.Sprintf("Search(%+v)", req), err, vectorstore.ErrInvalid)
	}
}

func (r *runner) lexicalSearch(t *testing.T) {
	s := r.loaded(t)
	for _, store := range []string{lexStore, denseStore} {
		req := vectorstore.SearchRequest{StoreIDs: []string{store}, Queries: []vectorstore.Query{{Text: "how long should sourdough ferment?"}}}
		hits := search(t, s, req)
		if len(hits) == 0 || hits[0].FileID != "f04" {
			t.Fatalf("%s: hits %v, want f04 first", store, fileIDs(hits))
		}
		h := hits[0]
		if math.Abs(h.Score-1) > 1e-6 {
			t.Errorf("%s: top hit of the only leg scores %v, want 1", store, h.Score)
		}
		if h.LexicalRank != 1 || h.DenseRank != 0 {
			t.Errorf("%s: ranks lexical %d dense %d, want 1 and 0", store, h.LexicalRank, h.DenseRank)
		}
		want := vectorstore.Chunk{
			ID: vectorstore.ChunkID(store, "f04", 0), StoreID: store, FileID: "f04", Filename: "f04.txt",
			Text: corpus[3].Text, FileHash: "h-f04",
			Attributes: vectorstore.Attributes{"kind": "recipe", "year": 2020.0, "public": false, "date": "2020-04-02T12:00:00Z"},
		}
		if diff := cmp.Diff(want, h.Chunk); diff != "" {
			t.Errorf("%s: top hit (-want +got):\n%s", store, diff)
		}
	}
	// A word in no document finds nothing.
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "zyzzyva"}}})
	if len(hits) != 0 {
		t.Errorf("unknown word found %v", fileIDs(hits))
	}
	// Case and punctuation do not matter.
	hits = search(t, s, vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "GOROUTINES!!"}}})
	if len(hits) == 0 || hits[0].FileID != "f02" {
		t.Errorf("GOROUTINES!!: hits %v, want f02 first", fileIDs(hits))
	}
}

func (r *runner) denseSearch(t *testing.T) {
	s := r.loaded(t)
	q := "waggle dance of honeybees"
	req := vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Vector: embed(t, q)}}}
	hits := search(t, s, req)
	if len(hits) == 0 || hits[0].FileID != "f12" {
		t.Fatalf("hits %v, want f12 first", fileIDs(hits))
	}
	if hits[0].DenseRank != 1 || hits[0].LexicalRank != 0 || math.Abs(hits[0].Score-1) > 1e-6 {
		t.Errorf("top hit ranks dense %d lexical %d score %v, want 1, 0, 1", hits[0].DenseRank, hits[0].LexicalRank, hits[0].Score)
	}
	// Exact search: every chunk is a dense candidate, so with a limit at
	// least the corpus size every chunk comes back.
	req.Limit = vectorstore.MaxLimit
	hits = search(t, s, req)
	if n := len(chunks(t, denseStore, false)); len(hits) != n {
		t.Errorf("dense search returned %d of %d chunks", len(hits), n)
	}
	// The store normalises: a scaled query vector ranks the same.
	scaled := slices.Clone(req.Queries[0].Vector)
	for i := range scaled {
		scaled[i] *= 3
	}
	req2 := req
	req2.Queries = []vectorstore.Query{{Vector: scaled}}
	hits2 := search(t, s, req2)
	if diff := cmp.Diff(fileIDs(hits), fileIDs(hits2)); diff != "" {
		t.Errorf("scaled query ranks differently (-unit +scaled):\n%s", diff)
	}
	// Dense queries on a lexical-only store find nothing, without error.
	hits = search(t, s, vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Vector: embed(t, q)}}})
	if len(hits) != 0 {
		t.Errorf("vector query on a lexical store found %v", fileIDs(hits))
	}
}

func (r *runner) hybridSearch(t *testing.T) {
	s := r.loaded(t)
	q := "register allocation in compilers"
	req := vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Text: q, Vector: embed(t, q)}}}
	hits := search(t, s, req)
	if len(hits) == 0 || hits[0].FileID != "f11" {
		t.Fatalf("hits %v, want f11 first", fileIDs(hits))
	}
	if hits[0].DenseRank == 0 || hits[0].LexicalRank == 0 {
		t.Errorf("top hit ranks dense %d lexical %d, want both", hits[0].DenseRank, hits[0].LexicalRank)
	}
	// The score is the normalised weighted RRF of the ranks.
	for _, h := range hits {
		want := 0.0
		if h.DenseRank > 0 {
			want += 1 / float64(vectorstore.RRFK+h.DenseRank)
		}
		if h.LexicalRank > 0 {
			want += 1 / float64(vectorstore.RRFK+h.LexicalRank)
		}
		want /= 2 / float64(vectorstore.RRFK+1)
		if math.Abs(h.Score-want) > 1e-6 {
			t.Errorf("%s#%d ranks %d/%d: score %v, want %v", h.FileID, h.Ordinal, h.DenseRank, h.LexicalRank, h.Score, want)
		}
	}
	// Weights: text only, dense only, and unequal.
	req.TextWeight, req.EmbeddingWeight = 1, 0
	for _, h := range search(t, s, req) {
		if h.DenseRank != 0 {
			t.Errorf("text-only search has a dense rank: %+v", h)
		}
	}
	req.TextWeight, req.EmbeddingWeight = 0, 1
	for _, h := range search(t, s, req) {
		if h.LexicalRank != 0 {
			t.Errorf("dense-only search has a lexical rank: %+v", h)
		}
	}
	req.TextWeight, req.EmbeddingWeight = 3, 1
	for _, h := range search(t, s, req) {
		want := 0.0
		if h.DenseRank > 0 {
			want += 1 / float64(vectorstore.RRFK+h.DenseRank)
		}
		if h.LexicalRank > 0 {
			want += 3 / float64(vectorstore.RRFK+h.LexicalRank)
		}
		want /= 4 / float64(vectorstore.RRFK+1)
		if math.Abs(h.Score-want) > 1e-6 {
			t.Errorf("weighted %s#%d: score %v, want %v", h.FileID, h.Ordinal, h.Score, want)
		}
	}
	// Searching a lexical and a dense store together uses each as it can
	// (they hold the same texts: duplicates are kept).
	both := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{lexStore, denseStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Text: q, Vector: embed(t, q)}}, Limit: 20, KeepDuplicates: true})
	stores := map[string]bool{}
	for _, h := range both {
		stores[h.StoreID] = true
		if h.StoreID == lexStore && h.DenseRank != 0 {
			t.Errorf("lexical store hit has a dense rank: %+v", h)
		}
	}
	if !stores[lexStore] || !stores[denseStore] {
		t.Errorf("searching both stores found only %v", stores)
	}
}

func (r *runner) embedderMismatch(t *testing.T) {
	s := r.loaded(t)
	q := vectorstore.Query{Text: "pasta", Vector: embed(t, "pasta")}
	_, err := s.Search(t.Context(), vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: "other:model:64", Queries: []vectorstore.Query{q}})
	wantErr(t, "other embedder", err, vectorstore.ErrEmbedderMismatch)
	_, err = s.Search(t.Context(), vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Queries: []vectorstore.Query{q}})
	wantErr(t, "no embedder named", err, vectorstore.ErrEmbedderMismatch)
	_, err = s.Search(t.Context(), vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Text: "pasta", Vector: make([]float32, 32)}}})
	wantErr(t, "other dims", err, vectorstore.ErrEmbedderMismatch)
	// Text-only queries need no embedder.
	search(t, s, vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Queries: []vectorstore.Query{{Text: "pasta"}}})
}

// filterCases cover every comparison on strings, numbers, bools and RFC 3339
// timestamps, absent keys, and nested compounds.
var filterCases = []vectorstore.Filter{
	{Type: "eq", Key: "kind", Value: "code"},
	{Type: "eq", Key: "year", Value: 2021},
	{Type: "eq", Key: "rating", Value: 4.5},
	{Type: "eq", Key: "public", Value: true},
	{Type: "eq", Key: "public", Value: false},
	{Type: "ne", Key: "kind", Value: "code"},
	{Type: "ne", Key: "year", Value: 2021},
	{Type: "ne", Key: "public", Value: true},
	{Type: "gt", Key: "year", Value: 2020},
	{Type: "gte", Key: "year", Value: 2020},
	{Type: "lt", Key: "year", Value: 2020},
	{Type: "lte", Key: "year", Value: 2020},
	{Type: "gt", Key: "rating", Value: 3.5},
	{Type: "gte", Key: "rating", Value: 3.5},
	{Type: "lt", Key: "rating", Value: 3.5},
	{Type: "lte", Key: "rating", Value: 3.5},
	{Type: "gt", Key: "date", Value: "2020-04-02T12:00:00Z"},
	{Type: "gte", Key: "date", Value: "2020-04-02T12:00:00Z"},
	{Type: "lt", Key: "date", Value: "2024-01-15T08:00:00Z"},
	{Type: "lte", Key: "date", Value: "2024-01-15T08:00:00Z"},
	{Type: "in", Key: "kind", Value: []any{"recipe", "paper"}},
	{Type: "in", Key: "year", Value: []any{2019, 2023, 1999}},
	{Type: "in", Key: "kind", Value: []any{"nothing"}},
	{Type: "nin", Key: "kind", Value: []any{"recipe", "paper"}},
	{Type: "nin", Key: "year", Value: []any{2019, 2023}},
	{Type: "eq", Key: "absent", Value: "x"},
	{Type: "ne", Key: "absent", Value: "x"},
	{Type: "and", Filters: []vectorstore.Filter{
		{Type: "eq", Key: "kind", Value: "code"},
		{Type: "eq", Key: "public", Value: true},
	}},
	{Type: "or", Filters: []vectorstore.Filter{
		{Type: "eq", Key: "kind", Value: "recipe"},
		{Type: "lt", Key: "year", Value: 2000},
	}},
	{Type: "and", Filters: []vectorstore.Filter{
		{Type: "or", Filters: []vectorstore.Filter{
			{Type: "eq", Key: "kind", Value: "note"},
			{Type: "eq", Key: "kind", Value: "paper"},
		}},
		{Type: "gte", Key: "year", Value: 2005},
		{Type: "nin", Key: "rating", Value: []any{4}},
	}},
	{Type: "or", Filters: []vectorstore.Filter{
		{Type: "and", Filters: []vectorstore.Filter{
			{Type: "eq", Key: "public", Value: false},
			{Type: "gt", Key: "rating", Value: 2},
		}},
		{Type: "eq", Key: "kind", Value: "note"},
	}},
}

func (r *runner) filters(t *testing.T) {
	s := r.loaded(t)
	q := "common"
	for i, f := range filterCases {
		var want []string
		for _, d := range corpus {
			if f.Match(d.Attrs) {
				want = append(want, d.ID)
			}
		}
		for _, leg := range []struct {
			name string
			req  vectorstore.SearchRequest
		}{
			{"lexical", vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: q}}}},
			{"dense", vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(), Queries: []vectorstore.Query{{Vector: embed(t, q)}}}},
			{"hybrid", vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(), Queries: []vectorstore.Query{{Text: q, Vector: embed(t, q)}}}},
		} {
			req := leg.req
			req.Filter = &f
			req.Limit = vectorstore.MaxLimit
			got := sortedFileIDs(search(t, s, req))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("filter %d %v, %s (-want +got):\n%s", i, f, leg.name, diff)
			}
		}
	}
	// A filter keeps matching chunks even when non-matching ones would rank
	// above them: filters apply during the scan, not after it.
	f := vectorstore.Filter{Type: "eq", Key: "kind", Value: "recipe"}
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "goroutines scheduler pasta"}}, Filter: &f, Limit: 1})
	if diff := cmp.Diff([]string{"f01"}, fileIDs(hits)); diff != "" {
		t.Errorf("filtered limit 1 (-want +got):\n%s", diff)
	}
}

func (r *runner) upsertIdempotent(t *testing.T) {
	s := r.loaded(t)
	ctx := t.Context()
	q := "common compilers"
	req := vectorstore.SearchRequest{StoreIDs: []string{lexStore, denseStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Text: q, Vector: embed(t, q)}}, Limit: vectorstore.MaxLimit}
	before := search(t, s, req)
	filesBefore, err := s.Files(ctx, denseStore)
	must(t, err)
	must(t, s.Upsert(ctx, chunks(t, lexStore, false)))
	must(t, s.Upsert(ctx, chunks(t, denseStore, true)))
	after := search(t, s, req)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("search after a second upsert (-once +twice):\n%s", diff)
	}
	filesAfter, err := s.Files(ctx, denseStore)
	must(t, err)
	if diff := cmp.Diff(filesBefore, filesAfter); diff != "" {
		t.Errorf("files after a second upsert (-once +twice):\n%s", diff)
	}
	want := wantFile("f11", 3, corpus[10].Attrs)
	for _, f := range filesAfter {
		if f.ID == "f11" {
			if diff := cmp.Diff(want, f); diff != "" {
				t.Errorf("file f11 (-want +got):\n%s", diff)
			}
		}
	}
	if len(filesAfter) != len(corpus) {
		t.Errorf("%d files, want %d", len(filesAfter), len(corpus))
	}
}

// wantFile returns the vectorstore.File the corpus' file id should list as.
func wantFile(id string, n int, attrs vectorstore.Attributes) vectorstore.File {
	f := vectorstore.File{ID: id, Filename: id + ".txt", FileHash: "h-" + id, Chunks: n}
	if len(attrs) > 0 {
		f.Attributes = vectorstore.Attributes{}
		for k, v := range attrs {
			if n, ok := v.(int); ok {
				v = float64(n)
			}
			f.Attributes[k] = v
		}
	}
	return f
}

func (r *runner) upsertReplaces(t *testing.T) {
	s := r.loaded(t)
	ctx := t.Context()
	text := "Tectonic plates drift and collide, raising mountains."
	c := vectorstore.Chunk{StoreID: denseStore, FileID: "f09", Filename: "f09-v2.txt", Text: text,
		Attributes: vectorstore.Attributes{"kind": "geology"}, Vector: embed(t, text)}
	must(t, s.Upsert(ctx, []vectorstore.Chunk{c}))
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Queries: []vectorstore.Query{{Text: "volcanic basalt lava"}}})
	if slices.Contains(fileIDs(hits), "f09") {
		t.Errorf("replaced text still found")
	}
	hits = search(t, s, vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Text: "tectonic plates", Vector: embed(t, "tectonic plates")}}})
	if len(hits) == 0 || hits[0].FileID != "f09" || hits[0].Filename != "f09-v2.txt" || hits[0].Attributes["kind"] != "geology" {
		t.Errorf("new text not found first: %+v", hits)
	}
}

func (r *runner) deleteFile(t *testing.T) {
	s := r.loaded(t)
	ctx := t.Context()
	must(t, s.DeleteFile(ctx, denseStore, "f11"))
	q := "register allocation compilers"
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(),
		Queries: []vectorstore.Query{{Text: q, Vector: embed(t, q)}}, Limit: vectorstore.MaxLimit})
	if slices.Contains(fileIDs(hits), "f11") {
		t.Error("deleted file still found")
	}
	if len(hits) != len(corpus)-1 {
		t.Errorf("%d hits after deleting a file, want the %d other chunks", len(hits), len(corpus)-1)
	}
	files, err := s.Files(ctx, denseStore)
	must(t, err)
	for _, f := range files {
		if f.ID == "f11" {
			t.Error("deleted file still listed")
		}
	}
	// The same file in the other store is untouched.
	hits = search(t, s, vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: q}}})
	if len(hits) == 0 || hits[0].FileID != "f11" {
		t.Errorf("file deleted from the wrong store: %v", fileIDs(hits))
	}
	// Re-adding works.
	must(t, s.Upsert(ctx, chunks(t, denseStore, true)))
	files, err = s.Files(ctx, denseStore)
	must(t, err)
	if len(files) != len(corpus) {
		t.Errorf("%d files after re-adding, want %d", len(files), len(corpus))
	}
}

func (r *runner) deleteStore(t *testing.T) {
	s := r.loaded(t)
	ctx := t.Context()
	must(t, s.DeleteStore(ctx, lexStore))
	_, err := s.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "common"}}})
	wantErr(t, "search of a deleted store", err, vectorstore.ErrNotFound)
	must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: lexStore, Embedder: "now-dense", Dims: 4}))
	files, err := s.Files(ctx, lexStore)
	must(t, err)
	if len(files) != 0 {
		t.Errorf("re-created store has %d files", len(files))
	}
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Queries: []vectorstore.Query{{Text: "common"}}, Limit: 50})
	if len(hits) != len(chunks(t, denseStore, false)) {
		t.Errorf("other store lost chunks: %d hits", len(hits))
	}
}

func (r *runner) setAttributes(t *testing.T) {
	s := r.loaded(t)
	ctx := t.Context()
	attrs := vectorstore.Attributes{"kind": "archived", "year": int64(1999), "public": true}
	must(t, s.SetAttributes(ctx, denseStore, "f11", attrs))
	f := vectorstore.Filter{Type: "eq", Key: "kind", Value: "archived"}
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{denseStore, lexStore}, Queries: []vectorstore.Query{{Text: "common"}}, Filter: &f, Limit: 50})
	got := map[string]int{}
	for _, h := range hits {
		got[h.StoreID+"/"+h.FileID]++
		want := vectorstore.Attributes{"kind": "archived", "year": 1999.0, "public": true}
		if diff := cmp.Diff(want, h.Attributes); diff != "" {
			t.Errorf("hit attributes (-want +got):\n%s", diff)
		}
	}
	if diff := cmp.Diff(map[string]int{"dense/f11": 3}, got); diff != "" {
		t.Errorf("files with the new attributes (-want +got):\n%s", diff)
	}
	// The old attributes no longer match.
	old := vectorstore.Filter{Type: "eq", Key: "kind", Value: "code"}
	hits = search(t, s, vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Queries: []vectorstore.Query{{Text: "common"}}, Filter: &old, Limit: 50})
	if diff := cmp.Diff([]string{"f02", "f03"}, sortedFileIDs(hits)); diff != "" {
		t.Errorf("old attributes (-want +got):\n%s", diff)
	}
	// Clearing.
	must(t, s.SetAttributes(ctx, denseStore, "f11", nil))
	files, err := s.Files(ctx, denseStore)
	must(t, err)
	for _, f := range files {
		if f.ID == "f11" && len(f.Attributes) != 0 {
			t.Errorf("cleared attributes: %v", f.Attributes)
		}
	}
	tooMany := vectorstore.Attributes{}
	for i := range 17 {
		tooMany[fmt.Sprint("k", i)] = i
	}
	wantErr(t, "17 attributes", s.SetAttributes(ctx, denseStore, "f11", tooMany), vectorstore.ErrInvalid)
}

func (r *runner) isolation(t *testing.T) {
	s := r.store(t)
	ctx := t.Context()
	for _, id := range []string{"a", "b"} {
		must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: id}))
		must(t, s.Upsert(ctx, []vectorstore.Chunk{{StoreID: id, FileID: "same", Filename: id + ".txt", Text: "shared words in store " + id}}))
	}
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{"a"}, Queries: []vectorstore.Query{{Text: "shared words"}}})
	if len(hits) != 1 || hits[0].StoreID != "a" || hits[0].Filename != "a.txt" {
		t.Errorf("store a: %+v", hits)
	}
	hits = search(t, s, vectorstore.SearchRequest{StoreIDs: []string{"a", "b"}, Queries: []vectorstore.Query{{Text: "shared words"}}})
	if len(hits) != 2 || hits[0].StoreID == hits[1].StoreID {
		t.Errorf("stores a and b: %+v", hits)
	}
	must(t, s.DeleteFile(ctx, "a", "same"))
	hits = search(t, s, vectorstore.SearchRequest{StoreIDs: []string{"a", "b"}, Queries: []vectorstore.Query{{Text: "shared words"}}})
	if len(hits) != 1 || hits[0].StoreID != "b" {
		t.Errorf("after deleting from a: %+v", hits)
	}
}

func (r *runner) limitAndThreshold(t *testing.T) {
	s := r.loaded(t)
	base := vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "common"}}}
	if n := len(search(t, s, base)); n != vectorstore.DefaultLimit {
		t.Errorf("default limit: %d hits, want %d", n, vectorstore.DefaultLimit)
	}
	req := base
	req.Limit = 3
	three := search(t, s, req)
	if len(three) != 3 {
		t.Errorf("limit 3: %d hits", len(three))
	}
	req.Limit = vectorstore.MaxLimit
	all := search(t, s, req)
	if len(all) != len(chunks(t, lexStore, false)) {
		t.Errorf("limit 50: %d hits, want all %d chunks", len(all), len(chunks(t, lexStore, false)))
	}
	if diff := cmp.Diff(all[:3], three); diff != "" {
		t.Errorf("limit 3 is not the top of limit 50 (-top +limit3):\n%s", diff)
	}
	th := all[4].Score
	req.ScoreThreshold = th
	above := search(t, s, req)
	for _, h := range all {
		if h.Score >= th && !slices.ContainsFunc(above, func(a vectorstore.Hit) bool { return a.ID == h.ID }) {
			t.Errorf("threshold %v dropped %s scoring %v", th, h.FileID, h.Score)
		}
	}
	req.ScoreThreshold = 1
	for _, h := range search(t, s, req) {
		if h.Score < 1 {
			t.Errorf("threshold 1 kept score %v", h.Score)
		}
	}
}

func (r *runner) multipleQueries(t *testing.T) {
	s := r.loaded(t)
	req := vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{
		{Text: "goroutines and threads"}, {Text: "Go scheduler"}, {Text: "pasta garlic"},
	}}
	hits := search(t, s, req)
	if len(hits) == 0 || hits[0].FileID != "f02" {
		t.Fatalf("hits %v, want f02 (first for two queries) first", fileIDs(hits))
	}
	if !slices.Contains(fileIDs(hits), "f01") {
		t.Errorf("third query's best hit missing: %v", fileIDs(hits))
	}
	// f02 is first for two queries of three: 2/3 of the best attainable.
	if want := 2.0 / 3; math.Abs(hits[0].Score-want) > 1e-6 {
		t.Errorf("f02 score %v, want %v", hits[0].Score, want)
	}
}

func (r *runner) persistence(t *testing.T) {
	if r.opts.Reopen == nil {
		t.Skip("backend does not persist (Options.Reopen is nil)")
	}
	s := r.newStore(t)
	ctx := t.Context()
	must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: lexStore}))
	must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: denseStore, Embedder: embedder.ID(), Dims: embedder.Dims()}))
	must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "empty"}))
	must(t, s.Upsert(ctx, chunks(t, lexStore, false)))
	must(t, s.Upsert(ctx, chunks(t, denseStore, true)))
	must(t, s.DeleteFile(ctx, denseStore, "f05"))
	must(t, s.SetAttributes(ctx, lexStore, "f07", vectorstore.Attributes{"kind": "changed", "n": 1}))
	must(t, s.Upsert(ctx, []vectorstore.Chunk{{StoreID: lexStore, FileID: "f09", Filename: "f09.txt", Text: "replaced volcano text"}}))
	q := "common wings compilers volcano"
	reqs := []vectorstore.SearchRequest{
		{StoreIDs: []string{lexStore, denseStore}, Embedder: embedder.ID(), Queries: []vectorstore.Query{{Text: q, Vector: embed(t, q)}}, Limit: 50},
		{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "common"}}, Filter: &vectorstore.Filter{Type: "eq", Key: "kind", Value: "changed"}},
	}
	var before [][]vectorstore.Hit
	for _, req := range reqs {
		before = append(before, search(t, s, req))
	}
	var filesBefore [][]vectorstore.File
	for _, id := range []string{lexStore, denseStore, "empty"} {
		f, err := s.Files(ctx, id)
		must(t, err)
		filesBefore = append(filesBefore, f)
	}
	s = r.opts.Reopen(t, s)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close after reopening: %v", err)
		}
	})
	for i, req := range reqs {
		if diff := cmp.Diff(before[i], search(t, s, req)); diff != "" {
			t.Errorf("search %d after reopening (-before +after):\n%s", i, diff)
		}
	}
	for i, id := range []string{lexStore, denseStore, "empty"} {
		f, err := s.Files(ctx, id)
		must(t, err)
		if diff := cmp.Diff(filesBefore[i], f); diff != "" {
			t.Errorf("files of %s after reopening (-before +after):\n%s", id, diff)
		}
	}
	wantErr(t, "embedder kept", s.EnsureStore(ctx, vectorstore.StoreSpec{ID: denseStore, Embedder: "other", Dims: 64}), vectorstore.ErrEmbedderMismatch)
	// It stays writable.
	must(t, s.Upsert(ctx, []vectorstore.Chunk{{StoreID: lexStore, FileID: "new", Text: "a brand new zeppelin"}}))
	hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{lexStore}, Queries: []vectorstore.Query{{Text: "zeppelin"}}})
	if len(hits) != 1 || hits[0].FileID != "new" {
		t.Errorf("write after reopening: %+v", hits)
	}
}

func (r *runner) concurrency(t *testing.T) {
	s := r.loaded(t)
	ctx := t.Context()
	const writers, readers, rounds = 4, 4, 20
	var wg sync.WaitGroup
	errs := make(chan error, (writers+readers)*rounds)
	for w := range writers {
		wg.Go(func() {
			for i := range rounds {
				id := fmt.Sprintf("w%d-%d", w, i%5)
				text := fmt.Sprintf("concurrent writer %d round %d common", w, i)
				c := vectorstore.Chunk{StoreID: denseStore, FileID: id, Text: text, Vector: embed(t, text),
					Attributes: vectorstore.Attributes{"writer": w}}
				if err := s.Upsert(ctx, []vectorstore.Chunk{c}); err != nil {
					errs <- err
				}
				if i%3 == 2 {
					if err := s.DeleteFile(ctx, denseStore, id); err != nil {
						errs <- err
					}
				}
				if i%4 == 1 && i%3 != 2 {
					if err := s.SetAttributes(ctx, denseStore, id, vectorstore.Attributes{"writer": w, "round": i}); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for i := range rounds {
				req := vectorstore.SearchRequest{StoreIDs: []string{denseStore}, Embedder: embedder.ID(),
					Queries: []vectorstore.Query{{Text: "concurrent common", Vector: embed(t, "concurrent writer")}}, Limit: 20}
				if i%2 == 0 {
					req.Filter = &vectorstore.Filter{Type: "gte", Key: "writer", Value: 2}
				}
				hits, err := s.Search(ctx, req)
				if err != nil {
					errs <- err
					continue
				}
				for _, h := range hits {
					if h.Score < 0 || h.Score > 1 || !req.Filter.Match(h.Attributes) {
						errs <- fmt.Errorf("bad hit under concurrency: %+v", h)
					}
				}
				if _, err := s.Files(ctx, denseStore); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Final state: each writer's files with their last write.
	files, err := s.Files(ctx, denseStore)
	must(t, err)
	n := 0
	for _, f := range files {
		if f.ID[0] == 'w' {
			n++
		}
	}
	// Rounds i%3 == 2 delete their file; ids i%5: the last write to each id
	// is rounds 15..19, of which 17 deletes.
	if want := writers * 4; n != want {
		t.Errorf("%d writer files remain, want %d", n, want)
	}
}

// relevanceAndDuplicates: Relevance says how much of a query a chunk holds,
// the same way for every query (a chunk holding every term of one query
// scores above one holding half of another's, whatever their ranks); the
// same text in two files is one hit listing the other, unless
// KeepDuplicates.
func (r *runner) relevanceAndDuplicates(t *testing.T) {
	s := r.store(t)
	ctx := t.Context()
	must(t, s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "rel"}))
	page := "Closing the nil channel causes a run-time panic, as does closing a closed channel."
	must(t, s.Upsert(ctx, []vectorstore.Chunk{
		{StoreID: "rel", FileID: "spec-md", Filename: "spec.md", Text: "## Close\n\n" + page},
		{StoreID: "rel", FileID: "spec-html", Filename: "spec.html", Text: "Close\n" + page},
		{StoreID: "rel", FileID: "other", Filename: "other.txt", Text: "Receiving from a nil map returns the zero value; sending panics."},
		{StoreID: "rel", FileID: "misc", Filename: "misc.txt", Text: "Ferries cross the channel to France every hour in summer."},
	}))
	top := func(q string, keep bool) vectorstore.Hit {
		t.Helper()
		hits := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{"rel"}, Queries: []vectorstore.Query{{Text: q}}, KeepDuplicates: keep})
		if len(hits) == 0 {
			t.Fatalf("%q: no hits", q)
		}
		return hits[0]
	}
	strong := top("close nil channel", false)
	if strong.Relevance < 0.8 {
		t.Errorf("a chunk holding every term of the query: relevance %v, want at least 0.8", strong.Relevance)
	}
	weak := top("channel ferries schedule winter", false)
	if weak.Relevance > 0.6 || weak.Relevance >= strong.Relevance {
		t.Errorf("a chunk holding half the query: relevance %v (the full match %v)", weak.Relevance, strong.Relevance)
	}
	if weak.Score != 1 || strong.Score != 1 {
		t.Errorf("both are ranked first (scores %v, %v): the score cannot tell them apart, relevance must", strong.Score, weak.Score)
	}
	folded := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{"rel"}, Queries: []vectorstore.Query{{Text: "close nil channel"}}})
	if len(folded) == 0 || len(folded[0].Duplicates) != 1 {
		t.Fatalf("the same text in two files: %d hits, first folds %v", len(folded), folded[0].Duplicates)
	}
	ids := []string{folded[0].FileID, folded[0].Duplicates[0].FileID}
	sort.Strings(ids)
	if diff := cmp.Diff([]string{"spec-html", "spec-md"}, ids); diff != "" {
		t.Errorf("folded files (-want +got):\n%s", diff)
	}
	for _, h := range folded[1:] {
		if strings.HasPrefix(h.FileID, "spec-") {
			t.Errorf("duplicate %s listed too", h.FileID)
		}
	}
	kept := search(t, s, vectorstore.SearchRequest{StoreIDs: []string{"rel"}, Queries: []vectorstore.Query{{Text: "close nil channel"}}, KeepDuplicates: true})
	n := 0
	for _, h := range kept {
		if strings.HasPrefix(h.FileID, "spec-") {
			n++
		}
		if len(h.Duplicates) > 0 {
			t.Errorf("KeepDuplicates folded %v into %s", h.Duplicates, h.FileID)
		}
	}
	if n != 2 {
		t.Errorf("KeepDuplicates: %d of the two copies", n)
	}
}
