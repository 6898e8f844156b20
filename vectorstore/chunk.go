package vectorstore

import (
	"fmt"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
	tkcodec "github.com/tiktoken-go/tokenizer/codec"
)

// Chunking defaults and limits, as OpenAI's (the "auto" strategy and the
// bounds of the "static" one).
const (
	DefaultChunkSize    = 800
	DefaultChunkOverlap = 400
	MinChunkSize        = 100
	MaxChunkSize        = 4096
)

// ChunkerOptions configures a [Chunker]. The zero value is OpenAI's default:
// 800-token chunks overlapping by 400, counted with o200k_base.
type ChunkerOptions struct {
	// Size is the maximum chunk length in tokens, 100..4096; zero means 800.
	Size int
	// Overlap is the number of tokens consecutive chunks share, at most
	// Size/2; zero means Size/2 (400 for the default size), negative means
	// none.
	Overlap int
	// Encoding is the tiktoken encoding counting tokens: "o200k_base" (the
	// default, GPT-4o and later) or "cl100k_base".
	Encoding string
}

// Chunker splits text into overlapping windows of tokens. It is safe for
// concurrent use.
type Chunker struct {
	size, overlap int
	encoding      string
	codec         tokenizer.Codec
}

// NewChunker returns a Chunker. opts may be nil. It fails, wrapping
// ErrInvalid, on a size or overlap OpenAI would refuse.
func NewChunker(opts *ChunkerOptions) (*Chunker, error) {
	var o ChunkerOptions
	if opts != nil {
		o = *opts
	}
	if o.Size == 0 {
		o.Size = DefaultChunkSize
	}
	if o.Size < MinChunkSize || o.Size > MaxChunkSize {
		return nil, fmt.Errorf("%w: chunk size %d tokens out of range %d..%d", ErrInvalid, o.Size, MinChunkSize, MaxChunkSize)
	}
	switch {
	case o.Overlap == 0:
		o.Overlap = o.Size / 2
	case o.Overlap < 0:
		o.Overlap = 0
	case o.Overlap > o.Size/2:
		return nil, fmt.Errorf("%w: chunk overlap %d tokens exceeds half the chunk size (%d)", ErrInvalid, o.Overlap, o.Size/2)
	}
	if o.Encoding == "" {
		o.Encoding = string(tokenizer.O200kBase)
	}
	// The codecs are named one by one rather than through tokenizer.Get,
	// which would link the vocabularies of every encoding it knows (several
	// MB of binary for encodings no current model uses).
	var codec tokenizer.Codec
	switch o.Encoding {
	case string(tokenizer.O200kBase):
		codec = tkcodec.NewO200kBase()
	case string(tokenizer.Cl100kBase):
		codec = tkcodec.NewCl100kBase()
	default:
		return nil, fmt.Errorf("%w: token encoding %q (want o200k_base or cl100k_base)", ErrInvalid, o.Encoding)
	}
	return &Chunker{size: o.Size, overlap: o.Overlap, encoding: o.Encoding, codec: codec}, nil
}

// ID describes the chunker's settings, such as "o200k_base:800:400"; ingestion
// re-chunks a file when it changes.
func (c *Chunker) ID() string { return fmt.Sprintf("%s:%d:%d", c.encoding, c.size, c.overlap) }

// Split cuts text into chunks of at most Size tokens, each starting
// Size-Overlap tokens after the previous one, the last ending with the text.
// Chunks are substrings of text, cut at character boundaries (a cut inside a
// multi-byte character moves to the character's start). Text of at most
// Size tokens is one chunk; empty or blank text gives none.
func (c *Chunker) Split(text string) []string {
	if isBlank(text) {
		return nil
	}
	_, toks, err := c.codec.Encode(text)
	if err != nil {
		return []string{text}
	}
	// Byte offset of each token's start in text, plus the end.
	offs := make([]int, 0, len(toks)+1)
	pos := 0
	for _, t := range toks {
		offs = append(offs, pos)
		pos += len(t)
	}
	offs = append(offs, pos)
	if pos != len(text) {
		// The tokens do not spell the text (should not happen for valid
		// UTF-8): fall back to cutting by bytes in proportion.
		for i := range offs {
			offs[i] = i * len(text) / (len(offs) - 1)
		}
	}
	n := len(toks)
	if n <= c.size {
		return []string{text}
	}
	step := c.size - c.overlap
	var out []string
	for start := 0; ; start += step {
		end := min(start+c.size, n)
		a, b := runeStart(text, offs[start]), runeStart(text, offs[end])
		if end == n {
			b = len(text)
		}
		if a < b && !isBlank(text[a:b]) {
			out = append(out, text[a:b])
		}
		if end == n {
			break
		}
	}
	return out
}

// Count returns the number of tokens of text.
func (c *Chunker) Count(text string) int {
	n, err := c.codec.Count(text)
	if err != nil {
		return len(text) / 4
	}
	return n
}

// runeStart moves i back to the start of the character it falls in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

func isBlank(s string) bool {
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\f', '\v':
		default:
			return false
		}
	}
	return true
}
