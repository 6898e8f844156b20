package responses

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// flexInt decodes a JSON number, a number with a fraction, or a number in a
// string (some gateways send "12"). null and "" decode as 0.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*n = flexInt(i)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: intType}
	}
	*n = flexInt(math.Round(f))
	return nil
}

var intType = reflect.TypeFor[int64]()

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// appendString appends s as a JSON string, escaped as encoding/json does
// (HTML characters included, so output matches json.Marshal).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hex = "0123456789abcdef"

// object builds a JSON object field by field, in a fixed order.
type object struct {
	b   []byte
	err error
}

func newObject() *object { return &object{b: append(make([]byte, 0, 128), '{')} }

func (o *object) key(k string) {
	if len(o.b) > 1 {
		o.b = append(o.b, ',')
	}
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':')
}

// str writes k: v always.
func (o *object) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

// strOmit writes k: v when v is not empty.
func (o *object) strOmit(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

// raw writes k: v when v is not nil.
func (o *object) raw(k string, v json.RawMessage) {
	if v != nil {
		o.key(k)
		o.b = append(o.b, v...)
	}
}

// val writes k: json(v).
func (o *object) val(k string, v any) {
	if o.err != nil {
		return
	}
	enc, err := json.Marshal(v)
	if err != nil {
		o.err = err
		return
	}
	o.key(k)
	o.b = append(o.b, enc...)
}

// marshal writes k: v.MarshalJSON(), for this package's types, whose
// encodings are compact: without encoding/json's reflection and
// re-compaction, which the runner would pay for each of its outputs on
// every turn.
func (o *object) marshal(k string, v json.Marshaler) {
	if o.err != nil {
		return
	}
	enc, err := v.MarshalJSON()
	if err != nil {
		o.err = err
		return
	}
	o.key(k)
	o.b = append(o.b, enc...)
}

func (o *object) bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	return append(o.b, '}'), nil
}
