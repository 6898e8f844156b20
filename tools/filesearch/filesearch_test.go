package filesearch_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// docs is a small corpus: file ID -> filename, text, attributes.
var docs = []struct {
	id, name, text string
	attrs          vectorstore.Attributes
}{
	{"file-refunds", "policies/refunds.md", "Refunds. Customers may return any item within 30 days of delivery for a full refund. The refund is paid to the original payment method within 5 business days.", vectorstore.Attributes{"team": "support", "year": 2024}},
	{"file-shipping", "policies/shipping.md", "Shipping. Orders ship within 2 business days. Express delivery takes one day and costs 9 euros.", vectorstore.Attributes{"team": "logistics", "year": 2023}},
	{"file-keys", "security/api-keys.md", "API keys. Rotate API keys every 90 days from the dashboard. A revoked key stops working at once.", vectorstore.Attributes{"team": "security", "year": 2025}},
}

// newStore returns an in-memory store "docs" holding docs, one chunk each,
// with vectors from emb when it is not nil.
func newStore(t testing.TB, emb vectorstore.Embedder) *vectorstore.Memory {
	t.Helper()
	ctx := context.Background()
	st := vectorstore.NewMemory(nil)
	t.Cleanup(func() { st.Close() })
	spec := vectorstore.StoreSpec{ID: "docs"}
	if emb != nil {
		spec.Embedder, spec.Dims = emb.ID(), emb.Dims()
	}
	if err := st.EnsureStore(ctx, spec); err != nil {
		t.Fatal(err)
	}
	var chunks []vectorstore.Chunk
	for _, d := range docs {
		c := vectorstore.Chunk{StoreID: "docs", FileID: d.id, Filename: d.name, Text: d.text, Attributes: d.attrs}
		if emb != nil {
			v, err := emb.Embed(ctx, []string{d.text})
			if err != nil {
				t.Fatal(err)
			}
			c.Vector = v[0]
		}
		chunks = append(chunks, c)
	}
	if err := st.Upsert(ctx, chunks); err != nil {
		t.Fatal(err)
	}
	return st
}

func newTool(t testing.TB, st vectorstore.Store, opts *filesearch.Options) *filesearch.Tool {
	t.Helper()
	fs, err := filesearch.New(st, []string{"docs"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestDefinitionGolden(t *testing.T) {
	fs := newTool(t, newStore(t, nil), nil)
	got, err := json.MarshalIndent(fs.Definition(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "definition.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./tools/filesearch -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("definition mismatch (-want +got), run go test ./tools/filesearch -update if intended:\n%s", diff)
	}
	def := fs.Definition()
	if def.Type != responses.ToolFunction || def.Name != "file_search" || def.Strict == nil || !*def.Strict {
		t.Errorf("definition = %+v, want a strict function tool named file_search", def)
	}
}

func TestCallWithItems(t *testing.T) {
	fs := newTool(t, newStore(t, nil), nil)
	out, items, err := fs.CallWithItems(context.Background(), `{"queries":["refund days","how long does a refund take"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("got %d items, want 1", len(items))
	}
	it := items[0]
	if !strings.HasPrefix(it.ID, "fs_") || len(it.ID) != 27 {
		t.Errorf("id = %q, want fs_ and 24 hex digits", it.ID)
	}
	want := responses.Item{Type: responses.ItemFileSearchCall, Status: responses.StatusCompleted,
		Queries: []string{"refund days", "how long does a refund take"}}
	if diff := cmp.Diff(want, it, cmpopts.IgnoreUnexported(responses.Item{}), cmpopts.IgnoreFields(responses.Item{}, "ID", "Results")); diff != "" {
		t.Errorf("item (-want +got):\n%s", diff)
	}
	if len(it.Results) == 0 || it.Results[0].FileID != "file-refunds" {
		t.Fatalf("results = %+v, want file-refunds first", it.Results)
	}
	r := it.Results[0]
	wantFirst := responses.FileSearchResult{FileID: "file-refunds", Filename: "policies/refunds.md", Score: r.Score,
		Text: docs[0].text, Attributes: map[string]any{"team": "support", "year": 2024.0}}
	if diff := cmp.Diff(wantFirst, r); diff != "" {
		t.Errorf("first result (-want +got):\n%s", diff)
	}
	// Scores are relevances: the first result holds every term of a query.
	if r.Score < 0.9 || r.Score > 1 {
		t.Errorf("score %v, want the relevance of a full match (0.9..1]", r.Score)
	}
	for _, res := range it.Results[1:] {
		if res.Score < 0 || res.Score > 1 {
			t.Errorf("score %v out of [0, 1]", res.Score)
		}
	}
	if out.Text != filesearch.Format(it.Queries, it.Results) {
		t.Errorf("output is not Format(queries, results):\n%s", out.Text)
	}
	for _, s := range []string{`for "refund days", "how long does a refund take"`, "[1] filename=\"policies/refunds.md\" file_id=file-refunds score=", "Customers may return any item", "like [1]"} {
		if !strings.Contains(out.Text, s) {
			t.Errorf("output lacks %q:\n%s", s, out.Text)
		}
	}
	// Call is CallWithItems without the item.
	out2, err := fs.Call(context.Background(), `{"queries":["refund days","how long does a refund take"]}`)
	if err != nil || out2.Text != out.Text {
		t.Errorf("Call = %q, %v; want the same output", out2.Text, err)
	}
	// The item encodes as the hosted tool's, with results.
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["type"] != "file_search_call" || back["status"] != "completed" || back["results"] == nil {
		t.Errorf("encoded item = %s", b)
	}
}

func TestFormat(t *testing.T) {
	got := filesearch.Format([]string{"refunds"}, []responses.FileSearchResult{
		{FileID: "file-1", Filename: "a.md", Score: 1, Text: " Alpha text.\n"},
		{FileID: "file-2", Filename: "b \"x\".md", Score: 0.5, Text: "Beta.", Attributes: map[string]any{"k": "v"}},
	})
	want := `2 results for "refunds", best first. Cite the results you use by their number in square brackets right after the statement they support, like [1] or [2][3]; do not cite results you did not use.

[1] filename="a.md" file_id=file-1 score=1.000
Alpha text.

[2] filename="b \"x\".md" file_id=file-2 score=0.500 attributes={"k":"v"}
Beta.
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Format (-want +got):\n%s", diff)
	}
	none := filesearch.Format([]string{"a", "b"}, nil)
	if !strings.HasPrefix(none, `No results for "a", "b".`) {
		t.Errorf("Format without results = %q", none)
	}
}

func TestNoResults(t *testing.T) {
	fs := newTool(t, newStore(t, nil), nil)
	out, items, err := fs.CallWithItems(context.Background(), `{"queries":["zeppelin"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Text, "No results") {
		t.Errorf("output = %q", out.Text)
	}
	if len(items) != 1 || items[0].Results == nil || len(items[0].Results) != 0 || items[0].Status != responses.StatusCompleted {
		t.Errorf("items = %+v, want one completed call with empty (not null) results", items)
	}
}

func TestBadArguments(t *testing.T) {
	fs := newTool(t, newStore(t, nil), nil)
	for _, tc := range []struct{ name, args, want string }{
		{"empty", ``, "arguments are empty"},
		{"not JSON", `{"queries":`, "not valid JSON"},
		{"no queries", `{}`, "queries"},
		{"zero queries", `{"queries":[]}`, "queries"},
		{"six queries", `{"queries":["a","b","c","d","e","f"]}`, "queries"},
		{"not strings", `{"queries":[1]}`, "queries[0]"},
		{"unknown field", `{"queries":["a"],"max_num_results":3}`, "max_num_results"},
		{"blank queries", `{"queries":["  ",""]}`, "every query is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, items, err := fs.CallWithItems(context.Background(), tc.args)
			var ae *tools.ArgumentError
			if !errors.As(err, &ae) || ae.Tool != "file_search" {
				t.Fatalf("err = %v, want a *tools.ArgumentError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
			if items != nil {
				t.Errorf("items = %v, want none", items)
			}
		})
	}
}

func TestQueriesDeduplicated(t *testing.T) {
	fs := newTool(t, newStore(t, nil), nil)
	_, items, err := fs.CallWithItems(context.Background(), `{"queries":[" refund ","refund","shipping"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"refund", "shipping"}, items[0].Queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestOptions(t *testing.T) {
	st := newStore(t, nil)
	ids := func(items []responses.Item) []string {
		var out []string
		for _, r := range items[0].Results {
			out = append(out, r.FileID)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		opts    *filesearch.Options
		queries string
		want    []string
	}{
		{"defaults", nil, `["refund","shipping","api keys"]`, []string{"file-keys", "file-refunds", "file-shipping"}},
		{"limit", &filesearch.Options{MaxNumResults: 1}, `["refund"]`, []string{"file-refunds"}},
		{"filter", &filesearch.Options{Filter: &vectorstore.Filter{Type: "gte", Key: "year", Value: 2024}}, `["refund","shipping","api keys"]`, []string{"file-keys", "file-refunds"}},
		{"threshold", &filesearch.Options{ScoreThreshold: 0.9}, `["refund days","refund"]`, []string{"file-refunds"}},
		{"lexical weight off", &filesearch.Options{EmbeddingWeight: 1}, `["refund"]`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newTool(t, st, tc.opts)
			_, items, err := fs.CallWithItems(context.Background(), `{"queries":`+tc.queries+`}`)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(items)
			if tc.name == "defaults" || tc.name == "filter" {
				// Order depends on fusion ties; compare as sets.
				got = sorted(got)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("file IDs (-want +got):\n%s", diff)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestNewErrors(t *testing.T) {
	st := newStore(t, nil)
	for _, tc := range []struct {
		name  string
		store vectorstore.Store
		ids   []string
		opts  *filesearch.Options
		want  string
	}{
		{"nil store", nil, []string{"docs"}, nil, "nil store"},
		{"no ids", st, nil, nil, "no store IDs"},
		{"empty id", st, []string{""}, nil, "empty"},
		{"limit high", st, []string{"docs"}, &filesearch.Options{MaxNumResults: 51}, "MaxNumResults"},
		{"limit negative", st, []string{"docs"}, &filesearch.Options{MaxNumResults: -1}, "MaxNumResults"},
		{"threshold", st, []string{"docs"}, &filesearch.Options{ScoreThreshold: 1.5}, "ScoreThreshold"},
		{"weights", st, []string{"docs"}, &filesearch.Options{TextWeight: -1}, "weights"},
		{"filter", st, []string{"docs"}, &filesearch.Options{Filter: &vectorstore.Filter{Type: "eq"}}, "filter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := filesearch.New(tc.store, tc.ids, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "filesearch: ") {
				t.Errorf("err = %v, want a filesearch error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestEmbedder(t *testing.T) {
	emb := vectorstore.NewHashEmbedder(64)
	st := newStore(t, emb)
	fs := newTool(t, st, &filesearch.Options{Embedder: emb})
	_, items, err := fs.CallWithItems(context.Background(), `{"queries":["rotate api keys"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if r := items[0].Results; len(r) == 0 || r[0].FileID != "file-keys" {
		t.Errorf("results = %+v, want file-keys first", r)
	}
	hits, err := fs.Search(context.Background(), []string{"rotate api keys"})
	if err != nil || len(hits) == 0 || hits[0].DenseRank != 1 || hits[0].LexicalRank != 1 {
		t.Errorf("hits = %+v, %v; want file-keys first in both legs", hits, err)
	}

	// Another embedder than the store's: the store refuses, the run ends.
	other := newTool(t, st, &filesearch.Options{Embedder: vectorstore.NewHashEmbedder(32)})
	_, items, err = other.CallWithItems(context.Background(), `{"queries":["rotate api keys"]}`)
	if !errors.Is(err, vectorstore.ErrEmbedderMismatch) || !errors.Is(err, tools.ErrAbort) {
		t.Errorf("err = %v, want ErrEmbedderMismatch and tools.ErrAbort", err)
	}
	if len(items) != 1 || items[0].Status != responses.StatusFailed {
		t.Errorf("items = %+v, want one failed file_search_call", items)
	}
}

// failingEmbedder fails every call.
type failingEmbedder struct{}

func (failingEmbedder) ID() string { return "hash:v1:64" }
func (failingEmbedder) Dims() int  { return 64 }
func (failingEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("embeddings endpoint: 503")
}

func TestSearchErrors(t *testing.T) {
	st := newStore(t, vectorstore.NewHashEmbedder(64))
	// A failing embedder is the model's to see: it may try again.
	fs := newTool(t, st, &filesearch.Options{Embedder: failingEmbedder{}})
	_, items, err := fs.CallWithItems(context.Background(), `{"queries":["keys"]}`)
	if err == nil || errors.Is(err, tools.ErrAbort) || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want the embedder's error, not an abort", err)
	}
	if len(items) != 1 || items[0].Status != responses.StatusFailed || items[0].Results != nil {
		t.Errorf("items = %+v, want one failed call without results", items)
	}

	// A missing store ends the run.
	missing, err := filesearch.New(st, []string{"nope"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = missing.CallWithItems(context.Background(), `{"queries":["keys"]}`)
	if !errors.Is(err, vectorstore.ErrNotFound) || !errors.Is(err, tools.ErrAbort) {
		t.Errorf("err = %v, want ErrNotFound and tools.ErrAbort", err)
	}

	// A cancelled context is an error, not a crash.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := newTool(t, st, nil).CallWithItems(ctx, `{"queries":["keys"]}`); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestIngestedFolder(t *testing.T) {
	dir := t.TempDir()
	for _, d := range docs {
		p := filepath.Join(dir, filepath.FromSlash(d.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(d.text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	st := vectorstore.NewMemory(nil)
	defer st.Close()
	if _, err := vectorstore.Ingest(ctx, st, "docs", []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	fs := newTool(t, st, &filesearch.Options{MaxNumResults: 2})
	_, items, err := fs.CallWithItems(ctx, `{"queries":["express delivery cost"]}`)
	if err != nil {
		t.Fatal(err)
	}
	r := items[0].Results
	if len(r) == 0 || !strings.HasSuffix(r[0].Filename, "policies/shipping.md") || r[0].FileID != vectorstore.FileID(filepath.Join(dir, "policies", "shipping.md")) {
		t.Errorf("results = %+v, want shipping.md first", r)
	}
}

// TestScoresAreRelevance: the score the model reads is the hit's relevance,
// so a weak match scores low even when it ranks first, ScoreThreshold drops
// it, and a copy of a result in another file is folded away.
func TestScoresAreRelevance(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, nil)
	copyOf := vectorstore.Chunk{StoreID: "docs", FileID: "file-refunds-html", Filename: "policies/refunds.html", Text: docs[0].text}
	if err := st.Upsert(ctx, []vectorstore.Chunk{copyOf}); err != nil {
		t.Fatal(err)
	}
	fs := newTool(t, st, nil)
	_, items, err := fs.CallWithItems(ctx, `{"queries":["refund within 30 days"]}`)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, r := range items[0].Results {
		files = append(files, r.FileID)
	}
	if len(files) == 0 || files[0] != "file-refunds" || slices.Contains(files, "file-refunds-html") || items[0].Results[0].Score < 0.9 {
		t.Errorf("results %v (first scores %v), want a full match first, its copy folded", files, items[0].Results[0].Score)
	}
	_, items, err = fs.CallWithItems(ctx, `{"queries":["express delivery to mars by rocket"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if r := items[0].Results; len(r) == 0 || r[0].Score > 0.5 {
		t.Errorf("a weak first match: %+v, want a score under 0.5", r)
	}
	strict := newTool(t, st, &filesearch.Options{ScoreThreshold: 0.5})
	_, items, err = strict.CallWithItems(ctx, `{"queries":["express delivery to mars by rocket"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(items[0].Results) != 0 {
		t.Errorf("threshold 0.5 kept %+v", items[0].Results)
	}
}
