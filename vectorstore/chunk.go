package vectorstore

import (
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/agentloop/agentloop/internal/bpe"
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
	codec         *bpe.Encoding
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
		o.Encoding = bpe.O200kBase
	}
	// internal/bpe gives tiktoken's tokens from deflated vocabularies: a
	// few MB less binary than tiktoken-go's map literals.
	codec, err := bpe.Get(o.Encoding)
	if err != nil {
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
// Size tokens is one chunk; empty or blank text gives none. Memory beyond
// the chunks is bounded by the chunk count, not the text's length (see
// [Chunker.Count]).
func (c *Chunker) Split(text string) []string {
	if isBlank(text) {
		return nil
	}
	// Window k spans tokens k*step to k*step+size: only the byte offsets
	// of those tokens are kept.
	step := c.size - c.overlap
	var starts, ends []int
	n, pos := 0, 0
	c.tokenLens(text, func(l int) {
		if n%step == 0 {
			starts = append(starts, pos)
		}
		if n >= c.size && (n-c.size)%step == 0 {
			ends = append(ends, pos)
		}
		pos += l
		n++
	})
	if n <= c.size {
		return []string{text}
	}
	var out []string
	for k := 0; ; k++ {
		last := k*step+c.size >= n
		a, b := runeStart(text, starts[k]), len(text)
		if !last {
			b = runeStart(text, ends[k])
		}
		if a < b && !isBlank(text[a:b]) {
			out = append(out, text[a:b])
		}
		if last {
			break
		}
	}
	return out
}

// Count returns the number of tokens of text. Like Split, it tokenizes at
// most 64 KiB at a time, cut where the encoding's own pre-tokenizer
// splits, so that the count is the whole text's; only a run of over 32 KiB
// with no such place (letters and no space, say) is cut anywhere.
func (c *Chunker) Count(text string) int {
	n := 0
	c.tokenLens(text, func(int) { n++ })
	return n
}

// tokenSegment bounds the text tokenized at once. The tokenizer's regular
// expression and byte-pair merges allocate tens of bytes per byte of a
// piece, and a piece is a whole run of letters: unsegmented, a 30 MB text
// without a space took 1.8 GB.
const tokenSegment = 64 << 10

// tokenLens calls yield with the length in bytes of each token of text, in
// order, tokenizing at most tokenSegment bytes at a time (see cutText). The
// lengths sum to len(text): a segment the tokens do not spell (invalid
// UTF-8 becomes U+FFFD) is divided among them in proportion.
func (c *Chunker) tokenLens(text string, yield func(n int)) {
	for text != "" {
		seg := text
		if len(seg) > tokenSegment {
			seg = text[:cutText(text, tokenSegment)]
		}
		text = text[len(seg):]
		toks, err := c.codec.Tokens(seg)
		sum := 0
		for _, t := range toks {
			sum += len(t)
		}
		if err == nil && sum == len(seg) {
			for _, t := range toks {
				yield(len(t))
			}
			continue
		}
		k := len(toks)
		if err != nil || k == 0 {
			k = max(len(seg)/4, 1)
		}
		for i := range k {
			yield((i+1)*len(seg)/k - i*len(seg)/k)
		}
	}
}

// cutText returns where a segment of s, longer than limit, ends: within
// limit bytes and preferably past limit/2, after a letter or digit
// followed by a character that is none of a letter, a digit, a combining
// mark or an apostrophe. The o200k and cl100k pre-tokenizers always split
// there (no piece runs on past a letter or digit into such a character),
// so the segments give the whole text's tokens. Failing that (a run of
// letters, or of punctuation), the cut is the last character boundary.
func cutText(s string, limit int) int {
	i := runeStart(s, limit)
	b, _ := utf8.DecodeRuneInString(s[i:])
	for j := i; j > limit/2; {
		a, n := utf8.DecodeLastRuneInString(s[:j])
		if (unicode.IsLetter(a) || unicode.IsNumber(a)) &&
			!unicode.IsLetter(b) && !unicode.IsNumber(b) && !unicode.IsMark(b) && b != '\'' {
			return j
		}
		j -= n
		b = a
	}
	if i == 0 {
		return limit // no character starts in s[1:limit+1]: not UTF-8
	}
	return i
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

// splitter cuts a text written to it in pieces into the very chunks
// [Chunker.Split] cuts the whole text into, emitting each one as soon as it
// is known, with the byte offset where it starts. It keeps only the text
// of the windows not yet emitted (at most Size tokens) and of the segments
// being tokenized, not the whole text: memory is bounded by the chunk size
// and tokenSegment, whatever the text's length. Segments are tokenized par
// at a time in parallel (goroutines joined before Write or Close returns).
type splitter struct {
	c    *Chunker
	emit func(piece string, start int64) error
	par  int

	buf    []byte  // the text from offset base on
	base   int64   // offset of buf[0] in the text
	tok    int     // buf[:tok] is tokenized
	cuts   []int   // ends (in buf) of the segments cut but not yet tokenized
	pos    int64   // offset of the end of the tokenized text
	n      int     // tokens so far
	starts []int64 // offsets of the windows started and not yet emitted
	err    error
}

func newSplitter(c *Chunker, par int, emit func(piece string, start int64) error) *splitter {
	return &splitter{c: c, emit: emit, par: max(par, 1)}
}

// Write appends text.
func (s *splitter) Write(text []byte) error {
	if s.err != nil {
		return s.err
	}
	s.buf = append(s.buf, text...)
	// A segment's cut depends on at most UTFMax bytes past tokenSegment, so
	// cutting once that much is buffered cuts where Split would.
	for {
		from := s.tok
		if len(s.cuts) > 0 {
			from = s.cuts[len(s.cuts)-1]
		}
		if len(s.buf)-from <= tokenSegment+utf8.UTFMax {
			break
		}
		s.cuts = append(s.cuts, from+cutText(string(s.buf[from:from+tokenSegment+utf8.UTFMax]), tokenSegment))
		if len(s.cuts) >= s.par {
			s.tokenize()
		}
	}
	return s.err
}

// WriteString appends text.
func (s *splitter) WriteString(text string) error {
	if s.err != nil {
		return s.err
	}
	// Copied through Write a block at a time, so a long string is not
	// duplicated whole.
	for len(text) > 0 {
		n := min(len(text), tokenSegment)
		s.buf = append(s.buf, text[:n]...)
		text = text[n:]
		if err := s.Write(nil); err != nil {
			return err
		}
	}
	return nil
}

// Close tokenizes the rest and emits the last chunk.
func (s *splitter) Close() error {
	if s.err != nil {
		return s.err
	}
	for {
		from := s.tok
		if len(s.cuts) > 0 {
			from = s.cuts[len(s.cuts)-1]
		}
		rest := len(s.buf) - from
		if rest == 0 {
			break
		}
		if rest > tokenSegment {
			s.cuts = append(s.cuts, from+cutText(string(s.buf[from:]), tokenSegment))
		} else {
			s.cuts = append(s.cuts, len(s.buf))
		}
	}
	s.tokenize()
	if s.err != nil || s.n == 0 {
		return s.err
	}
	end := s.base + int64(len(s.buf))
	if s.n <= s.c.size {
		// One chunk, the whole text, as Split.
		if t := s.buf[s.starts[0]-s.base:]; !isBlank(string(t)) {
			s.err = s.emit(string(t), s.starts[0])
		}
		return s.err
	}
	s.window(s.starts[0], end)
	return s.err
}

// tokenize tokenizes the segments cut, in parallel, and counts their
// tokens in order, emitting the windows they complete.
func (s *splitter) tokenize() {
	if len(s.cuts) == 0 || s.err != nil {
		return
	}
	lens := make([][]int, len(s.cuts))
	from := s.tok
	var wg sync.WaitGroup
	for i, end := range s.cuts {
		seg := string(s.buf[from:end])
		from = end
		if len(s.cuts) == 1 {
			s.c.tokenLens(seg, func(n int) { lens[i] = append(lens[i], n) })
			break
		}
		wg.Go(func() { s.c.tokenLens(seg, func(n int) { lens[i] = append(lens[i], n) }) })
	}
	wg.Wait()
	s.tok = s.cuts[len(s.cuts)-1]
	s.cuts = s.cuts[:0]
	step := s.c.size - s.c.overlap
	for _, seg := range lens {
		for _, l := range seg {
			if s.n%step == 0 {
				s.starts = append(s.starts, s.pos)
			}
			if s.n >= s.c.size && (s.n-s.c.size)%step == 0 {
				s.window(s.starts[0], s.pos)
				s.starts = s.starts[1:]
				if s.err != nil {
					return
				}
			}
			s.pos += int64(l)
			s.n++
		}
	}
	s.trim()
}

// window emits the chunk from a to b (offsets), each moved back to the start
// of the character it falls in, unless it is blank.
func (s *splitter) window(a, b int64) {
	a, b = s.runeStart(a), s.runeStart(b)
	if a < b {
		if t := s.buf[a-s.base : b-s.base]; !isBlank(string(t)) {
			s.err = s.emit(string(t), a)
		}
	}
}

// runeStart moves offset i back to the start of the character it falls
// in, as runeStart does over the whole text.
func (s *splitter) runeStart(i int64) int64 {
	for i > 0 && i-s.base < int64(len(s.buf)) && i > s.base && !utf8.RuneStart(s.buf[i-s.base]) {
		i--
	}
	return i
}

// trim drops the text before the first window not yet emitted (keeping
// the bytes a cut there may move back over), once there is enough of it to
// be worth a copy.
func (s *splitter) trim() {
	keep := s.pos
	if len(s.starts) > 0 {
		keep = s.starts[0]
	}
	keep -= utf8.UTFMax
	drop := int(keep - s.base)
	if drop < 256<<10 || drop < len(s.buf)/2 {
		return
	}
	n := copy(s.buf, s.buf[drop:])
	s.buf = s.buf[:n]
	s.base += int64(drop)
	s.tok -= drop
}
