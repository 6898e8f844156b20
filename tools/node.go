package tools

import (
	"bytes"
	"encoding/json"
	"slices"
)

// node is a JSON schema in the subset this package emits, written with its
// keys in a fixed order and object properties in declaration order.
type node struct {
	ref         string // written alone: a $ref has no siblings
	types       []string
	description string
	enum        []any // nil: no enum
	hasConst    bool
	constVal    any
	format      string
	pattern     string
	minLength   *uint64
	maxLength   *uint64

	minimum, exclusiveMinimum, maximum, exclusiveMaximum, multipleOf json.Number

	items    *node
	minItems *uint64
	maxItems *uint64

	object       bool // an object: properties and required are written
	props        []property
	patternProps []property
	required     []string
	additional   *node // nil: absent; a never node is written false

	anyOf []*node
	extra []rawProperty // kept keywords, non-strict only
	defs  []property    // root only
	never bool          // the schema false
}

type property struct {
	name   string
	schema *node
}

type rawProperty struct {
	name  string
	value json.RawMessage
}

func (n *node) addExtra(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	n.extra = append(n.extra, rawProperty{name, b})
}

// isNull reports whether n is exactly {"type":"null"}.
func (n *node) isNull() bool {
	return len(n.types) == 1 && n.types[0] == "null" && n.ref == "" && n.enum == nil &&
		!n.hasConst && !n.object && n.items == nil && n.anyOf == nil
}

// acceptsNull reports whether null is valid for n, as far as nullable cares.
func (n *node) acceptsNull() bool {
	if n.ref != "" {
		return false
	}
	if slices.Contains(n.types, "null") {
		return true
	}
	for _, b := range n.anyOf {
		if b.acceptsNull() {
			return true
		}
	}
	// An empty schema accepts anything.
	return len(n.types) == 0 && len(n.anyOf) == 0 && n.enum == nil && !n.hasConst && !n.object && !n.never
}

// withDescription returns a copy of n described by d.
func withDescription(n *node, d string) *node {
	m := *n
	m.description = d
	return &m
}

// nullable returns n made to accept null: "null" joins the type (and the
// enum) of a scalar; anything else is wrapped in an anyOf with
// {"type":"null"}, which carries the description.
func nullable(n *node) *node {
	if n.acceptsNull() {
		return n
	}
	scalar := n.ref == "" && len(n.anyOf) == 0 && len(n.types) > 0 &&
		!slices.Contains(n.types, "object") && !slices.Contains(n.types, "array")
	if scalar {
		m := *n
		m.types = append(slices.Clone(n.types), "null")
		if m.hasConst {
			m.enum, m.hasConst, m.constVal = []any{n.constVal}, false, nil
		}
		if m.enum != nil {
			m.enum = append(slices.Clone(m.enum), nil)
		}
		return &m
	}
	onlyAnyOf := n.ref == "" && len(n.types) == 0 && n.enum == nil && !n.hasConst && !n.object && n.items == nil
	if onlyAnyOf && len(n.anyOf) > 0 {
		m := *n
		m.anyOf = append(slices.Clone(n.anyOf), &node{types: []string{"null"}})
		return &m
	}
	inner := *n
	inner.description = ""
	return &node{description: n.description, anyOf: []*node{&inner, {types: []string{"null"}}}}
}

// write appends n's JSON encoding to w.
func (n *node) write(w *bytes.Buffer) {
	if n.never {
		w.WriteString("false")
		return
	}
	if n.ref != "" {
		w.WriteString(`{"$ref":`)
		writeJSON(w, n.ref)
		w.WriteByte('}')
		return
	}
	first := true
	key := func(k string) {
		if first {
			w.WriteByte('{')
			first = false
		} else {
			w.WriteByte(',')
		}
		writeJSON(w, k)
		w.WriteByte(':')
	}
	switch len(n.types) {
	case 0:
	case 1:
		key("type")
		writeJSON(w, n.types[0])
	default:
		key("type")
		writeJSON(w, n.types)
	}
	if n.description != "" {
		key("description")
		writeJSON(w, n.description)
	}
	if n.enum != nil {
		key("enum")
		writeJSON(w, n.enum)
	}
	if n.hasConst {
		key("const")
		writeJSON(w, n.constVal)
	}
	for _, kv := range []struct {
		k string
		v string
	}{{"format", n.format}, {"pattern", n.pattern}} {
		if kv.v != "" {
			key(kv.k)
			writeJSON(w, kv.v)
		}
	}
	uints := func(pairs ...any) {
		for i := 0; i < len(pairs); i += 2 {
			if v := pairs[i+1].(*uint64); v != nil {
				key(pairs[i].(string))
				writeJSON(w, *v)
			}
		}
	}
	uints("minLength", n.minLength, "maxLength", n.maxLength)
	for _, kv := range []struct {
		k string
		v json.Number
	}{{"minimum", n.minimum}, {"exclusiveMinimum", n.exclusiveMinimum}, {"maximum", n.maximum},
		{"exclusiveMaximum", n.exclusiveMaximum}, {"multipleOf", n.multipleOf}} {
		if kv.v != "" {
			key(kv.k)
			w.WriteString(string(kv.v))
		}
	}
	if n.items != nil {
		key("items")
		n.items.write(w)
	}
	uints("minItems", n.minItems, "maxItems", n.maxItems)
	isMap := n.additional != nil && !n.additional.never || len(n.patternProps) > 0
	if n.object && (len(n.props) > 0 || !isMap) {
		key("properties")
		writeProps(w, n.props)
		key("required")
		if n.required == nil {
			w.WriteString("[]")
		} else {
			writeJSON(w, n.required)
		}
	}
	if len(n.patternProps) > 0 {
		key("patternProperties")
		writeProps(w, n.patternProps)
	}
	if n.additional != nil {
		key("additionalProperties")
		n.additional.write(w)
	}
	if len(n.anyOf) > 0 {
		key("anyOf")
		w.WriteByte('[')
		for i, b := range n.anyOf {
			if i > 0 {
				w.WriteByte(',')
			}
			b.write(w)
		}
		w.WriteByte(']')
	}
	for _, e := range n.extra {
		key(e.name)
		w.Write(e.value)
	}
	if len(n.defs) > 0 {
		key("$defs")
		writeProps(w, n.defs)
	}
	if first {
		w.WriteString("{}")
		return
	}
	w.WriteByte('}')
}

func writeProps(w *bytes.Buffer, props []property) {
	w.WriteByte('{')
	for i, p := range props {
		if i > 0 {
			w.WriteByte(',')
		}
		writeJSON(w, p.name)
		w.WriteByte(':')
		p.schema.write(w)
	}
	w.WriteByte('}')
}

// writeJSON writes v as JSON without HTML escaping.
func writeJSON(w *bytes.Buffer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		w.WriteString("null")
		return
	}
	// Encode adds a newline.
	w.Truncate(w.Len() - 1)
}
