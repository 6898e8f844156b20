package vectorstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeReader: text decoded a block at a time, whatever the blocks'
// cuts, is the whole text's decoding.
func TestDecodeReader(t *testing.T) {
	long := strings.Repeat("é日🙂x", 40<<10) // characters across every 64 KiB cut
	be := func(s string) string {
		b := []byte{0xFE, 0xFF}
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u>>8), byte(u))
		}
		return string(b)
	}
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"utf8", long, long, nil},
		{"bom", "\xEF\xBB\xBF" + long, long, nil},
		{"utf16le", utf16LE(long), long, nil},
		{"utf16be", be(long), long, nil},
		{"lone surrogate", "\xFF\xFE\x00\xD8a\x00", "\uFFFDa", nil},
		{"odd utf16", "\xFF\xFEa\x00b", "", errOddUTF16},
		{"latin1", long + "caf\xe9", "", errNotUTF8},
		{"cut character", long + "\xe6\x97", "", errNotUTF8},
		{"nul", long + "\x00", "", errBinary},
		{"empty", "", "", nil},
	}
	for _, tt := range tests {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if one {
				r = iotest.OneByteReader(r)
			}
			got, err := io.ReadAll(newDecodeReader(r, 0))
			if !errors.Is(err, tt.err) {
				t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
				continue
			}
			if err == nil && string(got) != tt.want {
				t.Errorf("%s (one byte at a time %v): %d bytes, want %d", tt.name, one, len(got), len(tt.want))
			}
		}
	}
	if _, err := io.ReadAll(newDecodeReader(strings.NewReader(long), 1000)); !errors.Is(err, errTextLimit) {
		t.Errorf("past the limit: %v", err)
	}
}

func TestCheckJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": [1, 2, {"b": null}]}`: "",
		` "s" `:                      "",
		`3`:                          "",
		``:                           "empty",
		`{"a": `:                     "invalid JSON",
		`{} {}`:                      "more than one value",
		`[1, 2,]`:                    "invalid JSON",
	} {
		err := checkJSON(strings.NewReader(in))
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("checkJSON(%q) = %v, want %q", in, err, want)
		}
	}
}

// TestIngestProgress: Progress hears of the files found, each file done,
// and bytes read, which end at the total.
func TestIngestProgress(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "alpha", "b.md": "# B\n\nbeta", "c.png": "x", "d.txt": wordsOf(3 << 20)})
	var calls []IngestProgress
	st := NewMemory(nil)
	defer closeStore(t, st)
	_, err := Ingest(t.Context(), st, "docs", []string{dir}, &IngestOptions{Concurrency: 2, Progress: func(p IngestProgress) {
		if p.File != nil {
			f := *p.File
			p.File = &f
		}
		calls = append(calls, p)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range []string{"a.txt", "b.md", "c.png", "d.txt"} {
		info, _ := os.Stat(filepath.Join(dir, n))
		total += info.Size()
	}
	if first := calls[0]; first.Files != 4 || first.Bytes != total || first.File != nil || first.FilesDone != 0 {
		t.Errorf("first call %+v", first)
	}
	var done []string
	updates := 0
	for i, c := range calls {
		if i > 0 && (c.BytesDone < calls[i-1].BytesDone || c.FilesDone < calls[i-1].FilesDone) {
			t.Errorf("call %d went back: %+v after %+v", i, c, calls[i-1])
		}
		if c.BytesDone > c.Bytes {
			t.Errorf("call %d: %d bytes done of %d", i, c.BytesDone, c.Bytes)
		}
		if c.File != nil {
			done = append(done, filepath.Base(c.File.Path))
		} else if i > 0 {
			updates++
		}
	}
	if last := calls[len(calls)-1]; last.FilesDone != 4 || last.BytesDone != total {
		t.Errorf("last call %+v, want 4 files and %d bytes done", last, total)
	}
	if len(done) != 4 {
		t.Errorf("files done: %v", done)
	}
	if updates < 2 {
		t.Errorf("%d byte updates while reading a 3 MB file", updates)
	}
}

// TestIngestPrune: Prune deletes the files gone from the folder, and
// nothing when a folder could not be read.
func TestIngestPrune(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"keep.txt": "kept", "gone.txt": "gone soon"})
	st := NewMemory(nil)
	defer closeStore(t, st)
	if _, err := Ingest(ctx, st, "docs", []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	got, err := Ingest(ctx, st, "docs", []string{dir}, &IngestOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []statusLine{{"keep.txt", StatusCompleted, "", 1, true}, {"gone.txt", StatusDeleted, "", 1, false}}
	if diff := cmp.Diff(want, summarize(dir, got)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	files, _ := st.Files(ctx, "docs")
	if len(files) != 1 {
		t.Errorf("%d files left", len(files))
	}
}

// TestIngestUnreadableFolder: a folder that cannot be read fails alone;
// the files beside it are stored, and nothing is pruned.
func TestIngestUnreadableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("requires a user other than root, for whom folder permissions do not apply (the CLI's process tests run this as an unprivileged user)")
	}
	ctx := t.Context()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"ok.txt": "giraffes", "locked/secret.txt": "okapis", "z.txt": "zebras"})
	st := NewMemory(nil)
	defer closeStore(t, st)
	if _, err := Ingest(ctx, st, "docs", []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	got, err := Ingest(ctx, st, "docs", []string{dir}, &IngestOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []statusLine{{"locked", StatusFailed, CodeInvalidFile, 0, false}, {"ok.txt", StatusCompleted, "", 1, true}, {"z.txt", StatusCompleted, "", 1, true}}
	if diff := cmp.Diff(want, summarize(dir, got)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if !got[0].Dir || !errors.Is(got[0].Err, os.ErrPermission) || !strings.Contains(got[0].Err.Error(), "cannot read the folder") {
		t.Errorf("folder status %+v", got[0])
	}
	if files, _ := st.Files(ctx, "docs"); len(files) != 3 {
		t.Errorf("%d files in the store, want 3 (nothing pruned)", len(files))
	}
}

// TestIngestReplace: a changed file that fails keeps its previous version
// when it fits one batch; a larger one that fails part way is removed, and
// its status says its previous version is gone.
func TestIngestReplace(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	chunker, err := NewChunker(&ChunkerOptions{Size: 100, Overlap: -1})
	if err != nil {
		t.Fatal(err)
	}
	small, big := filepath.Join(dir, "small.txt"), filepath.Join(dir, "big.txt")
	writeTree(t, dir, map[string]string{"small.txt": "the small file", "big.txt": "the big file"})
	st := NewMemory(nil)
	defer closeStore(t, st)
	opts := &IngestOptions{Embedder: failingEmbedder{NewHashEmbedder(8)}, Chunker: chunker, EmbedBatch: 4}
	if _, err := Ingest(ctx, st, "docs", []string{dir}, opts); err != nil {
		t.Fatal(err)
	}
	// Both fail to embed now; big.txt has 10 chunks, the last failing.
	writeTree(t, dir, map[string]string{"small.txt": "EMBEDFAIL", "big.txt": wordsOf(3000) + " EMBEDFAIL"})
	got, err := Ingest(ctx, st, "docs", []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []statusLine{{"big.txt", StatusFailed, CodeServerError, 0, false}, {"small.txt", StatusFailed, CodeServerError, 0, false}}
	if diff := cmp.Diff(want, summarize(dir, got)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if msg := got[0].Err.Error(); !strings.Contains(msg, "previous version is no longer in the store") {
		t.Errorf("big.txt: %v", msg)
	}
	if msg := got[1].Err.Error(); strings.Contains(msg, "previous version") {
		t.Errorf("small.txt: %v", msg)
	}
	files, err := st.Files(ctx, "docs")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Filename))
	}
	if diff := cmp.Diff([]string{"small.txt"}, names); diff != "" || files[0].ID != FileID(small) {
		t.Errorf("files left (-want +got):\n%s", diff)
	}
	_ = big
}

// TestIngestContext: the chunks of Markdown and HTML files past a
// section's start begin with the title and the headings over them.
func TestIngestContext(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	section := func(n int) string { return strings.Repeat(fmt.Sprintf("filler%d text ", n), 60) }
	md := "---\ntitle: The Manual\n---\n# Setup\n\n" + section(1) + "\n\n## `http.createServer()`\n\n" + section(2) +
		"\n\n```sh\n# not a heading\n```\n\nAnother section\n---------------\n\n" + section(3)
	page := `<html><head><title>Guide | Site</title></head><body>
<nav><a href="/">Home</a> <a href="/x">Menu entry</a></nav>
<header class="top"><h1>Site banner</h1><button>Toggle dark mode</button></header>
<main><h1>Guide<a class="mark" href="#guide">#</a></h1><p>` + section(4) + `</p>
<h2>Closing channels <a href="#c">¶</a></h2><p>` + section(5) + `</p>
<pre><code>close(ch)</code><button class="copy-button">copy</button></pre>
<div hidden>hidden text</div><span aria-hidden="true">decor</span>
<label>Search</label><select><option>v20</option></select></main>
<footer>Copyright footer</footer></body></html>`
	writeTree(t, dir, map[string]string{"manual.md": md, "page.html": page})
	chunker, err := NewChunker(&ChunkerOptions{Size: 100, Overlap: -1})
	if err != nil {
		t.Fatal(err)
	}
	st := NewMemory(nil)
	defer closeStore(t, st)
	if _, err := Ingest(ctx, st, "docs", []string{dir}, &IngestOptions{Chunker: chunker}); err != nil {
		t.Fatal(err)
	}
	firstLines := map[string][]string{}
	var all strings.Builder
	s := st.stores["docs"]
	for _, f := range []string{"manual.md", "page.html"} {
		file := s.files[FileID(filepath.Join(dir, f))]
		for o := range len(file.chunks) {
			text := s.docs[file.chunks[o]].text
			all.WriteString(text)
			line, _, _ := strings.Cut(text, "\n")
			firstLines[f] = append(firstLines[f], line)
		}
	}
	has := func(f, line string) bool {
		for _, l := range firstLines[f] {
			if l == line {
				return true
			}
		}
		return false
	}
	for f, lines := range map[string][]string{
		"manual.md": {"The Manual", "Setup", "Setup › http.createServer()", "Setup › Another section"},
		"page.html": {"Guide", "Guide › Closing channels"},
	} {
		for _, l := range lines {
			if !has(f, l) {
				t.Errorf("%s: no chunk starts with %q; first lines:\n%s", f, l, strings.Join(firstLines[f], "\n"))
			}
		}
	}
	if has("manual.md", "Setup › not a heading") {
		t.Error("a comment in a code block was taken for a heading")
	}
	text := all.String()
	for _, gone := range []string{"Home", "Menu entry", "Site banner", "Toggle", "copy", "hidden text", "decor", "Search", "v20", "Copyright", "¶", "Guide#"} {
		if strings.Contains(text, gone) {
			t.Errorf("interface text %q kept", gone)
		}
	}
	if !strings.Contains(text, "close(ch)") {
		t.Error("code lost")
	}
}

// TestIngestStreamsLargeFile: a file of several MB is read and stored a
// batch at a time: the splitter's buffer stays small.
func TestIngestStreamsLargeFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"big.md": "# Big\n\n" + wordsOf(4<<20)})
	st := &countingStore{Memory: NewMemory(nil)}
	defer closeStore(t, st)
	got, err := Ingest(t.Context(), st, "docs", []string{dir}, &IngestOptions{EmbedBatch: 64})
	if err != nil || got[0].Status != StatusCompleted {
		t.Fatalf("%+v, %v", got, err)
	}
	if st.upserts < got[0].Chunks/64 || st.maxBatch > 64 {
		t.Errorf("%d chunks stored in %d upserts of at most %d", got[0].Chunks, st.upserts, st.maxBatch)
	}
}

// countingStore counts Upsert calls and their sizes.
type countingStore struct {
	*Memory
	upserts, maxBatch int
}

func (c *countingStore) Upsert(ctx context.Context, chunks []Chunk) error {
	c.upserts++
	c.maxBatch = max(c.maxBatch, len(chunks))
	return c.Memory.Upsert(ctx, chunks)
}
