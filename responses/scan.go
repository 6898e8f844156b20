package responses

import (
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/agentloop/agentloop/internal/jsonscan"
)

// A small validating JSON scanner for the hot paths (events, items and
// responses are decoded for every turn). encoding/json validates a document
// before decoding it and again for every nested Unmarshaler, so a response
// inside an event inside a stream was scanned three times; this scanner
// walks each byte once, validating as it goes, and hands the raw bytes of
// each member to the caller.

// scanObject validates the JSON object b and calls fn with each member's
// key (unquoted; fn must not keep it) and raw value. b may carry surrounding space. A document
// that is not an object is an error; so is trailing data.
func scanObject(b []byte, fn func(key []byte, val []byte) error) error {
	i := jsonscan.Space(b, 0)
	if i >= len(b) || b[i] != '{' {
		if i < len(b) {
			return &json.UnmarshalTypeError{Value: describe(b[i]), Type: objectType}
		}
		return jsonscan.SyntaxError(b, i)
	}
	i = jsonscan.Space(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return jsonscan.SyntaxError(b, i)
		}
		end, esc, err := jsonscan.String(b, i)
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
		i = jsonscan.Space(b, end)
		if i >= len(b) || b[i] != ':' {
			return jsonscan.SyntaxError(b, i)
		}
		i = jsonscan.Space(b, i+1)
		start := i
		if i, err = jsonscan.Value(b, i, 1); err != nil {
			return err
		}
		if err := fn(key, b[start:i]); err != nil {
			return err
		}
		i = jsonscan.Space(b, i)
		if i >= len(b) {
			return jsonscan.SyntaxError(b, i)
		}
		if b[i] == '}' {
			return trailing(b, i+1)
		}
		if b[i] != ',' {
			return jsonscan.SyntaxError(b, i)
		}
		i = jsonscan.Space(b, i+1)
	}
}

func trailing(b []byte, i int) error {
	if i = jsonscan.Space(b, i); i != len(b) {
		return jsonscan.SyntaxError(b, i)
	}
	return nil
}

// scanArray calls fn with the raw bytes of each element of the array val,
// which the caller has already validated (a member value from scanObject).
func scanArray(val []byte, fn func(elem []byte) error) error {
	i := jsonscan.Space(val, 0)
	if i >= len(val) || val[i] != '[' {
		return &json.UnmarshalTypeError{Value: describeBytes(val), Type: arrayType}
	}
	i = jsonscan.Space(val, i+1)
	if i < len(val) && val[i] == ']' {
		return nil
	}
	for {
		start := i
		var err error
		if i, err = jsonscan.Value(val, i, 1); err != nil {
			return err
		}
		if err := fn(val[start:i]); err != nil {
			return err
		}
		i = jsonscan.Space(val, i)
		if i >= len(val) {
			return jsonscan.SyntaxError(val, i)
		}
		if val[i] == ']' {
			return nil
		}
		i = jsonscan.Space(val, i+1)
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
	i := jsonscan.Space(b, 0)
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
	if s, ok := jsonscan.Unquote(val); ok {
		return s, nil
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
