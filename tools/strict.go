package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// strictKeywords are the schema keywords strict mode accepts.
var strictKeywords = []string{
	"$defs", "$ref", "additionalProperties", "anyOf", "const", "definitions", "description", "enum",
	"exclusiveMaximum", "exclusiveMinimum", "format", "items", "maxItems", "maximum", "minItems", "minimum",
	"multipleOf", "pattern", "properties", "required", "title", "type",
}

// StrictCompatible reports, with nil, whether a hand-written or foreign
// JSON schema, such as an MCP server's input schema, can be sent in strict
// mode as it is: an object schema at the root, every object with
// "additionalProperties": false and every property in "required" (the
// rules [NewFuncRaw] checks), and no keyword strict mode refuses (such as
// minLength, oneOf, default or $schema). The error names the first
// problem. A schema that is not strict-compatible is sent with strict off:
// the model is then not bound to it.
func StrictCompatible(schema json.RawMessage) error {
	var doc any
	if err := json.Unmarshal(schema, &doc); err != nil {
		return fmt.Errorf("tools: schema is not valid JSON: %w", err)
	}
	root, _ := doc.(map[string]any)
	if root == nil || root["type"] != "object" {
		return fmt.Errorf(`tools: the root is not an object schema ({"type":"object",…})`)
	}
	if err := checkStrict(doc, "$"); err != nil {
		return fmt.Errorf("tools: %w", err)
	}
	return strictKeywordsOnly(doc, "$")
}

// strictKeywordsOnly checks that every schema under s uses only
// strictKeywords.
func strictKeywordsOnly(s any, path string) error {
	m, ok := s.(map[string]any)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(strictKeywords, k) {
			return fmt.Errorf("tools: %s: strict mode does not accept the keyword %q", path, k)
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := strictKeywordsOnly(props[name], path+"."+name); err != nil {
				return err
			}
		}
	}
	if err := strictKeywordsOnly(m["items"], path+"[]"); err != nil {
		return err
	}
	if ap, ok := m["additionalProperties"].(map[string]any); ok {
		if err := strictKeywordsOnly(ap, path+".*"); err != nil {
			return err
		}
	}
	for _, k := range []string{"anyOf", "$defs", "definitions"} {
		switch list := m[k].(type) {
		case []any:
			for i, b := range list {
				if err := strictKeywordsOnly(b, fmt.Sprintf("%s.%s[%d]", path, k, i)); err != nil {
					return err
				}
			}
		case map[string]any:
			for name, b := range list {
				if err := strictKeywordsOnly(b, k+"."+name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
