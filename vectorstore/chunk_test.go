package vectorstore

import (
	"errors"
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
