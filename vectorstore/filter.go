package vectorstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Filter types: comparisons take a Key and a Value, compounds take Filters.
const (
	FilterEq  = "eq"  // attribute equals Value
	FilterNe  = "ne"  // not eq (also true when the attribute is absent)
	FilterGt  = "gt"  // attribute > Value (number, or RFC 3339 timestamp string)
	FilterGte = "gte" // attribute >= Value
	FilterLt  = "lt"  // attribute < Value
	FilterLte = "lte" // attribute <= Value
	FilterIn  = "in"  // attribute equals one of Value's elements
	FilterNin = "nin" // not in (also true when the attribute is absent)
	FilterAnd = "and" // every one of Filters
	FilterOr  = "or"  // at least one of Filters
)

// maxFilterDepth bounds the nesting of compound filters.
const maxFilterDepth = 16

// Filter selects chunks by their file's [Attributes]. It mirrors OpenAI's
// ComparisonFilter | CompoundFilter and decodes from the same JSON:
//
//	{"type": "eq", "key": "lang", "value": "go"}
//	{"type": "and", "filters": [{"type": "gte", "key": "year", "value": 2020},
//	                            {"type": "in", "key": "tag", "value": ["a", "b"]}]}
//
// A comparison (eq ne gt gte lt lte in nin) has a Key and a Value; a compound
// (and, or) has Filters, which may nest. Values:
//
//   - eq, ne: a string, number or bool;
//   - gt, gte, lt, lte: a number, or a string holding an RFC 3339 timestamp
//     (compared as a time with attributes holding RFC 3339 strings);
//   - in, nin: a non-empty array of strings, numbers or bools.
//
// A comparison whose attribute is absent or of another type is false; ne and
// nin are its negations and so are true there (as Qdrant's must_not).
// Numbers compare as float64, so 3 equals 3.0.
type Filter struct {
	Type    string   `json:"type"`
	Key     string   `json:"key,omitempty"`
	Value   any      `json:"value,omitempty"`
	Filters []Filter `json:"filters,omitempty"`
}

// UnmarshalJSON decodes OpenAI's filter JSON and validates it, so a bad
// filter fails with a clear error at decoding time. Unknown fields are
// refused.
func (f *Filter) UnmarshalJSON(data []byte) error {
	var r rawFilter
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return fmt.Errorf("vectorstore: filter: %w", err)
	}
	nf := r.filter()
	if err := nf.validate("filter", 0); err != nil {
		return err
	}
	*f = nf
	return nil
}

// rawFilter is Filter without its UnmarshalJSON, so nested filters are
// validated once, from the root, with full paths in errors.
type rawFilter struct {
	Type    string      `json:"type"`
	Key     string      `json:"key,omitempty"`
	Value   any         `json:"value,omitempty"`
	Filters []rawFilter `json:"filters,omitempty"`
}

func (r *rawFilter) filter() Filter {
	f := Filter{Type: r.Type, Key: r.Key, Value: r.Value}
	if r.Filters != nil {
		f.Filters = make([]Filter, len(r.Filters))
		for i := range r.Filters {
			f.Filters[i] = r.Filters[i].filter()
		}
	}
	return f
}

// Validate reports whether f is well formed, with an error naming the path
// of the offending part, such as `filter.filters[1].value`.
func (f *Filter) Validate() error {
	if f == nil {
		return nil
	}
	return f.validate("filter", 0)
}

func (f *Filter) validate(path string, depth int) error {
	if depth > maxFilterDepth {
		return fmt.Errorf("vectorstore: %s: filters nested deeper than %d", path, maxFilterDepth)
	}
	switch f.Type {
	case FilterAnd, FilterOr:
		if f.Key != "" || f.Value != nil {
			return fmt.Errorf("vectorstore: %s: compound filter %q takes filters, not key or value", path, f.Type)
		}
		if len(f.Filters) == 0 {
			return fmt.Errorf("vectorstore: %s: compound filter %q needs at least one filter", path, f.Type)
		}
		for i := range f.Filters {
			if err := f.Filters[i].validate(fmt.Sprintf("%s.filters[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case FilterEq, FilterNe, FilterGt, FilterGte, FilterLt, FilterLte, FilterIn, FilterNin:
	case "":
		return fmt.Errorf("vectorstore: %s: missing type (want eq, ne, gt, gte, lt, lte, in, nin, and or or)", path)
	default:
		return fmt.Errorf("vectorstore: %s: unknown type %q (want eq, ne, gt, gte, lt, lte, in, nin, and or or)", path, f.Type)
	}
	if len(f.Filters) != 0 {
		return fmt.Errorf("vectorstore: %s: comparison %q takes a key and a value, not filters", path, f.Type)
	}
	if f.Key == "" {
		return fmt.Errorf("vectorstore: %s: comparison %q needs a key", path, f.Type)
	}
	if f.Value == nil {
		return fmt.Errorf("vectorstore: %s.value: comparison %q needs a value", path, f.Type)
	}
	switch f.Type {
	case FilterEq, FilterNe:
		if !isScalar(f.Value) {
			return fmt.Errorf("vectorstore: %s.value: %q takes a string, number or bool, not %T", path, f.Type, f.Value)
		}
	case FilterGt, FilterGte, FilterLt, FilterLte:
		if _, ok := AsNumber(f.Value); ok {
			break
		}
		s, ok := f.Value.(string)
		if !ok {
			return fmt.Errorf("vectorstore: %s.value: %q takes a number or an RFC 3339 timestamp, not %T", path, f.Type, f.Value)
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("vectorstore: %s.value: %q on a string needs an RFC 3339 timestamp, got %q", path, f.Type, s)
		}
	case FilterIn, FilterNin:
		elems, ok := AsList(f.Value)
		if !ok {
			return fmt.Errorf("vectorstore: %s.value: %q takes an array, not %T", path, f.Type, f.Value)
		}
		if len(elems) == 0 {
			return fmt.Errorf("vectorstore: %s.value: %q needs a non-empty array", path, f.Type)
		}
		for i, e := range elems {
			if !isScalar(e) {
				return fmt.Errorf("vectorstore: %s.value[%d]: want a string, number or bool, not %T", path, i, e)
			}
		}
	}
	return nil
}

// Match reports whether attributes a satisfy f. A nil f matches everything.
// f must be valid (see [Filter.Validate]); an invalid part matches nothing.
func (f *Filter) Match(a Attributes) bool {
	if f == nil {
		return true
	}
	switch f.Type {
	case FilterAnd:
		for i := range f.Filters {
			if !f.Filters[i].Match(a) {
				return false
			}
		}
		return len(f.Filters) > 0
	case FilterOr:
		for i := range f.Filters {
			if f.Filters[i].Match(a) {
				return true
			}
		}
		return false
	}
	v, present := a[f.Key]
	switch f.Type {
	case FilterEq:
		return present && equalValues(v, f.Value)
	case FilterNe:
		return !present || !equalValues(v, f.Value)
	case FilterIn:
		return present && inValues(v, f.Value)
	case FilterNin:
		return !present || !inValues(v, f.Value)
	case FilterGt, FilterGte, FilterLt, FilterLte:
		if !present {
			return false
		}
		c, ok := compareValues(v, f.Value)
		if !ok {
			return false
		}
		switch f.Type {
		case FilterGt:
			return c > 0
		case FilterGte:
			return c >= 0
		case FilterLt:
			return c < 0
		default:
			return c <= 0
		}
	}
	return false
}

// String renders f as JSON, for errors and logs.
func (f Filter) String() string {
	b, err := json.Marshal(struct {
		Type    string   `json:"type"`
		Key     string   `json:"key,omitempty"`
		Value   any      `json:"value,omitempty"`
		Filters []Filter `json:"filters,omitempty"`
	}(f))
	if err != nil {
		return fmt.Sprintf("%+v", struct{ Type, Key string }{f.Type, f.Key})
	}
	return string(b)
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, bool:
		return true
	}
	_, ok := AsNumber(v)
	return ok
}

// AsList returns the elements of a filter value holding an array ([]any,
// []string, []float64, []int or []bool), as the in and nin filters accept;
// ok is false for anything else.
func AsList(v any) (elems []any, ok bool) {
	switch s := v.(type) {
	case []any:
		return s, true
	case []string:
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out, true
	case []float64:
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out, true
	case []int:
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out, true
	case []bool:
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out, true
	}
	return nil, false
}

func equalValues(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	x, ok1 := AsNumber(a)
	y, ok2 := AsNumber(b)
	return ok1 && ok2 && x == y
}

func inValues(v, list any) bool {
	elems, _ := AsList(list)
	for _, e := range elems {
		if equalValues(v, e) {
			return true
		}
	}
	return false
}

// compareValues orders attribute a against filter value b: numbers as
// float64, strings as RFC 3339 timestamps. ok is false when they do not
// compare.
func compareValues(a, b any) (c int, ok bool) {
	if bs, isStr := b.(string); isStr {
		as, isStr := a.(string)
		if !isStr {
			return 0, false
		}
		ta, err1 := time.Parse(time.RFC3339, as)
		tb, err2 := time.Parse(time.RFC3339, bs)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		return ta.Compare(tb), true
	}
	if _, isBool := a.(bool); isBool {
		return 0, false
	}
	if _, isStr := a.(string); isStr {
		return 0, false
	}
	x, ok1 := AsNumber(a)
	y, ok2 := AsNumber(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	switch {
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}
