package vectorstore

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestChunkerOptions(t *testing.T) {
	tests := []struct {
		opts *ChunkerOptions
		id   string
		err  string
	}{
		{nil, "o200k_base:800:400", ""},
		{&ChunkerOptions{Size: 100}, "o200k_base:100:50", ""},
		{&ChunkerOptions{Size: 4096, Overlap: -1, Encoding: "cl100k_base"}, "cl100k_base:4096:0", ""},
		{&ChunkerOptions{Size: 99}, "", "chunk size 99 tokens out of range 100..4096"},
		{&ChunkerOptions{Size: 4097}, "", "out of range"},
		{&ChunkerOptions{Size: 200, Overlap: 101}, "", "overlap 101 tokens exceeds half the chunk size (100)"},
		{&ChunkerOptions{Encoding: "p50k_base"}, "", `token encoding "p50k_base"`},
	}
	for _, tt := range tests {
		c, err := NewChunker(tt.opts)
		if tt.err != "" {
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NewChunker(%+v) = %v, want %q", tt.opts, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.ID() != tt.id {
			t.Errorf("ID %q, want %q", c.ID(), tt.id)
		}
	}
}

func TestChunkerSplit(t *testing.T) {
	c, err := NewChunker(&ChunkerOptions{Size: 100, Overlap: 40})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Split("  \n "); got != nil {
		t.Errorf("blank text: %q", got)
	}
	if got := c.Split("short text"); !cmp.Equal(got, []string{"short text"}) {
		t.Errorf("short text: %q", got)
	}
	var b strings.Builder
	for i := range 300 {
		b.WriteString("word")
		b.WriteString(strings.Repeat("x", i%5))
		b.WriteString(" héllo 日本語 ")
	}
	text := b.String()
	total := c.Count(text)
	chunks := c.Split(text)
	wantN := (total - 40 + 59) / 60 // windows of 100 stepping by 60
	if len(chunks) != wantN {
		t.Errorf("%d tokens: %d chunks, want %d", total, len(chunks), wantN)
	}
	for i, ch := range chunks {
		if !utf8.ValidString(ch) {
			t.Errorf("chunk %d is not valid UTF-8", i)
		}
		if n := c.Count(ch); n > 101 { // a cut moved into a character may add one token
			t.Errorf("chunk %d has %d tokens", i, n)
		}
		if !strings.Contains(text, ch) {
			t.Errorf("chunk %d is not a substring of the text", i)
		}
	}
	if !strings.HasPrefix(text, chunks[0]) || !strings.HasSuffix(text, chunks[len(chunks)-1]) {
		t.Error("chunks do not cover the text's ends")
	}
	// Consecutive chunks overlap.
	for i := 1; i < len(chunks); i++ {
		tail := chunks[i-1][len(chunks[i-1])-20:]
		if !strings.Contains(chunks[i], tail) {
			t.Errorf("chunk %d does not overlap chunk %d", i, i-1)
		}
	}
}

// mixedText returns about n bytes of text that exercises the tokenizer's
// pre-tokenizer: words and camel case, contractions, numbers, punctuation
// runs, line breaks, tabs, CJK without spaces, combining marks, emoji.
func mixedText(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, seed))
	pieces := []string{"word", " the", " HelloWorld", " it's", " they'LL", " don't", " 12345", " 3.14159", ",", ".", "!?", " --",
		"\n", "\n\n", "\r\n", "\t", "  ", " 日本語のテキスト。", "中文", " e\u0301te\u0301", " 🙂🙃", " http://example.com/a/b?c=d",
		" x'", "'s", "(", ")", " über", "Ⅻ", "²", "\u00a0", " ___", "/", " \n"}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestChunkerSegments: tokenizing in segments gives the whole text's
// tokens, and the cuts fall where they should.
func TestChunkerSegments(t *testing.T) {
	mixed := mixedText(1, 140<<10)
	text := mixed + " " + strings.Repeat("a", 70<<10) + " end"
	for _, enc := range []string{"o200k_base", "cl100k_base"} {
		c, err := NewChunker(&ChunkerOptions{Encoding: enc})
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.codec.Tokens(mixed)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		pos := 0
		c.tokenLens(mixed, func(n int) {
			got = append(got, mixed[pos:pos+n])
			pos += n
		})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: segmented tokens differ from the whole text's (-want +got):\n%.2000s", enc, diff)
		}
		if n := c.Count(text); n < len(want) {
			t.Errorf("%s: Count = %d, want more than %d", enc, n, len(want))
		}
	}
	for _, tt := range []struct {
		s     string
		limit int
		want  int
	}{
		{"abc def", 5, 3},              // before the space
		{"abc,def", 5, 3},              // before the comma
		{"ab'cd efg", 6, 5},            // not before an apostrophe
		{"abcdefghij", 6, 6},           // a run of letters: at the limit
		{"ab日本語", 6, 5},                // at a character boundary
		{"abcdef g\u0301h", 10, 6},     // not before a combining mark
		{"ab;;;;;;;;", 6, 6},           // punctuation only past half: at the limit
		{"\x80\x80\x80\x80\x80", 3, 3}, // not UTF-8
	} {
		if got := cutText(tt.s, tt.limit); got != tt.want {
			t.Errorf("cutText(%q, %d) = %d, want %d", tt.s, tt.limit, got, tt.want)
		}
	}
}

// TestChunkerLongRun: a text without spaces, longer than a segment, is
// chunked like any other.
func TestChunkerLongRun(t *testing.T) {
	c, err := NewChunker(&ChunkerOptions{Size: 200, Overlap: 50})
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"letters": strings.Repeat("a", 100<<10),
		"mixed":   strings.ReplaceAll(strings.ReplaceAll(mixedText(2, 100<<10), " ", ""), "\n", ""),
		"invalid": strings.Repeat("\xff\xfeab", 40<<10),
	} {
		chunks := c.Split(text)
		if len(chunks) < 2 || !strings.HasPrefix(text, chunks[0]) || !strings.HasSuffix(text, chunks[len(chunks)-1]) {
			t.Errorf("%s: %d chunks not covering the text", name, len(chunks))
			continue
		}
		for i, ch := range chunks {
			if !strings.Contains(text, ch) {
				t.Errorf("%s: chunk %d is not in the text", name, i)
			}
			if n := c.Count(ch); n > 205 {
				t.Errorf("%s: chunk %d has %d tokens", name, i, n)
			}
		}
	}
}

// TestSplitterIsSplit: the streaming splitter, fed the text in pieces of
// any size and tokenizing segments in parallel or not, emits exactly
// Split's chunks, at their offsets.
func TestSplitterIsSplit(t *testing.T) {
	c, err := NewChunker(&ChunkerOptions{Size: 100, Overlap: 30})
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{
		"empty":         "",
		"blank":         " \n\t ",
		"short":         "a few words",
		"mixed":         mixedText(7, 150<<10),
		"letters":       "start " + strings.Repeat("é", 40<<10) + " then " + strings.Repeat("ab", 50<<10) + " end",
		"blank windows": "words " + strings.Repeat(" ", 3000) + mixedText(3, 2000),
	}
	for name, text := range texts {
		want := c.Split(text)
		for _, tc := range []struct{ piece, par int }{{1 << 20, 1}, {1, 1}, {997, 3}} {
			if tc.piece == 1 && len(text) > 4<<10 {
				continue // byte by byte is for the short texts
			}
			var got []string
			sp := newSplitter(c, tc.par, func(piece string, start int64) error {
				if text[start:start+int64(len(piece))] != piece {
					t.Errorf("%s: chunk at %d is not the text there", name, start)
				}
				got = append(got, piece)
				return nil
			})
			for rest := text; rest != ""; {
				n := min(tc.piece, len(rest))
				if err := sp.Write([]byte(rest[:n])); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
			if err := sp.Close(); err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(got, want) {
				t.Errorf("%s, pieces of %d, %d at once: %d chunks, Split %d; first difference at %d", name, tc.piece, tc.par, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestSplitterMemory: the splitter keeps a window's worth of text, not
// what it was given.
func TestSplitterMemory(t *testing.T) {
	c, err := NewChunker(nil)
	if err != nil {
		t.Fatal(err)
	}
	block := []byte(mixedText(11, 64<<10))
	maxBuf, chunks := 0, 0
	sp := newSplitter(c, 2, func(string, int64) error { chunks++; return nil })
	for range 32 { // 2 MB
		if err := sp.Write(block); err != nil {
			t.Fatal(err)
		}
		maxBuf = max(maxBuf, cap(sp.buf))
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if maxBuf > 1<<20 {
		t.Errorf("buffer grew to %d bytes for 2 MB of text", maxBuf)
	}
	if chunks < 500 {
		t.Errorf("%d chunks", chunks)
	}
}
