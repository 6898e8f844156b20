package tools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidator(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		doc    string
		want   string // the error, "" for none
	}{
		{"any", `{}`, `[1,{"a":null}]`, ""},
		{"false", `{"type":"object","properties":{"a":false}}`, `{"a":1}`, "$.a: no value is allowed here"},
		{"type list", `{"type":["string","null"]}`, `null`, ""},
		{"type list mismatch", `{"type":["string","null"]}`, `true`, "$: expected string or null, got boolean true"},
		{"integer accepts 2.0", `{"type":"integer"}`, `2.0`, ""},
		{"number accepts integers", `{"type":"number"}`, `2`, ""},
		{"const", `{"const":"x"}`, `"y"`, `$: expected "x", got "y"`},
		{"enum of numbers", `{"enum":[1,2.5]}`, `2.5`, ""},
		{"enum of objects", `{"enum":[{"a":1}]}`, `{"a":1}`, ""},
		{"minimum", `{"minimum":1,"maximum":3}`, `4`, "$: 4 is greater than the maximum 3"},
		{"exclusive", `{"exclusiveMinimum":0,"exclusiveMaximum":1}`, `0`, "$: 0 must be greater than 0"},
		{"multipleOf", `{"multipleOf":0.5}`, `1.25`, "$: 1.25 is not a multiple of 0.5"},
		{"items bounds", `{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}`, `[1]`, "$: 1 items, fewer than the minimum 2"},
		{"item path", `{"type":"array","items":{"type":"object","properties":{"a b":{"type":"string"}}}}`, `[{},{"a b":1}]`, `$[1]["a b"]: expected string, got number 1`},
		{"string length", `{"minLength":2,"maxLength":3}`, `"héllo"`, "$: 5 characters, more than the maximum 3"},
		{"pattern", `{"pattern":"^[a-z]+$"}`, `"abc1"`, `$: "abc1" does not match the pattern "^[a-z]+$"`},
		{"date-time", `{"type":"string","format":"date-time"}`, `"2025-01-31"`, `$: "2025-01-31" is not an RFC 3339 date-time such as "2025-01-31T09:30:00Z"`},
		{"date-time ok", `{"type":"string","format":"date-time"}`, `"2025-01-31T09:30:00.5+01:00"`, ""},
		{"anyOf picks the branch of the value's type", `{"anyOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"type":"null"}]}`, `{}`, `$: missing required property "a"`},
		{"anyOf type mismatch", `{"anyOf":[{"type":"object"},{"type":"null"}]}`, `"x"`, `$: expected object or null, got string "x"`},
		{"anyOf several branches", `{"anyOf":[{"type":"string","pattern":"^a"},{"type":"string","pattern":"^b"}]}`, `"c"`, `$: "c" matches none of the anyOf schemas`},
		{"anyOf ok", `{"anyOf":[{"type":"string","pattern":"^a"},{"type":"string","pattern":"^b"}]}`, `"b"`, ""},
		{"oneOf", `{"oneOf":[{"type":"integer"},{"type":"number"}]}`, `1`, "$: matches 2 of the oneOf schemas, not exactly one"},
		{"allOf", `{"allOf":[{"minimum":1},{"maximum":2}]}`, `3`, "$: 3 is greater than the maximum 2"},
		{"ref to defs", `{"type":"object","properties":{"n":{"$ref":"#/$defs/n"}},"$defs":{"n":{"type":"integer"}}}`, `{"n":"x"}`, `$.n: expected integer, got string "x"`},
		{"recursive root", `{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}},"required":["kids"],"additionalProperties":false}`,
			`{"kids":[{"kids":[{"kids":[{}]}]}]}`, `$.kids[0].kids[0].kids[0]: missing required property "kids"`},
		{"additionalProperties schema", `{"type":"object","additionalProperties":{"type":"integer"}}`, `{"a":1,"b":"x"}`, `$.b: expected integer, got string "x"`},
		{"patternProperties", `{"type":"object","patternProperties":{"^[0-9]+$":{"type":"string"}},"additionalProperties":false}`, `{"1":"a","x":"b"}`, `$: unknown property "x" (allowed: )`},
		{"required not declared", `{"type":"object","required":["z"]}`, `{}`, `$: missing required property "z"`},
		{"not JSON", `{}`, `{"a":}`, `not valid JSON: invalid character '}' looking for beginning of value at byte 5, near "{\"a\":}"`},
		{"empty", `{}`, ``, `not valid JSON: unexpected end of JSON input (the document is truncated: "")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewValidator(json.RawMessage(tc.schema))
			if err != nil {
				t.Fatal(err)
			}
			err = v.Validate([]byte(tc.doc))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate(%s) (-want +got):\n%s", tc.doc, diff)
			}
		})
	}
}

func TestValidatorProblemLimit(t *testing.T) {
	v, err := NewValidator(json.RawMessage(`{"type":"array","items":{"type":"string"}}`))
	if err != nil {
		t.Fatal(err)
	}
	err = v.Validate([]byte(`[` + strings.Repeat(`1,`, 20) + `1]`))
	if err == nil || !strings.HasPrefix(err.Error(), "11 problems: $[0]: expected string, got number 1;") ||
		!strings.HasSuffix(err.Error(), "; (more problems not shown)") {
		t.Errorf("error = %v", err)
	}
}

func TestValidatorBudget(t *testing.T) {
	// Both branches fit every level and the first always fails: 2^depth
	// tries without the budget.
	v, err := NewValidator(json.RawMessage(`{"anyOf":[
		{"type":"array","items":{"$ref":"#"},"minItems":2},
		{"type":"array","items":{"$ref":"#"},"minItems":2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	err = v.Validate([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "too complex to check") {
		t.Errorf("error = %v", err)
	}
	deep := strings.Repeat("[", 3000) + strings.Repeat("]", 3000)
	v, err = NewValidator(json.RawMessage(`{"type":"array","items":{"$ref":"#"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate([]byte(deep)); err == nil || !strings.Contains(err.Error(), "the document nests too deeply to check") {
		t.Errorf("deep document: %v", err)
	}
}

func TestNewValidatorErrors(t *testing.T) {
	tests := []struct{ schema, want string }{
		{`{`, "tools: schema is not valid JSON"},
		{`[]`, "tools: schema: #: a schema must be an object or a boolean"},
		{`{"type":"text"}`, `tools: schema: #: unknown type "text"`},
		{`{"type":1}`, `tools: schema: #: malformed "type"`},
		{`{"properties":{"a":{"minItems":-1}}}`, `tools: schema: #/properties/a: malformed "minItems"`},
		{`{"pattern":"(?<x"}`, `tools: schema: #: pattern "(?<x"`},
		{`{"$ref":"http://x/y"}`, `unsupported reference "http://x/y"`},
		{`{"$ref":"#/definitions/missing"}`, `reference "#/definitions/missing" does not resolve`},
		{`{"anyOf":[{"type":"string"},{"$ref":"#"}]}`, `a $ref loops back without descending into the document`},
		{`{"$ref":"#/$defs/a","$defs":{"a":{"allOf":[{"$ref":"#/$defs/b"}]},"b":{"oneOf":[{"$ref":"#/$defs/a"}]}}}`, `a $ref loops back`},
	}
	for _, tc := range tests {
		_, err := NewValidator(json.RawMessage(tc.schema))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewValidator(%s) = %v, want %q", tc.schema, err, tc.want)
		}
	}
}

func TestRecursiveToolCall(t *testing.T) {
	tool, err := NewFunc("count", "", func(_ context.Context, in tree) (int, error) {
		var count func(tree) int
		count = func(t tree) int {
			n := 1
			for _, c := range t.Children {
				n += count(c)
			}
			return n
		}
		return count(in), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tool.Call(t.Context(), `{"name":"a","children":[{"name":"b","children":[]},{"name":"c","children":[{"name":"d","children":[]}]}]}`)
	if err != nil || out.Text != "4" {
		t.Errorf("Call = %q, %v", out.Text, err)
	}
	_, err = tool.Call(t.Context(), `{"name":"a","children":[{"name":"b"}]}`)
	if err == nil || err.Error() != `invalid arguments for tool count: $.children[0]: missing required property "children"` {
		t.Errorf("Call error = %v", err)
	}
}

func TestSchemaNestingLimit(t *testing.T) {
	type l10 struct {
		X int `json:"x"`
	}
	type l9 struct{ N l10 }
	type l8 struct{ N l9 }
	type l7 struct{ N l8 }
	type l6 struct{ N l7 }
	type l5 struct{ N l6 }
	type l4 struct{ N l5 }
	type l3 struct{ N l4 }
	type l2 struct{ N l3 }
	type l1 struct{ N l2 }
	if _, err := SchemaFor[l1](); err != nil {
		t.Errorf("10 levels: %v", err)
	}
	type l0 struct{ N l1 }
	if _, err := SchemaFor[l0](); err == nil || !strings.Contains(err.Error(), "objects nest 11 levels deep, more than the 10 strict mode allows") {
		t.Errorf("11 levels: %v", err)
	}
}

// TestFastValid checks that the one-pass check accepts the usual arguments
// (so Call stays fast) and leaves the unusual ones to the full check.
func TestFastValid(t *testing.T) {
	weather, err := SchemaFor[weatherArgs]()
	if err != nil {
		t.Fatal(err)
	}
	custom, err := SchemaFor[customArgs]()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		schema json.RawMessage
		doc    string
		fast   bool // fastValid's answer
		valid  bool // the full check's
	}{
		{weather, `{"city":"Paris","unit":"c","days":3,"tags":["a","b"],"where":null}`, true, true},
		{weather, " {\n\"where\" : {\"lat\":-1.5e3,\"name\":\"x\"} , \"city\":\"\\u00e9\",\"unit\":null,\"days\":null,\"tags\":[]}\t", true, true},
		{weather, `{"city":"Paris","unit":"c","days":3,"tags":null,"where":null,"x":1}`, false, false},
		{weather, `{"city":"Paris","unit":"k","days":3,"tags":null,"where":null}`, false, false},
		{weather, `{"city":"Paris","unit":"c","days":3.5,"tags":null,"where":null}`, false, false},
		{weather, `{"city":"Paris","unit":"c","days":3,"tags":null,"where":null}x`, false, false},
		{weather, `{"city":"Paris","unit":"\u0063","days":3,"tags":null,"where":null}`, false, true}, // escaped enum value
		{weather, `{"ci\u0074y":"Paris","unit":"c","days":3,"tags":null,"where":null}`, false, true}, // escaped key
		{weather, `{"city":"Paris","unit":"c","days":01,"tags":null,"where":null}`, false, false},
		{weather, `{"city":"Paris","unit":"c","days":1e400,"tags":null,"where":null}`, false, false},
		{custom, `{"id":"0a0b0c0d","ids":[],"n":1,"level":"high","maybe":null,"ip":"10.0.0.1"}`, true, true},
		{json.RawMessage(`{"type":"string","format":"date-time"}`), `"2025-01-31T09:30:00Z"`, true, true},
		{json.RawMessage(`{"type":"string","format":"date-time"}`), `"2025-01-31"`, false, false},
		{json.RawMessage(`{"type":"string","maxLength":2}`), `"éé"`, true, true},
		{json.RawMessage(`{"type":"string","maxLength":2}`), `"ééé"`, false, false},
		{json.RawMessage(`{"enum":[{"a":1}]}`), `{"a":1}`, false, true},
		{json.RawMessage(`{"type":"object","required":["z"]}`), `{"z":1}`, false, true},
		{json.RawMessage(`{"type":"object","patternProperties":{"^a":{"type":"integer"}},"additionalProperties":false}`), `{"ab":1}`, true, true},
		{json.RawMessage(`{"anyOf":[{"type":"integer"},{"type":"string"}]}`), `"x"`, true, true},
		{json.RawMessage(`{"oneOf":[{"type":"integer"},{"type":"number"}]}`), `1`, false, false},
	}
	for _, tc := range tests {
		v, err := NewValidator(tc.schema)
		if err != nil {
			t.Fatal(err)
		}
		fast := v.fastValid([]byte(tc.doc))
		x, err := parseJSON([]byte(tc.doc))
		valid := err == nil && v.check(x) == nil
		if fast != tc.fast || valid != tc.valid {
			t.Errorf("%s: fastValid = %v, Validate ok = %v; want %v, %v", tc.doc, fast, valid, tc.fast, tc.valid)
		}
	}
}
