package bpe

import "unicode"

// The pre-tokenizers cut text into pieces before byte-pair merging. They
// are tiktoken's regular expressions for o200k_base and cl100k_base,
// written out as code: the same pieces as a backtracking matcher gives
// (github.com/dlclark/regexp2, which tiktoken's Go ports use; the tests
// compare both on random text), without a regular-expression engine in
// the binary.
//
// o200k_base:
//
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// cl100k_base:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
//	|\s*[\r\n]+|\s+(?!\S)|\s+
//
// Like the matcher, they work on runes: an invalid UTF-8 byte is one
// U+FFFD rune, and comes out as U+FFFD.

// splitter finds the end of the piece that starts at rune i of r (i < len(r)).
type splitter func(r []rune, i int) int

// pieces calls yield with each piece of text, in order.
func pieces(split splitter, text string, yield func(string)) {
	r := []rune(text)
	for i := 0; i < len(r); {
		j := split(r, i)
		if j <= i { // every rune starts a piece in both patterns; be safe anyway
			j = i + 1
		}
		yield(string(r[i:j]))
		i = j
	}
}

func isLetter(c rune) bool { return unicode.IsLetter(c) }
func isNumber(c rune) bool { return unicode.IsNumber(c) }
func isSpace(c rune) bool  { return unicode.IsSpace(c) }
func isNewline(c rune) bool {
	return c == '\r' || c == '\n'
}

// isPrefix is [^\r\n\p{L}\p{N}].
func isPrefix(c rune) bool { return !isNewline(c) && !isLetter(c) && !isNumber(c) }

// isSymbol is [^\s\p{L}\p{N}].
func isSymbol(c rune) bool { return !isSpace(c) && !isLetter(c) && !isNumber(c) }

// isUpper is [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}].
func isUpper(c rune) bool {
	return unicode.In(c, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M)
}

// isLower is [\p{Ll}\p{Lm}\p{Lo}\p{M}].
func isLower(c rune) bool {
	return unicode.In(c, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M)
}

// run returns the end of the run of runes from i that satisfy in.
func run(r []rune, i int, in func(rune) bool) int {
	for i < len(r) && in(r[i]) {
		i++
	}
	return i
}

// contraction matches (?i:'s|'t|'re|'ve|'m|'ll|'d) at i and returns its
// length, or 0.
func contraction(r []rune, i int) int {
	if i+1 >= len(r) || r[i] != '\'' {
		return 0
	}
	at := func(k int, c rune) bool { return i+k < len(r) && unicode.ToLower(r[i+k]) == c }
	switch {
	case at(1, 's'), at(1, 't'):
		return 2
	case at(1, 'r') && at(2, 'e'), at(1, 'v') && at(2, 'e'):
		return 3
	case at(1, 'm'):
		return 2
	case at(1, 'l') && at(2, 'l'):
		return 3
	case at(1, 'd'):
		return 2
	}
	return 0
}

// prefixStarts lists where the part after an optional [^\r\n\p{L}\p{N}]
// starts, in the order a greedy matcher tries them.
func prefixStarts(r []rune, i int) []int {
	if isPrefix(r[i]) {
		return []int{i + 1, i}
	}
	return []int{i}
}

// numbers matches \p{N}{1,3} at i.
func numbers(r []rune, i int) int {
	j := i
	for j < len(r) && j-i < 3 && isNumber(r[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// symbols matches " ?[^\s\p{L}\p{N}]+" then a run of tail at i.
func symbols(r []rune, i int, tail func(rune) bool) int {
	j := i
	if r[j] == ' ' && j+1 < len(r) && isSymbol(r[j+1]) {
		j++
	}
	e := run(r, j, isSymbol)
	if e == j {
		return -1
	}
	return run(r, e, tail)
}

// spaces matches \s*[\r\n]+|\s+(?!\S)|\s+ at i.
func spaces(r []rune, i int) int {
	e := run(r, i, isSpace)
	if e == i {
		return -1
	}
	// \s*[\r\n]+: the greedy \s* gives back until [\r\n]+ can start; the
	// last newline of the run ends it.
	for k := e - 1; k >= i; k-- {
		if isNewline(r[k]) {
			return k + 1
		}
	}
	// \s+(?!\S): the whole run at the end of the text, else all of it but
	// its last space (which the next piece starts with).
	if e == len(r) {
		return e
	}
	if e-i > 1 {
		return e - 1
	}
	return e // \s+
}

// splitO200k is o200k_base's pre-tokenizer.
func splitO200k(r []rune, i int) int {
	// P? U* L+ C?
	for _, p := range prefixStarts(r, i) {
		e := run(r, p, isUpper)
		for k := e; k >= p; k-- { // U* = r[p:k], giving back from the longest
			if k < len(r) && isLower(r[k]) {
				m := run(r, k, isLower)
				return m + contraction(r, m)
			}
		}
	}
	// P? U+ L* C?
	for _, p := range prefixStarts(r, i) {
		if e := run(r, p, isUpper); e > p {
			m := run(r, e, isLower)
			return m + contraction(r, m)
		}
	}
	if j := numbers(r, i); j >= 0 {
		return j
	}
	if j := symbols(r, i, func(c rune) bool { return isNewline(c) || c == '/' }); j >= 0 {
		return j
	}
	return spaces(r, i)
}

// splitCl100k is cl100k_base's pre-tokenizer.
func splitCl100k(r []rune, i int) int {
	if n := contraction(r, i); n > 0 {
		return i + n
	}
	// P? \p{L}+
	for _, p := range prefixStarts(r, i) {
		if e := run(r, p, isLetter); e > p {
			return e
		}
	}
	if j := numbers(r, i); j >= 0 {
		return j
	}
	if j := symbols(r, i, isNewline); j >= 0 {
		return j
	}
	return spaces(r, i)
}
