package tools_test

import (
	"encoding/json"
	"testing"

	"github.com/agentloop/agentloop/tools"
)

func TestStrictCompatible(t *testing.T) {
	tests := []struct {
		name, schema string
		ok           bool
	}{
		{"closed", `{"type":"object","properties":{"a":{"type":"string","description":"A"}},"required":["a"],"additionalProperties":false}`, true},
		{"nested and nullable", `{"type":"object","properties":{"p":{"type":"object","properties":{"x":{"type":["number","null"],"minimum":0}},"required":["x"],"additionalProperties":false},"l":{"type":"array","items":{"type":"string","enum":["a","b"]},"maxItems":3}},"required":["p","l"],"additionalProperties":false}`, true},
		{"anyOf and defs", `{"type":"object","properties":{"v":{"anyOf":[{"$ref":"#/$defs/n"},{"type":"null"}]}},"required":["v"],"additionalProperties":false,"$defs":{"n":{"type":"integer"}}}`, true},
		{"empty object", `{"type":"object","properties":{},"required":[],"additionalProperties":false}`, true},
		{"open object", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`, false},
		{"optional property", `{"type":"object","properties":{"a":{"type":"string"}},"required":[],"additionalProperties":false}`, false},
		{"$schema", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{},"required":[],"additionalProperties":false}`, false},
		{"default", `{"type":"object","properties":{"a":{"type":"string","default":"x"}},"required":["a"],"additionalProperties":false}`, false},
		{"minLength", `{"type":"object","properties":{"a":{"type":"string","minLength":1}},"required":["a"],"additionalProperties":false}`, false},
		{"oneOf deep", `{"type":"object","properties":{"a":{"type":"array","items":{"oneOf":[{"type":"string"}]}}},"required":["a"],"additionalProperties":false}`, false},
		{"not an object", `{"type":"string"}`, false},
		{"invalid", `{`, false},
	}
	for _, tt := range tests {
		err := tools.StrictCompatible(json.RawMessage(tt.schema))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
