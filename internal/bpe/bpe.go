// Package bpe splits text into the tokens of OpenAI's o200k_base and
// cl100k_base encodings (byte-pair encoding, as tiktoken does), for
// chunking. The vocabularies are embedded deflated (1.5 MB for both, where
// Go map literals of them weigh about 9 MB in a binary) and read on first
// use (bzip2 would make them 0.4 MB smaller, and their reading five times
// slower); the pre-tokenizers are tiktoken's regular expressions written
// out as code (split.go). gen.go writes the vocabularies from
// github.com/tiktoken-go/tokenizer; the tests check that both give the same
// tokens, and that the pre-tokenizers cut where the expressions do.
package bpe

import (
	"bytes"
	"compress/flate"
	_ "embed" // the vocabularies
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

//go:embed o200k_base.vocab
var o200kVocab []byte

//go:embed cl100k_base.vocab
var cl100kVocab []byte

// Encodings.
const (
	O200kBase  = "o200k_base"
	Cl100kBase = "cl100k_base"
)

// Encoding splits text into tokens. It is safe for concurrent use.
type Encoding struct {
	name  string
	ranks map[string]int
	split splitter
}

var (
	mu        sync.Mutex
	encodings = map[string]*Encoding{}
)

// Get returns the encoding named name, reading its vocabulary the first
// time (about 50 ms for o200k_base).
func Get(name string) (*Encoding, error) {
	mu.Lock()
	defer mu.Unlock()
	if e := encodings[name]; e != nil {
		return e, nil
	}
	var data []byte
	var split splitter
	switch name {
	case O200kBase:
		data, split = o200kVocab, splitO200k
	case Cl100kBase:
		data, split = cl100kVocab, splitCl100k
	default:
		return nil, fmt.Errorf("bpe: unknown encoding %q (want %s or %s)", name, O200kBase, Cl100kBase)
	}
	ranks, err := readVocab(data)
	if err != nil {
		return nil, fmt.Errorf("bpe: %s: %w", name, err)
	}
	e := &Encoding{name: name, ranks: ranks, split: split}
	encodings[name] = e
	return e, nil
}

func readVocab(data []byte) (map[string]int, error) {
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, err
	}
	ranks := make(map[string]int, 200_000)
	all := string(raw) // one allocation; the keys are slices of it
	for rank, i := 0, 0; i < len(raw); rank++ {
		n, w := binary.Uvarint(raw[i:])
		if w <= 0 || i+w+int(n) > len(raw) {
			return nil, fmt.Errorf("corrupt vocabulary at byte %d", i)
		}
		i += w
		ranks[all[i:i+int(n)]] = rank
		i += int(n)
	}
	return ranks, nil
}

// Name returns the encoding's name.
func (e *Encoding) Name() string { return e.name }

// Tokens returns the tokens of text, as strings whose concatenation is text.
func (e *Encoding) Tokens(text string) ([]string, error) {
	var out []string
	err := e.each(text, func(tok string) { out = append(out, tok) })
	return out, err
}

// Count returns how many tokens text has.
func (e *Encoding) Count(text string) (int, error) {
	n := 0
	err := e.each(text, func(string) { n++ })
	return n, err
}

func (e *Encoding) each(text string, yield func(string)) error {
	pieces(e.split, text, func(piece string) {
		if _, ok := e.ranks[piece]; ok {
			yield(piece)
		} else {
			e.merge(piece, yield)
		}
	})
	return nil
}

// merge splits a piece that is not a token by byte-pair merging: starting
// from single bytes, it merges the adjacent pair whose joined bytes have the
// lowest rank (the leftmost among equals) until no pair is a token. A heap
// of candidate pairs over a linked list of parts makes it O(n log n).
func (e *Encoding) merge(piece string, yield func(string)) {
	n := len(piece)
	if n == 1 {
		yield(piece)
		return
	}
	start := make([]int, n) // start[i]: byte offset of part i; parts are linked
	next := make([]int, n)
	prev := make([]int, n)
	alive := make([]bool, n)
	for i := range n {
		start[i], next[i], prev[i], alive[i] = i, i+1, i-1, true
	}
	end := func(i int) int {
		if next[i] >= n {
			return n
		}
		return start[next[i]]
	}
	rankAt := func(i int) (int, bool) {
		j := next[i]
		if j >= n {
			return 0, false
		}
		r, ok := e.ranks[piece[start[i]:end(j)]]
		return r, ok
	}
	h := &pairHeap{}
	for i := range n - 1 {
		if r, ok := rankAt(i); ok {
			h.push(pair{rank: r, left: i, right: next[i]})
		}
	}
	for h.len() > 0 {
		p := h.pop()
		if !alive[p.left] || next[p.left] != p.right || !alive[p.right] {
			continue // stale: one of the parts was merged since
		}
		if r, ok := rankAt(p.left); !ok || r != p.rank {
			continue
		}
		// Merge the right part into the left one.
		r := p.right
		alive[r] = false
		next[p.left] = next[r]
		if next[r] < n {
			prev[next[r]] = p.left
		}
		if rr, ok := rankAt(p.left); ok {
			h.push(pair{rank: rr, left: p.left, right: next[p.left]})
		}
		if l := prev[p.left]; l >= 0 {
			if rr, ok := rankAt(l); ok {
				h.push(pair{rank: rr, left: l, right: p.left})
			}
		}
	}
	for i := 0; i < n; i = next[i] {
		yield(piece[start[i]:end(i)])
	}
}

// pair is a candidate merge of two adjacent parts.
type pair struct{ rank, left, right int }

// pairHeap is a min-heap of pairs by rank, then by position.
type pairHeap struct{ a []pair }

func (h *pairHeap) len() int { return len(h.a) }

func less(x, y pair) bool { return x.rank < y.rank || x.rank == y.rank && x.left < y.left }

func (h *pairHeap) push(p pair) {
	h.a = append(h.a, p)
	i := len(h.a) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !less(h.a[i], h.a[parent]) {
			break
		}
		h.a[i], h.a[parent] = h.a[parent], h.a[i]
		i = parent
	}
}

func (h *pairHeap) pop() pair {
	top := h.a[0]
	last := len(h.a) - 1
	h.a[0] = h.a[last]
	h.a = h.a[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.a) && less(h.a[l], h.a[m]) {
			m = l
		}
		if r < len(h.a) && less(h.a[r], h.a[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.a[i], h.a[m] = h.a[m], h.a[i]
		i = m
	}
	return top
}
