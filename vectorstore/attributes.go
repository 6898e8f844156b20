package vectorstore

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"unicode/utf8"
)

// Limits on [Attributes], as OpenAI's vector store file attributes.
const (
	MaxAttributes        = 16  // keys per file
	MaxAttributeKeyLen   = 64  // characters per key
	MaxAttributeValueLen = 512 // characters per string value
)

// Attributes are the key/value pairs attached to a file (OpenAI's
// VectorStoreFileAttributes) and matched by a [Filter]. A value is a string
// (at most 512 characters), a number or a bool; there are at most 16 keys of
// at most 64 characters each.
//
// Numbers may be given as any Go integer or float type or as a json.Number;
// stores keep and return them as float64.
type Attributes map[string]any

// Validate reports whether a respects OpenAI's limits, naming the offending
// key in its error.
func (a Attributes) Validate() error {
	if len(a) > MaxAttributes {
		return fmt.Errorf("vectorstore: %d attributes, at most %d allowed", len(a), MaxAttributes)
	}
	for _, k := range a.keys() {
		if k == "" {
			return fmt.Errorf("vectorstore: attribute with an empty key")
		}
		if n := utf8.RuneCountInString(k); n > MaxAttributeKeyLen {
			return fmt.Errorf("vectorstore: attribute key %.20q… is %d characters, at most %d allowed", k, n, MaxAttributeKeyLen)
		}
		switch v := a[k].(type) {
		case string:
			if n := utf8.RuneCountInString(v); n > MaxAttributeValueLen {
				return fmt.Errorf("vectorstore: attribute %q: string value is %d characters, at most %d allowed", k, n, MaxAttributeValueLen)
			}
		case bool:
		default:
			f, ok := AsNumber(v)
			if !ok {
				return fmt.Errorf("vectorstore: attribute %q: value of type %T, want string, number or bool", k, v)
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("vectorstore: attribute %q: number %v is not finite", k, f)
			}
		}
	}
	return nil
}

// keys returns a's keys, sorted, so errors are deterministic.
func (a Attributes) keys() []string {
	ks := make([]string, 0, len(a))
	for k := range a {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// normalized returns a copy of a with every number converted to float64.
// It assumes a is valid. A nil or empty a gives nil.
func (a Attributes) normalized() Attributes {
	if len(a) == 0 {
		return nil
	}
	out := make(Attributes, len(a))
	for k, v := range a {
		switch v.(type) {
		case string, bool:
			out[k] = v
		default:
			f, _ := AsNumber(v)
			out[k] = f
		}
	}
	return out
}

// AsNumber converts an attribute or filter value holding any Go integer or
// float, or a json.Number, to float64; ok is false for anything else
// (strings, bools, nil). Backends use it to read the numbers of
// [Attributes] and [Filter] values the way the embedded store does.
func AsNumber(v any) (f float64, ok bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}
