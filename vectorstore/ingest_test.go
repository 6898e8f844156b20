package vectorstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// writeTree writes files (path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// failingEmbedder fails on texts containing "EMBEDFAIL".
type failingEmbedder struct{ *HashEmbedder }

func (f failingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for _, t := range texts {
		if strings.Contains(t, "EMBEDFAIL") {
			return nil, errors.New("embedding service down")
		}
	}
	return f.HashEmbedder.Embed(ctx, texts)
}

type statusLine struct {
	Name, Status, Code string
	Chunks             int
	Unchanged          bool
}

func summarize(dir string, st []FileStatus) []statusLine {
	var out []statusLine
	for _, s := range st {
		rel, _ := filepath.Rel(dir, s.Path)
		out = append(out, statusLine{filepath.ToSlash(rel), s.Status, s.Code, s.Chunks, s.Unchanged})
		if (s.Status == StatusFailed) != (s.Err != nil) {
			out[len(out)-1].Status += " (err mismatch)"
		}
	}
	return out
}

func TestIngest(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	long := strings.Repeat("The turbine blade cooling channel reduces thermal stress. ", 60)
	writeTree(t, dir, map[string]string{
		"notes.md":          "# Release notes\n\nThe **zeppelin** feature ships in May.",
		"page.html":         `<html><head><title>Guide</title><style>.x{color:red}</style><script>var hidden = "scriptword";</script></head><body><p>Install the <b>gizmo</b>&nbsp;tool &amp; run it.</p><!-- commentword --></body></html>`,
		"data.json":         `{"name": "quokka", "legs": 4}`,
		"bad.json":          `{"name": `,
		"main.go":           "package main\n\nfunc frobnicate() {}\n",
		"wide.txt":          utf16LE("Grüße from the walrus"),
		"bom.txt":           "\xEF\xBB\xBFnarwhal with a BOM",
		"latin1.txt":        "caf\xe9",
		"blob.bin":          "\x00\x01\x02",
		"paper.pdf":         "%PDF-1.4 fake",
		"long.txt":          long,
		"fail.txt":          "this one says EMBEDFAIL",
		"sub/deep.rst":      "Deep file about axolotl.",
		".hidden/secret.md": "should not be read",
		"Makefile":          "build:\n\tgo build\n",
		"corpus/1a2b3c":     "go test fuzz v1\nstring(\"pangolin\")",
		"corpus/4d5e6f":     "\x00\x01binary",
	})
	chunker, err := NewChunker(&ChunkerOptions{Size: 100, Overlap: 20})
	if err != nil {
		t.Fatal(err)
	}
	emb := failingEmbedder{NewHashEmbedder(32)}
	st := NewMemory(nil)
	defer closeStore(t, st)
	opts := &IngestOptions{Embedder: emb, Chunker: chunker, EmbedBatch: 2, Attributes: func(path string) Attributes {
		return Attributes{"ext": strings.TrimPrefix(filepath.Ext(path), "."), "size": len(path)}
	}}
	got, err := Ingest(ctx, st, "docs", []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []statusLine{
		{"Makefile", "completed", "", 1, false},
		{"bad.json", "failed", "invalid_file", 0, false},
		{"blob.bin", "failed", "unsupported_file", 0, false},
		{"bom.txt", "completed", "", 1, false},
		{"corpus/1a2b3c", "completed", "", 1, false},
		{"corpus/4d5e6f", "failed", "unsupported_file", 0, false},
		{"data.json", "completed", "", 1, false},
		{"fail.txt", "failed", "server_error", 0, false},
		{"latin1.txt", "failed", "invalid_file", 0, false},
		{"long.txt", "completed", "", 7, false},
		{"main.go", "completed", "", 1, false},
		{"notes.md", "completed", "", 1, false},
		{"page.html", "completed", "", 1, false},
		{"paper.pdf", "failed", "unsupported_file", 0, false},
		{"sub/deep.rst", "completed", "", 1, false},
		{"wide.txt", "completed", "", 1, false},
	}
	if diff := cmp.Diff(want, summarize(dir, got)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	for _, s := range got {
		if s.Code == CodeUnsupportedFile && strings.HasSuffix(s.Path, ".pdf") && !strings.Contains(s.Err.Error(), "convert to .txt") {
			t.Errorf("pdf error: %v", s.Err)
		}
		if strings.HasSuffix(s.Path, "latin1.txt") && !strings.Contains(s.Err.Error(), "not valid UTF-8") {
			t.Errorf("latin1 error: %v", s.Err)
		}
	}

	find := func(q string) []string {
		hits, err := st.Search(ctx, SearchRequest{StoreIDs: []string{"docs"}, Queries: []Query{{Text: q}}, TextWeight: 1})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, h := range hits {
			names = append(names, filepath.Base(h.Filename))
		}
		return names
	}
	for q, wantFile := range map[string]string{
		"zeppelin": "notes.md", "gizmo": "page.html", "quokka": "data.json", "frobnicate": "main.go",
		"walrus": "wide.txt", "narwhal": "bom.txt", "axolotl": "deep.rst", "turbine": "long.txt", "build": "Makefile", "pangolin": "1a2b3c",
	} {
		if got := find(q); len(got) == 0 || got[0] != wantFile {
			t.Errorf("search %q found %v, want %s first", q, got, wantFile)
		}
	}
	for _, q := range []string{"scriptword", "commentword", "color", "secret", "EMBEDFAIL"} {
		if got := find(q); len(got) != 0 {
			t.Errorf("search %q found %v, want nothing", q, got)
		}
	}
	hits, err := st.Search(ctx, SearchRequest{StoreIDs: []string{"docs"}, Queries: []Query{{Text: "gizmo"}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("Guide\n\nInstall the gizmo tool & run it.", hits[0].Text); diff != "" {
		t.Errorf("html text (-want +got):\n%s", diff)
	}
	if hits[0].Attributes["ext"] != "html" || hits[0].FileID != FileID(filepath.Join(dir, "page.html")) {
		t.Errorf("hit %+v", hits[0].Chunk)
	}

	// Unchanged files are skipped; a changed file replaces its chunks.
	writeTree(t, dir, map[string]string{"long.txt": "Now a short note about the ocelot.", "fail.txt": "fixed"})
	got, err = Ingest(ctx, st, "docs", []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range summarize(dir, got) {
		switch s.Name {
		case "long.txt", "fail.txt":
			if s.Status != StatusCompleted || s.Unchanged || s.Chunks != 1 {
				t.Errorf("changed %s: %+v", s.Name, s)
			}
		default:
			if s.Status == StatusCompleted && !s.Unchanged {
				t.Errorf("unchanged %s re-ingested: %+v", s.Name, s)
			}
		}
	}
	if got := find("turbine"); len(got) != 0 {
		t.Errorf("old text of a changed file still found in %v", got)
	}
	if got := find("ocelot"); len(got) != 1 || got[0] != "long.txt" {
		t.Errorf("new text: %v", got)
	}
	files, err := st.Files(ctx, "docs")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 11 {
		t.Errorf("%d files stored, want 11", len(files))
	}

	// Another embedder for the same store is refused.
	if _, err := Ingest(ctx, st, "docs", []string{dir}, nil); !errors.Is(err, ErrEmbedderMismatch) {
		t.Errorf("lexical ingest into a dense store: %v", err)
	}
	if _, err := Ingest(ctx, st, "docs", []string{filepath.Join(dir, "missing")}, opts); err == nil {
		t.Error("missing path accepted")
	}
}

func TestIngestPersists(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "persisted capybara"})
	path := filepath.Join(t.TempDir(), "s.vs")
	st, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, st)
	if _, err := Ingest(ctx, st, "docs", []string{filepath.Join(dir, "a.txt")}, nil); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(path, &Options{ReadOnly: true}) // read while st is open: Ingest flushed
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, st2)
	hits, err := st2.Search(ctx, SearchRequest{StoreIDs: []string{"docs"}, Queries: []Query{{Text: "capybara"}}})
	if err != nil || len(hits) != 1 {
		t.Errorf("after reopening: %v, %v", hits, err)
	}
}

func TestHTMLText(t *testing.T) {
	tests := map[string]string{
		"plain":                                    "plain",
		"<p>a</p><p>b</p>":                         "a\n\nb",
		"x<br/>y<div>z</div>":                      "x\ny\nz",
		"<a href=\"x>y\">link</a> text":            "link text",
		"a &lt; b &amp;&amp; c &#233;":             "a < b && c é",
		"<table><tr><td>1</td><td>2</td></tr>":     "1 2",
		"before<script>if (a<b) x()</script>after": "beforeafter",
		"<STYLE>p{}</STYLE>Up":                     "Up",
		"1 < 2 and <3":                             "1 < 2 and <3",
		"unclosed <b":                              "unclosed",
		"<!DOCTYPE html><!-- c -->t":               "t",
		"<p>one</p>\n\n\n<p>two</p>":               "one\n\ntwo",
	}
	for in, want := range tests {
		if got := htmlText(in); got != want {
			t.Errorf("htmlText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIngestTooLarge(t *testing.T) {
	dir := t.TempDir()
	bomb := map[string]string{}
	for i := range 16 {
		bomb[fmt.Sprintf("ppt/slides/slide%d.xml", i+1)] = slideXML(strings.Repeat("A", 128<<10))
	}
	big := `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` +
		wordsOf(2<<20) + `</w:t></w:r></w:p></w:body></w:document>`
	good := `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` +
		`The okapi report.</w:t></w:r></w:p></w:body></w:document>`
	writeTree(t, dir, map[string]string{
		"bomb.pptx":  string(zipOf(t, bomb)),
		"big.docx":   string(zipOf(t, map[string]string{"word/document.xml": big})),
		"good.docx":  string(zipOf(t, map[string]string{"word/document.xml": good})),
		"wide.txt":   utf16LE(strings.Repeat("日本語", 150000)), // 900 KB of UTF-16, 1.35 MB of UTF-8
		"notes.txt":  "Notes about the tapir.",
		"huge.txt":   wordsOf(1<<20 + 1),
		"small.html": "<p>The <b>kinkajou</b> page.</p>",
	})
	st := NewMemory(nil)
	defer closeStore(t, st)
	got, err := Ingest(t.Context(), st, "docs", []string{dir}, &IngestOptions{MaxFileSize: 1 << 20, MaxExpandedSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := []statusLine{
		{"big.docx", "failed", "invalid_file", 0, false},
		{"bomb.pptx", "failed", "invalid_file", 0, false},
		{"good.docx", "completed", "", 1, false},
		{"huge.txt", "failed", "invalid_file", 0, false},
		{"notes.txt", "completed", "", 1, false},
		{"small.html", "completed", "", 1, false},
		{"wide.txt", "failed", "invalid_file", 0, false},
	}
	if diff := cmp.Diff(want, summarize(dir, got)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	for _, s := range got {
		if s.Err == nil {
			continue
		}
		msg := s.Err.Error()
		if !errors.Is(s.Err, ErrTooLarge) || !strings.Contains(msg, s.Path) || !strings.Contains(msg, "limit") || strings.Contains(msg, "syntax error") {
			t.Errorf("%s: error %q, want ErrTooLarge naming the file and the limit", filepath.Base(s.Path), msg)
		}
	}
}

// TestHTMLTextLinear: skipping the content of script, style and the like
// costs no copy of the rest of the page per element.
func TestHTMLTextLinear(t *testing.T) {
	src := strings.Repeat("<script>x()</script><STYLE>p{}</STYLE>word ", 20000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := htmlText(src)
	runtime.ReadMemStats(&after)
	if got != strings.TrimSpace(strings.Repeat("word ", 20000)) {
		t.Fatalf("htmlText = %.40q…", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 20*uint64(len(src)) {
		t.Errorf("htmlText of %d bytes allocated %d bytes", len(src), alloc)
	}
}
