package vectorstore

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFilterMatch(t *testing.T) {
	attrs := Attributes{
		"lang":    "go",
		"year":    2021.0,
		"draft":   false,
		"stars":   7,
		"created": "2024-03-01T12:00:00Z",
	}
	tests := []struct {
		json string
		want bool
	}{
		{`{"type":"eq","key":"lang","value":"go"}`, true},
		{`{"type":"eq","key":"lang","value":"Go"}`, false},
		{`{"type":"eq","key":"year","value":2021}`, true},
		{`{"type":"eq","key":"stars","value":7.0}`, true},
		{`{"type":"eq","key":"draft","value":false}`, true},
		{`{"type":"eq","key":"draft","value":"false"}`, false},
		{`{"type":"eq","key":"missing","value":"x"}`, false},
		{`{"type":"ne","key":"lang","value":"go"}`, false},
		{`{"type":"ne","key":"lang","value":"rust"}`, true},
		{`{"type":"ne","key":"missing","value":"x"}`, true},
		{`{"type":"gt","key":"year","value":2020}`, true},
		{`{"type":"gt","key":"year","value":2021}`, false},
		{`{"type":"gte","key":"year","value":2021}`, true},
		{`{"type":"lt","key":"year","value":2021}`, false},
		{`{"type":"lte","key":"year","value":2021}`, true},
		{`{"type":"lt","key":"stars","value":7.5}`, true},
		{`{"type":"gt","key":"lang","value":1}`, false},
		{`{"type":"gt","key":"draft","value":0}`, false},
		{`{"type":"gt","key":"missing","value":0}`, false},
		{`{"type":"gt","key":"created","value":"2024-01-01T00:00:00Z"}`, true},
		{`{"type":"lt","key":"created","value":"2024-03-01T13:00:00+01:00"}`, false},
		{`{"type":"lte","key":"created","value":"2024-03-01T13:00:00+01:00"}`, true},
		{`{"type":"in","key":"lang","value":["rust","go"]}`, true},
		{`{"type":"in","key":"lang","value":["rust"]}`, false},
		{`{"type":"in","key":"year","value":[2020,2021]}`, true},
		{`{"type":"in","key":"missing","value":["x"]}`, false},
		{`{"type":"nin","key":"lang","value":["rust","go"]}`, false},
		{`{"type":"nin","key":"lang","value":["rust"]}`, true},
		{`{"type":"nin","key":"missing","value":["x"]}`, true},
		{`{"type":"and","filters":[{"type":"eq","key":"lang","value":"go"},{"type":"gte","key":"year","value":2021}]}`, true},
		{`{"type":"and","filters":[{"type":"eq","key":"lang","value":"go"},{"type":"gt","key":"year","value":2021}]}`, false},
		{`{"type":"or","filters":[{"type":"eq","key":"lang","value":"rust"},{"type":"eq","key":"draft","value":false}]}`, true},
		{`{"type":"or","filters":[{"type":"eq","key":"lang","value":"rust"},{"type":"eq","key":"draft","value":true}]}`, false},
		{`{"type":"or","filters":[{"type":"eq","key":"lang","value":"rust"},{"type":"and","filters":[{"type":"lt","key":"year","value":2022},{"type":"nin","key":"lang","value":["c"]}]}]}`, true},
	}
	for _, tt := range tests {
		var f Filter
		if err := json.Unmarshal([]byte(tt.json), &f); err != nil {
			t.Fatalf("Unmarshal(%s): %v", tt.json, err)
		}
		if got := f.Match(attrs); got != tt.want {
			t.Errorf("%s.Match = %v, want %v", tt.json, got, tt.want)
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(attrs) {
		t.Error("nil filter does not match")
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		json string
		want string // substring of the error
	}{
		{`{"type":"like","key":"a","value":"x"}`, `filter: unknown type "like"`},
		{`{"key":"a","value":"x"}`, `filter: missing type`},
		{`{"type":"eq","value":"x"}`, `needs a key`},
		{`{"type":"eq","key":"a"}`, `filter.value: comparison "eq" needs a value`},
		{`{"type":"eq","key":"a","value":[1]}`, `"eq" takes a string, number or bool`},
		{`{"type":"gt","key":"a","value":"yesterday"}`, `needs an RFC 3339 timestamp, got "yesterday"`},
		{`{"type":"gt","key":"a","value":true}`, `takes a number or an RFC 3339 timestamp`},
		{`{"type":"in","key":"a","value":"x"}`, `"in" takes an array`},
		{`{"type":"nin","key":"a","value":[]}`, `needs a non-empty array`},
		{`{"type":"in","key":"a","value":[{"x":1}]}`, `filter.value[0]: want a string`},
		{`{"type":"and","filters":[]}`, `needs at least one filter`},
		{`{"type":"or","key":"a","filters":[{"type":"eq","key":"a","value":1}]}`, `takes filters, not key or value`},
		{`{"type":"and","filters":[{"type":"eq","key":"a","value":1},{"type":"ne","key":"b"}]}`, `filter.filters[1].value`},
		{`{"type":"eq","key":"a","value":1,"extra":2}`, `unknown field "extra"`},
		{`{"type":"eq","key":"a","value":1,"filters":[{"type":"eq","key":"a","value":1}]}`, `not filters`},
	}
	for _, tt := range tests {
		var f Filter
		err := json.Unmarshal([]byte(tt.json), &f)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Unmarshal(%s) = %v, want error containing %q", tt.json, err, tt.want)
		}
	}
	deep := `{"type":"eq","key":"a","value":1}`
	for range maxFilterDepth + 2 {
		deep = `{"type":"and","filters":[` + deep + `]}`
	}
	var f Filter
	if err := json.Unmarshal([]byte(deep), &f); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("deep filter: %v", err)
	}
}

func TestFilterGoValues(t *testing.T) {
	f := &Filter{Type: FilterIn, Key: "n", Value: []int{1, 2, 3}}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if !f.Match(Attributes{"n": int64(2)}) {
		t.Error("in []int does not match int64 2")
	}
	bad := &Filter{Type: FilterEq, Key: "n", Value: struct{}{}}
	if err := bad.Validate(); err == nil {
		t.Error("struct value accepted")
	}
	got := Filter{Type: FilterEq, Key: "a", Value: "b"}.String()
	if diff := cmp.Diff(`{"type":"eq","key":"a","value":"b"}`, got); diff != "" {
		t.Error(diff)
	}
}

func TestAttributesValidate(t *testing.T) {
	many := Attributes{}
	for i := range 17 {
		many[string(rune('a'+i))] = i
	}
	tests := []struct {
		attrs Attributes
		want  string
	}{
		{nil, ""},
		{Attributes{"s": "x", "n": 1, "f": 2.5, "b": true, "u": uint8(3)}, ""},
		{many, "17 attributes, at most 16"},
		{Attributes{"": 1}, "empty key"},
		{Attributes{strings.Repeat("k", 65): 1}, "65 characters, at most 64"},
		{Attributes{"s": strings.Repeat("é", 513)}, `attribute "s": string value is 513 characters`},
		{Attributes{"l": []string{"a"}}, `attribute "l": value of type []string`},
		{Attributes{"n": nil}, `attribute "n": value of type <nil>`},
	}
	for _, tt := range tests {
		err := tt.attrs.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("Validate(%v) = %v", tt.attrs, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%v) = %v, want %q", tt.attrs, err, tt.want)
		}
	}
	got := Attributes{"n": 3, "s": "x"}.normalized()
	if diff := cmp.Diff(Attributes{"n": 3.0, "s": "x"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestSearchRequestValidate(t *testing.T) {
	ok := SearchRequest{StoreIDs: []string{"s"}, Queries: []Query{{Text: "q"}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mod  func(*SearchRequest)
		want string
	}{
		{func(r *SearchRequest) { r.StoreIDs = nil }, "without a store ID"},
		{func(r *SearchRequest) { r.Queries = nil }, "without a query"},
		{func(r *SearchRequest) { r.Queries = []Query{{}} }, "neither text nor vector"},
		{func(r *SearchRequest) { r.Limit = 51 }, "limit 51 out of range 1..50"},
		{func(r *SearchRequest) { r.ScoreThreshold = 1.5 }, "score threshold 1.5"},
		{func(r *SearchRequest) { r.TextWeight = -1 }, "non-negative"},
		{func(r *SearchRequest) { r.Filter = &Filter{Type: "eq"} }, "needs a key"},
	}
	for _, tt := range tests {
		r := ok
		tt.mod(&r)
		err := r.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want ErrInvalid containing %q", err, tt.want)
		}
	}
}

func TestChunkID(t *testing.T) {
	a := ChunkID("s", "f", 1)
	if len(a) != 36 || a[14] != '8' {
		t.Errorf("ChunkID = %q, want a version-8 UUID", a)
	}
	if a == ChunkID("s", "f", 2) || a == ChunkID("sf", "", 1) {
		t.Error("ChunkID collides")
	}
	if a != ChunkID("s", "f", 1) {
		t.Error("ChunkID not deterministic")
	}
}
