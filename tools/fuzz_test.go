package tools

import (
	"encoding/json"
	"testing"
)

// FuzzValidate checks that compiling any schema and validating any document
// never panics, and that a document the validator accepts for a reflected
// schema also decodes into the Go type.
func FuzzValidate(f *testing.F) {
	weather, err := SchemaFor[weatherArgs]()
	if err != nil {
		f.Fatal(err)
	}
	tree, err := SchemaFor[tree]()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(weather), `{"city":"Paris","unit":"c","days":3,"tags":["a"],"where":{"name":"x","lat":1}}`)
	f.Add(string(weather), `{"city":null}`)
	f.Add(string(tree), `{"name":"a","children":[{"name":"b","children":[]}]}`)
	f.Add(`{"$ref":"#"}`, `{}`)
	f.Add(`{"anyOf":[{"$ref":"#"}]}`, `1`)
	f.Add(`{"anyOf":[{"$ref":"#/$defs/a"}],"$defs":{"a":{"oneOf":[{"type":"integer"},{"enum":[1,"x",null]}]}}}`, `1`)
	f.Add(`{"type":"object","patternProperties":{"^a":{"minLength":1}},"additionalProperties":{"type":"array","items":false}}`, `{"a":"","b":[1]}`)
	wv, err := NewValidator(weather)
	if err != nil {
		f.Fatal(err)
	}
	lenient, err := NewValidator(weather)
	if err != nil {
		f.Fatal(err)
	}
	lenient.absentIsNull = true
	f.Fuzz(func(t *testing.T, schema, doc string) {
		if v, err := NewValidator(json.RawMessage(schema)); err == nil {
			x, perr := parseJSON([]byte(doc))
			if v.fastValid([]byte(doc)) && (perr != nil || v.check(x) != nil) {
				t.Errorf("fast check accepts what the full check rejects: %v", err)
			}
		}
		for _, v := range []*Validator{wv, lenient} {
			x, perr := parseJSON([]byte(doc))
			if v.fastValid([]byte(doc)) && (perr != nil || v.check(x) != nil) {
				t.Errorf("fast check accepts %s for weatherArgs", doc)
			}
		}
		if wv.Validate([]byte(doc)) == nil {
			var in weatherArgs
			if err := json.Unmarshal([]byte(doc), &in); err != nil {
				t.Errorf("validated document %s does not decode: %v", doc, err)
			}
		}
	})
}
