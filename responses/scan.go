package responses

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// A small validating JSON scanner for the hot paths (events, items and
// responses are decoded for every turn). encoding/json validates a document
// before decoding it and again for every nested Unmarshaler, so a response
// inside an event inside a stream was scanned three times; this scanner
// walks each byte once, validating as it goes, and hands the raw bytes of
// each member to the caller.

var errSyntax = errors.New("invalid JSON")

func syntaxErr(b []byte, i int) error {
	if i >= len(b) {
		return fmt.Errorf("%w: unexpected end of input", errSyntax)
	}
	return fmt.Errorf("%w: unexpected %q at offset %d", errSyntax, b[i], i)
}

func skipSpace(b []byte, i int) int {
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

// skipString returns the index after the string starting at b[i] == '"',
// and whether it holds escapes.
func skipString(b []byte, i int) (int, bool, error) {
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
				return 0, false, syntaxErr(b, len(b))
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return 0, false, syntaxErr(b, len(b))
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return 0, false, syntaxErr(b, i)
					}
				}
				i += 6
			default:
				return 0, false, syntaxErr(b, i+1)
			}
		case c < 0x20:
			return 0, false, syntaxErr(b, i)
		default:
			i++
		}
	}
	return 0, false, syntaxErr(b, len(b))
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipValue returns the index after the value starting at b[i] (no leading
// space), validating it.
func skipValue(b []byte, i int, depth int) (int, error) {
	if i >= len(b) {
		return 0, syntaxErr(b, i)
	}
	if depth > 10000 {
		return 0, fmt.Errorf("%w: nested too deeply", errSyntax)
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := skipString(b, i)
		return end, err
	case c == '{':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return 0, syntaxErr(b, i)
			}
			end, _, err := skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = skipSpace(b, end)
			if i >= len(b) || b[i] != ':' {
				return 0, syntaxErr(b, i)
			}
			i = skipSpace(b, i+1)
			if i, err = skipValue(b, i, depth+1); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, syntaxErr(b, i)
			}
			if b[i] == '}' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, syntaxErr(b, i)
			}
			i = skipSpace(b, i+1)
		}
	case c == '[':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			if i, err = skipValue(b, i, depth+1); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, syntaxErr(b, i)
			}
			if b[i] == ']' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, syntaxErr(b, i)
			}
			i = skipSpace(b, i+1)
		}
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return skipNumber(b, i)
	}
	return 0, syntaxErr(b, i)
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, syntaxErr(b, i)
	}
	return i + len(lit), nil
}

func skipNumber(b []byte, i int) (int, error) {
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
		return 0, syntaxErr(b, i)
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0, syntaxErr(b, i)
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, syntaxErr(b, i)
		}
	}
	if i == start {
		return 0, syntaxErr(b, i)
	}
	return i, nil
}

// scanObject validates the JSON object b and calls fn with each member's
// key (unquoted; fn must not keep it) and raw value. b may carry surrounding space. A document
// that is not an object is an error; so is trailing data.
func scanObject(b []byte, fn func(key []byte, val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		if i < len(b) {
			return &json.UnmarshalTypeError{Value: describe(b[i]), Type: objectType}
		}
		return syntaxErr(b, i)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return syntaxErr(b, i)
		}
		end, esc, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : end-1]
		if esc {
			var k string
			if err := json.Unmarshal(b[i:end], &k); err != nil {
				return err
			}
			key = []byte(k)
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return syntaxErr(b, i)
		}
		i = skipSpace(b, i+1)
		start := i
		if i, err = skipValue(b, i, 1); err != nil {
			return err
		}
		if err := fn(key, b[start:i]); err != nil {
			return err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return syntaxErr(b, i)
		}
		if b[i] == '}' {
			return trailing(b, i+1)
		}
		if b[i] != ',' {
			return syntaxErr(b, i)
		}
		i = skipSpace(b, i+1)
	}
}

func trailing(b []byte, i int) error {
	if i = skipSpace(b, i); i != len(b) {
		return syntaxErr(b, i)
	}
	return nil
}

// scanArray calls fn with the raw bytes of each element of the array val,
// which the caller has already validated (a member value from scanObject).
func scanArray(val []byte, fn func(elem []byte) error) error {
	i := skipSpace(val, 0)
	if i >= len(val) || val[i] != '[' {
		return &json.UnmarshalTypeError{Value: describeBytes(val), Type: arrayType}
	}
	i = skipSpace(val, i+1)
	if i < len(val) && val[i] == ']' {
		return nil
	}
	for {
		start := i
		var err error
		if i, err = skipValue(val, i, 1); err != nil {
			return err
		}
		if err := fn(val[start:i]); err != nil {
			return err
		}
		i = skipSpace(val, i)
		if i >= len(val) {
			return syntaxErr(val, i)
		}
		if val[i] == ']' {
			return nil
		}
		i = skipSpace(val, i+1)
	}
}

var (
	objectType = reflect.TypeFor[map[string]any]()
	arrayType  = reflect.TypeFor[[]any]()
	stringType = reflect.TypeFor[string]()
)

func describe(c byte) string {
	switch c {
	case '"':
		return "string"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func describeBytes(b []byte) string {
	i := skipSpace(b, 0)
	if i >= len(b) {
		return "nothing"
	}
	if b[i] == '{' {
		return "object"
	}
	return describe(b[i])
}

// str decodes a validated JSON string value; null decodes as "". Any other
// kind of value is a type error, as encoding/json reports it.
func str(val []byte) (string, error) {
	if len(val) == 0 || val[0] != '"' {
		if string(val) == "null" {
			return "", nil
		}
		return "", &json.UnmarshalTypeError{Value: describeBytes(val), Type: stringType}
	}
	inner := val[1 : len(val)-1]
	plain, ascii := true, true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if plain && (ascii || utf8.Valid(inner)) {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(val, &s)
	return s, err
}

// intValue decodes a validated JSON number (or a number in a string, as
// some gateways send) into an int; null is 0.
func intValue(val []byte) (int64, error) {
	var n flexInt
	err := n.UnmarshalJSON(val)
	return int64(n), err
}

// plainInt decodes an integer value strictly, as encoding/json does for an
// int field.
func plainInt(val []byte) (int, error) {
	if string(val) == "null" {
		return 0, nil
	}
	n, err := strconv.Atoi(string(val))
	if err != nil {
		return 0, &json.UnmarshalTypeError{Value: "number " + string(val), Type: reflect.TypeFor[int]()}
	}
	return n, nil
}
