// Package jsonscan is a small validating JSON scanner: it walks a document
// once, checks its syntax as it goes, and returns where each value ends, so
// callers can take the raw bytes of members without decoding them. The
// responses package decodes events, items and responses with it, and the
// tools package's fast argument check skips values with it.
package jsonscan

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrSyntax is wrapped by every error the scanner returns.
var ErrSyntax = errors.New("invalid JSON")

// ErrUnexpectedEnd is the error for input that ends before its value does:
// a document cut short. It wraps ErrSyntax.
var ErrUnexpectedEnd = fmt.Errorf("%w: unexpected end of input", ErrSyntax)

// SyntaxError returns an error wrapping ErrSyntax for the byte at b[i] (or
// ErrUnexpectedEnd at the end of the input).
func SyntaxError(b []byte, i int) error {
	if i >= len(b) {
		return ErrUnexpectedEnd
	}
	return fmt.Errorf("%w: unexpected %q at offset %d", ErrSyntax, b[i], i)
}

// Space returns the index of the first byte at or after i that is not JSON
// white space.
func Space(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// String returns the index after the string starting at b[i] == '"',
// and whether it holds escapes.
func String(b []byte, i int) (int, bool, error) {
	i++
	escaped := false
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return 0, false, SyntaxError(b, len(b))
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return 0, false, SyntaxError(b, len(b))
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return 0, false, SyntaxError(b, i)
					}
				}
				i += 6
			default:
				return 0, false, SyntaxError(b, i+1)
			}
		case c < 0x20:
			return 0, false, SyntaxError(b, i)
		default:
			i++
		}
	}
	return 0, false, SyntaxError(b, len(b))
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// Value returns the index after the value starting at b[i] (no leading
// space), validating it; depth is the nesting level of b[i], capped at
// 10000.
func Value(b []byte, i int, depth int) (int, error) {
	if i >= len(b) {
		return 0, SyntaxError(b, i)
	}
	if depth > 10000 {
		return 0, fmt.Errorf("%w: nested too deeply", ErrSyntax)
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := String(b, i)
		return end, err
	case c == '{':
		i = Space(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return 0, SyntaxError(b, i)
			}
			end, _, err := String(b, i)
			if err != nil {
				return 0, err
			}
			i = Space(b, end)
			if i >= len(b) || b[i] != ':' {
				return 0, SyntaxError(b, i)
			}
			i = Space(b, i+1)
			if i, err = Value(b, i, depth+1); err != nil {
				return 0, err
			}
			i = Space(b, i)
			if i >= len(b) {
				return 0, SyntaxError(b, i)
			}
			if b[i] == '}' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, SyntaxError(b, i)
			}
			i = Space(b, i+1)
		}
	case c == '[':
		i = Space(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			if i, err = Value(b, i, depth+1); err != nil {
				return 0, err
			}
			i = Space(b, i)
			if i >= len(b) {
				return 0, SyntaxError(b, i)
			}
			if b[i] == ']' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, SyntaxError(b, i)
			}
			i = Space(b, i+1)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return number(b, i)
	}
	return 0, SyntaxError(b, i)
}

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, SyntaxError(b, i)
	}
	return i + len(lit), nil
}

func number(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return 0, SyntaxError(b, i)
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0, SyntaxError(b, i)
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, SyntaxError(b, i)
		}
	}
	if i == start {
		return 0, SyntaxError(b, i)
	}
	return i, nil
}

// Unquote returns the text of the JSON string token s (quotes included,
// already validated by [String]) with its escapes resolved, as
// encoding/json decodes it. It handles the common case itself: valid
// UTF-8 and escapes other than surrogate halves; for anything else it
// reports false, and the caller decodes with encoding/json.
func Unquote(s []byte) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	in := s[1 : len(s)-1]
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		c := in[i]
		if c != '\\' {
			if c < 0x20 || c == '"' {
				return "", false
			}
			if c < utf8.RuneSelf {
				out = append(out, c)
				i++
				continue
			}
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n == 1 {
				return "", false // encoding/json's replacement rules apply
			}
			out = append(out, in[i:i+n]...)
			i += n
			continue
		}
		if i+1 >= len(in) {
			return "", false
		}
		switch in[i+1] {
		case '"', '\\', '/':
			out = append(out, in[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+6 > len(in) {
				return "", false
			}
			var r rune
			for _, h := range in[i+2 : i+6] {
				switch {
				case h >= '0' && h <= '9':
					r = r<<4 | rune(h-'0')
				case h >= 'a' && h <= 'f':
					r = r<<4 | rune(h-'a'+10)
				case h >= 'A' && h <= 'F':
					r = r<<4 | rune(h-'A'+10)
				default:
					return "", false
				}
			}
			if utf16.IsSurrogate(r) {
				return "", false // pairs and lone halves: encoding/json decides
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default:
			return "", false
		}
		i += 2
	}
	return string(out), true
}
