package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
	"github.com/google/go-cmp/cmp"
)

// writeDocs writes a small folder of documents and returns its path.
func writeDocs(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var goodDocs = map[string]string{
	"refunds.md":       "# Refunds\n\nCustomers may return any item within 30 days of delivery for a full refund.",
	"shipping.txt":     "Orders ship within 2 business days. Express delivery takes one day.",
	"sub/api-keys.md":  "Rotate API keys every 90 days from the dashboard.",
	".hidden/notes.md": "hidden files are skipped",
}

func TestIngestAndSearch(t *testing.T) {
	files := map[string]string{"logo.png": "\x89PNG\x00\x00", "bad.json": "{not json"}
	for k, v := range goodDocs {
		files[k] = v
	}
	dir := writeDocs(t, files)
	store := filepath.Join(t.TempDir(), "state", "store.vs")
	env := map[string]string{"AGENTLOOP_STORE": store}

	r := runCLI(t, env, "ingest", "--chunk-size", "200", dir)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (one file failed)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// Progress (a line per file, stderr not being a terminal) goes to
	// stderr, the summary to stdout.
	for _, want := range []string{
		"  ✓ " + filepath.ToSlash(filepath.Join(dir, "refunds.md")) + "  1 chunk\n",
		"  ✓ " + filepath.ToSlash(filepath.Join(dir, "sub", "api-keys.md")),
		"  - " + filepath.ToSlash(filepath.Join(dir, "logo.png")) + "  skipped: unsupported file type \".png\"",
		"  ✗ " + filepath.ToSlash(filepath.Join(dir, "bad.json")) + "  invalid_file: invalid JSON",
		"agentloop ingest: 1 of 5 files failed (listed above); the others were stored\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("ingest stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if want := `5 files into the store "docs" in ` + store + ": 3 new or changed, 0 unchanged, 1 skipped (unsupported: 1 .png), 1 failed; 3 chunks, "; !strings.HasPrefix(r.stdout, want) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("ingest stdout %q, want the one summary line %q…", r.stdout, want)
	}
	if strings.Contains(r.stderr, "notes.md") {
		t.Errorf("a hidden file was ingested:\n%s", r.stderr)
	}
	if !strings.HasSuffix(r.stderr, "agentloop ingest: 1 of 5 files failed (listed above); the others were stored\n") {
		t.Errorf("stderr does not end with the error:\n%s", r.stderr)
	}

	// Again: nothing changed.
	r = runCLI(t, env, "ingest", "--chunk-size", "200", dir)
	if !strings.Contains(r.stderr, "= "+filepath.ToSlash(filepath.Join(dir, "refunds.md"))+"  unchanged (1 chunk)") ||
		!strings.Contains(r.stdout, "0 new or changed, 3 unchanged") {
		t.Errorf("re-ingest output:\n%s", r.stdout)
	}

	// --prune deletes what is gone.
	if err := os.Remove(filepath.Join(dir, "shipping.txt")); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, "ingest", "--chunk-size", "200", dir)
	if strings.Contains(r.stdout+r.stderr, "deleted") {
		t.Errorf("ingest without --prune deleted a file:\n%s%s", r.stdout, r.stderr)
	}
	r = runCLI(t, env, "ingest", "--chunk-size", "200", "--prune", dir)
	if want := "  ✗ " + filepath.ToSlash(filepath.Join(dir, "shipping.txt")) + "  deleted from the store (not found)\n"; !strings.Contains(r.stderr, want) || !strings.Contains(r.stdout, ", 1 deleted (gone from disk);") {
		t.Errorf("ingest --prune output lacks %q:\n%s%s", want, r.stdout, r.stderr)
	}
	if r = runCLI(t, env, "search", "express delivery"); strings.Contains(r.stdout, "shipping.txt") {
		t.Errorf("a pruned file is still found:\n%s", r.stdout)
	}

	r = runCLI(t, env, "search", "how long to return an item for a refund")
	if r.code != 0 {
		t.Fatalf("search: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "1. "+filepath.ToSlash(filepath.Join(dir, "refunds.md"))+"  relevance 0.") ||
		!strings.Contains(lines[0], "  chunk 0  file-") ||
		lines[1] != "   # **Refunds** Customers may **return** any **item** within 30 days of delivery for a full **refund**." {
		t.Errorf("search output:\n%s", r.stdout)
	}

	r = runCLI(t, env, "search", "--k", "1", "--json", "rotate keys")
	var hit vectorstore.Hit
	var jhit struct {
		Passage vectorstore.Passage `json:"passage"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &hit); err != nil || r.code != 0 {
		t.Fatalf("search --json: exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	if err := json.Unmarshal([]byte(r.stdout), &jhit); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(hit.Filename, "sub/api-keys.md") || hit.Score != 1 || hit.Relevance != 1 || hit.StoreID != "docs" {
		t.Errorf("hit = %+v", hit)
	}
	if p := jhit.Passage; p.Text != "Rotate API keys every 90 days from the dashboard." || len(p.Marks) != 2 || p.Text[p.Marks[0][0]:p.Marks[0][1]] != "Rotate" {
		t.Errorf("passage = %+v", p)
	}

	r = runCLI(t, env, "search", "zeppelin")
	if r.code != 0 || !strings.Contains(r.stdout, `no chunk of the store "docs"`) {
		t.Errorf("search without hits: exit %d %q", r.code, r.stdout)
	}
}

func TestIngestAllGood(t *testing.T) {
	dir := writeDocs(t, goodDocs)
	store := filepath.Join(t.TempDir(), "s.vs")
	r := runCLI(t, nil, "ingest", "--store", store, "--store-id", "kb", dir)
	if r.code != 0 || strings.Count(r.stderr, "  ✓ ") != 3 || !strings.Contains(r.stdout, `3 files into the store "kb"`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(store); err != nil {
		t.Fatalf("no store file: %v", err)
	}
	// The store ID must match.
	r = runCLI(t, nil, "search", "--store", store, "refund")
	if r.code != 1 || r.stderr != "agentloop search: no store \"docs\" in "+store+": run `agentloop ingest --store-id docs DIR` first\n" {
		t.Errorf("wrong store ID: exit %d %q", r.code, r.stderr)
	}
	r = runCLI(t, nil, "search", "--store", store, "--store-id", "kb", "refund")
	if r.code != 0 || !strings.Contains(r.stdout, "refunds.md") {
		t.Errorf("search: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestStoreErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.vs")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"search", "--store", missing, "x"}, 1, "agentloop search: no file-search store at " + missing + ": run `agentloop ingest DIR` first (or pass --store PATH)\n"},
		{[]string{"search", "--store", missing}, 2, "agentloop search: a QUERY is required"},
		{[]string{"search", "--store", missing, "--k", "0", "x"}, 2, "--k 0 out of range"},
		{[]string{"ingest", "--store", missing}, 2, "agentloop ingest: a DIR (or files) to ingest is required"},
		{[]string{"ingest", "--store", missing, "/nonexistent/dir"}, 2, "/nonexistent/dir: no such file or directory"},
		{[]string{"ingest", "--store", missing, "--chunk-size", "50", "."}, 2, "chunk size 50 tokens out of range"},
		{[]string{"ingest", "--store", missing, "--qdrant", "ftp://x", "."}, 2, "--qdrant"},
		{[]string{"ingest", "--store", missing, "--embed-model", "my-model", "."}, 2, "--embed-model"},
	} {
		r := runCLI(t, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a failed command created the store")
	}
}

// embeddingsServer answers /v1/embeddings with hashing embeddings of 64
// dimensions and counts the inputs.
func embeddingsServer(t *testing.T) *httptest.Server {
	emb := vectorstore.NewHashEmbedder(64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if r.URL.Path != "/v1/embeddings" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		vecs, _ := emb.Embed(r.Context(), req.Input)
		type datum struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var out struct {
			Data []datum `json:"data"`
		}
		for i, v := range vecs {
			out.Data = append(out.Data, datum{i, v})
		}
		if err := json.NewEncoder(w).Encode(out); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestEmbedModel(t *testing.T) {
	srv := embeddingsServer(t)
	dir := writeDocs(t, goodDocs)
	env := map[string]string{"AGENTLOOP_STORE": filepath.Join(t.TempDir(), "s.vs"),
		"OPENAI_BASE_URL": srv.URL + "/v1", "OPENAI_API_KEY": "test"}
	r := runCLI(t, env, "ingest", "--embed-model", "tiny", "--embed-dims", "64", dir)
	if r.code != 0 {
		t.Fatalf("ingest: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "search", "--embed-model", "tiny", "--embed-dims", "64", "rotate api keys")
	if r.code != 0 || !strings.Contains(strings.SplitN(r.stdout, "\n", 2)[0], "api-keys.md") || r.stderr != "" {
		t.Errorf("hybrid search: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Without the model: lexical, with a note.
	r = runCLI(t, env, "search", "rotate api keys")
	if r.code != 0 || !strings.Contains(r.stderr, "holds embeddings") || !strings.Contains(r.stdout, "api-keys.md") {
		t.Errorf("lexical search of a hybrid store: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Another model: refused.
	r = runCLI(t, env, "search", "--embed-model", "other", "--embed-dims", "64", "keys")
	if r.code != 1 || !strings.Contains(r.stderr, "embedder mismatch") {
		t.Errorf("search with another embedder: exit %d %q", r.code, r.stderr)
	}
	r = runCLI(t, env, "ingest", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "was built with another embedder") {
		t.Errorf("ingest without the embedder: exit %d %q", r.code, r.stderr)
	}
}

func TestRunFileSearch(t *testing.T) {
	dir := writeDocs(t, goodDocs)
	store := filepath.Join(t.TempDir(), "s.vs")
	if r := runCLI(t, nil, "ingest", "--store", store, dir); r.code != 0 {
		t.Fatalf("ingest: exit %d %s", r.code, r.stderr)
	}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_1", "file_search", `{"queries":["refund period","return an item"]}`)),
		responsestest.Reply(responsestest.Message("You have 30 days [1].")),
	)
	env := map[string]string{"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": srv.URL(), "AGENTLOOP_STORE": store}
	r := runCLI(t, env, "run", "--tools", "file_search", "How long can I return things?")
	if r.code != 0 {
		t.Fatalf("run: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "You have 30 days [1].") || !strings.Contains(r.stderr, "✓ file_search") ||
		!strings.Contains(r.stderr, "file_search_call: 1 result for") {
		t.Errorf("run output:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	out := srv.Requests()[1].Request.Input.Items
	if got := out[len(out)-1].Output.String(); !strings.Contains(got, "[1] filename=\""+filepath.ToSlash(filepath.Join(dir, "refunds.md"))) {
		t.Errorf("the model read:\n%s", got)
	}

	// Without a store: one line saying what to do.
	env["AGENTLOOP_STORE"] = filepath.Join(t.TempDir(), "none.vs")
	r = runCLI(t, env, "run", "--tools", "file_search", "x")
	if r.code != 1 || !strings.Contains(r.stderr, "run `agentloop ingest DIR` first") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("run without a store: exit %d %q", r.code, r.stderr)
	}
}

func TestDemoDocsQA(t *testing.T) {
	for _, args := range [][]string{{"demo", "--only", "docs-qa"}, {"demo", "--only", "docs-qa", "--no-stream"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			"━━ docs-qa", `✓ file_search {"queries":["How long do I have to return an item`,
			"↳ file_search_call: 2 results",
			"According to the files: You can return any item within 30 days of delivery for a full refund [1].",
			"2 queries, 2 results (in the run's result only, never sent upstream)",
			"citation: refunds.md (file-",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, r.stdout)
			}
		}
	}
}

// TestQdrantStore runs ingest and search against the Qdrant server at
// QDRANT_URL; it is skipped without one.
func TestQdrantStore(t *testing.T) {
	addr := os.Getenv("QDRANT_URL")
	if addr == "" {
		t.Skip("needs QDRANT_URL, which is not set: no Qdrant server to test --qdrant against")
	}
	id := "cli-test-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + filepath.Base(t.TempDir())
	t.Cleanup(func() {
		st, err := qdrant.New(addr, &qdrant.Options{APIKey: os.Getenv("QDRANT_API_KEY")})
		if err == nil {
			_ = st.DeleteStore(context.Background(), id)
			_ = st.Close()
		}
	})
	env := map[string]string{"QDRANT_API_KEY": os.Getenv("QDRANT_API_KEY")}
	dir := writeDocs(t, goodDocs)
	if r := runCLI(t, env, "ingest", "--qdrant", addr, "--store-id", id, dir); r.code != 0 {
		t.Fatalf("ingest: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runCLI(t, env, "search", "--qdrant", addr, "--store-id", id, "rotate api keys")
	if r.code != 0 || !strings.Contains(strings.SplitN(r.stdout, "\n", 2)[0], "api-keys.md") {
		t.Errorf("search: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ in, name, text string }{
		{"docs/notes.md", "docs/notes.md", "docs/notes.md"},
		{"rapport d'été 日本.md", "rapport d'été 日本.md", "rapport d'été 日本.md"},
		{"\x1b[31mred.md", `"\x1b[31mred.md"`, `\x1b[31mred.md`},
		{"two\nlines.md", `"two\nlines.md"`, `two\nlines.md`},
		{"tab\there", `"tab\there"`, `tab\there`},
		{"csi\u009b2J", `"csi\u009b2J"`, `csi\u009b2J`},
		{"evil\u202etxt.md", `"evil\u202etxt.md"`, `evil\u202etxt.md`},
		{"latin1 caf\xe9", `"latin1 caf\xe9"`, `latin1 caf\xe9`},
		{`"quoted".md`, `"\"quoted\".md"`, `"quoted".md`},
		{"", `""`, ""},
	}
	for _, tt := range tests {
		got := []string{fileName(tt.in), printable(tt.in)}
		if diff := cmp.Diff([]string{tt.name, tt.text}, got); diff != "" {
			t.Errorf("%q: fileName, printable (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestIngestSearchEscapes: names and text holding escape codes or line
// breaks reach the terminal escaped; normal names as they are.
func TestIngestSearchEscapes(t *testing.T) {
	dir := writeDocs(t, map[string]string{
		"\x1b[2Jclear.md": "The wombat digs burrows.",
		"two\nlines.txt":  "The wombat sleeps \x1b]0;owned\x07 all day.",
		"plain.md":        "Nothing about that animal.",
		"bad\x1b.json":    "{not json",
	})
	store := filepath.Join(t.TempDir(), "s.vs")
	r := runCLI(t, nil, "ingest", "--store", store, dir)
	d := filepath.ToSlash(dir)
	for _, want := range []string{
		"  ✓ " + strconv.Quote(d+"/\x1b[2Jclear.md") + "  1 chunk\n",
		"  ✓ " + strconv.Quote(d+"/two\nlines.txt") + "  1 chunk\n",
		"  ✓ " + d + "/plain.md  1 chunk\n",
		"  ✗ " + strconv.Quote(d+"/bad\x1b.json") + "  invalid_file: invalid JSON",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("ingest output lacks %q:\n%s", want, r.stderr)
		}
	}
	r2 := runCLI(t, nil, "search", "--store", store, "wombat")
	for _, out := range []string{r.stdout, r.stderr, r2.stdout} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("raw escape codes printed:\n%q", out)
		}
	}
	if r2.code != 0 || !strings.Contains(r2.stdout, strconv.Quote(d+"/two\nlines.txt")+"  relevance") ||
		!strings.Contains(r2.stdout, `The **wombat** sleeps \x1b]0;owned\a all day.`) {
		t.Errorf("search: exit %d\n%s", r2.code, r2.stdout)
	}
}

// TestIngestZipBomb: a .pptx inflating 1000:1 fails alone, saying so.
func TestIngestZipBomb(t *testing.T) {
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, err := zw.Create("ppt/slides/slide1.xml")
	if err == nil {
		_, err = w.Write([]byte("<p:sld><a:p><a:t>" + strings.Repeat("A", 4<<20) + "</a:t></a:p></p:sld>"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	dir := writeDocs(t, map[string]string{"bomb.pptx": bomb.String(), "notes.md": "Notes."})
	r := runCLI(t, nil, "ingest", "--store", filepath.Join(t.TempDir(), "s.vs"), dir)
	d := filepath.ToSlash(dir)
	for _, want := range []string{
		"  ✗ " + d + "/bomb.pptx  invalid_file: file too large: ppt/slides/slide1.xml is compressed ",
		"  ✓ " + d + "/notes.md  1 chunk\n",
		"1 new or changed, 0 unchanged, 0 skipped, 1 failed",
	} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("ingest output lacks %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"32MiB": 32 << 20, "100MB": 100e6, "1.5GiB": 3 << 29, "4096": 4096, "512k": 512 << 10, "2 GB": 2e9,
		"0": -1, "none": -1, "Unlimited": -1, "x": 0, "-5MB": 0, "12XB": 0,
	} {
		got, err := parseSize(in)
		if want == 0 {
			if err == nil {
				t.Errorf("parseSize(%q) = %d, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// TestIngestProgressBar: on a terminal, progress is a bar redrawn in place
// with only the failures printed (above it), and it is erased at the end.
func TestIngestProgressBar(t *testing.T) {
	var b bytes.Buffer
	pr := newIngestProgress(&b, true)
	pr.update(vectorstore.IngestProgress{Files: 3, Bytes: 3 << 20})
	pr.update(vectorstore.IngestProgress{Files: 3, FilesDone: 1, Bytes: 3 << 20, BytesDone: 1 << 20,
		File: &vectorstore.FileStatus{Filename: "a.md", Status: vectorstore.StatusCompleted, Chunks: 2}})
	pr.last = time.Time{} // the bar is redrawn at most every 100 ms
	pr.update(vectorstore.IngestProgress{Files: 3, FilesDone: 2, Bytes: 3 << 20, BytesDone: 2 << 20,
		File: &vectorstore.FileStatus{Filename: "locked", Dir: true, Status: vectorstore.StatusFailed, Code: vectorstore.CodeInvalidFile,
			Err: errors.New("cannot read the folder: open locked: permission denied")}})
	pr.done()
	want := "\r\x1b[K[------------------------] 0/3 files, 0 B of 3.0 MB, 0s" +
		"\r\x1b[K  ✗ locked/  folder not read: cannot read the folder: open locked: permission denied\n" +
		"\r\x1b[K[################--------] 2/3 files, 2.0 MB of 3.0 MB, 0s" +
		"\r\x1b[K"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("terminal progress (-want +got):\n%s", diff)
	}
}

func TestSameText(t *testing.T) {
	h := vectorstore.Hit{Chunk: vectorstore.Chunk{StoreID: "s", FileID: "a", Filename: "a.md"}, Duplicates: []vectorstore.Duplicate{
		{StoreID: "s", FileID: "b", Filename: "b.html", Ordinal: 3},
		{StoreID: "s", FileID: "a", Filename: "a.md", Ordinal: 10},
		{StoreID: "s", FileID: "c", Filename: "all.html", Ordinal: 899},
		{StoreID: "s", FileID: "c", Filename: "all.html", Ordinal: 900},
	}}
	if got, want := sameText(h), "b.html (chunk 3), this file (chunk 10), all.html (chunks 899, 900)"; got != want {
		t.Errorf("sameText = %q, want %q", got, want)
	}
}

// TestIngestProgressLines: off a terminal, a line per file, and a line on
// how far it is when a large file keeps it quiet for 10 s.
func TestIngestProgressLines(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pr := newIngestProgress(&b, false)
	pr.now = func() time.Time { return clock }
	pr.start, pr.last = clock, clock
	pr.update(vectorstore.IngestProgress{Files: 2, Bytes: 30 << 20})
	pr.update(vectorstore.IngestProgress{Files: 2, FilesDone: 1, Bytes: 30 << 20, BytesDone: 1 << 10,
		File: &vectorstore.FileStatus{Filename: "a.md", Status: vectorstore.StatusCompleted, Chunks: 1}})
	clock = clock.Add(4 * time.Second)
	pr.update(vectorstore.IngestProgress{Files: 2, FilesDone: 1, Bytes: 30 << 20, BytesDone: 5 << 20})
	clock = clock.Add(7 * time.Second)
	pr.update(vectorstore.IngestProgress{Files: 2, FilesDone: 1, Bytes: 30 << 20, BytesDone: 12 << 20})
	clock = clock.Add(time.Second)
	pr.update(vectorstore.IngestProgress{Files: 2, FilesDone: 1, Bytes: 30 << 20, BytesDone: 13 << 20})
	pr.done()
	want := "  ✓ a.md  1 chunk\n  … 1/2 files done, 12.0 MB of 30.0 MB read, 11s\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("progress lines (-want +got):\n%s", diff)
	}
}
