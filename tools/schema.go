package tools

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

// SchemaFor returns the strict-mode JSON schema of T. See [Schema].
func SchemaFor[T any]() (json.RawMessage, error) {
	return Schema(reflect.TypeFor[T]())
}

// Schema returns the JSON schema of t, shaped for OpenAI strict mode, the
// schema [NewFunc] sends for a function's arguments and agent.OutputOf sends
// for structured output.
//
// t must be a struct (or a pointer to one): the root of a strict schema is an
// object. The schema is reflected with github.com/invopop/jsonschema from the
// json struct tags, with descriptions and enums from `jsonschema` tags
// (`jsonschema:"description=City name,enum=c,enum=f"`) or a
// `jsonschema_description` tag, then rewritten for strict mode:
//
//   - Every object has "additionalProperties": false and lists every property
//     in "required".
//   - A field is optional when its type is a pointer, or its json tag has
//     omitempty or omitzero, or its jsonschema tag has nullable or optional
//     (`jsonschema:"optional,description=…"`); a jsonschema tag "required"
//     makes it mandatory again. An optional field accepts null:
//     "type": ["string", "null"] for a scalar (null joins its enum), an
//     "anyOf" with {"type": "null"} for an object, an array or a reference. A
//     null argument leaves the Go field at its zero value (nil for a
//     pointer).
//   - oneOf becomes anyOf, a single-entry allOf is inlined, titles, defaults,
//     examples and other annotations are dropped, and there is no "$schema"
//     or "$id".
//   - time.Time is a string with format date-time, json.Number a number, and
//     a type that decodes from text with encoding.TextUnmarshaler (but not
//     json.Unmarshaler) a string. time.Duration is an integer of
//     nanoseconds.
//   - Types are inlined; a recursive type is described once under "$defs"
//     and referred to with "$ref" ("#" for the root type itself).
//
// Schema returns an error, naming the field, for what strict mode cannot
// express: maps (use a slice of key/value structs instead, or build the tool
// with WithStrict(false)), interface and json.RawMessage fields, keywords
// strict mode does not support (minLength, maxLength, uniqueItems,
// patternProperties, formats other than date-time, date, time, duration,
// email, hostname, ipv4, ipv6 and uuid, …), and Go types JSON cannot carry
// (channels, functions, complex numbers).
//
// Schema reflects t on every call and keeps nothing: call it once and keep
// the result.
func Schema(t reflect.Type) (json.RawMessage, error) {
	b, err := buildSchema(t, true)
	if err != nil {
		return nil, fmt.Errorf("tools: schema for %v: %w", t, err)
	}
	return b, nil
}

// strictFormats are the string formats strict mode accepts.
var strictFormats = []string{"date-time", "date", "time", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}

// buildSchema reflects t into a schema: strict-mode safe when strict is set,
// otherwise the same rewrite with optional fields left out of "required",
// and maps and extra keywords kept.
func buildSchema(t reflect.Type, strict bool) (out json.RawMessage, err error) {
	if t == nil {
		return nil, errors.New("nil type")
	}
	root := t
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	switch {
	case root.Kind() == reflect.Struct && root != timeType:
	case root.Kind() == reflect.Map && !strict:
	default:
		return nil, fmt.Errorf("%v is not a struct: the root of the schema must be a JSON object", t)
	}

	defer func() {
		// The reflector panics on types it cannot describe (chan, func,
		// complex).
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("cannot reflect a schema: %v", r)
		}
	}()

	names := map[reflect.Type]string{}
	types := map[string]reflect.Type{}
	r := &jsonschema.Reflector{
		Anonymous:                 true,
		AllowAdditionalProperties: false,
		DoNotReference:            !recursive(root, map[reflect.Type]int{}),
		ExpandedStruct:            true,
		Mapper:                    mapType,
		Namer: func(t reflect.Type) string {
			if t.Name() == "" {
				return ""
			}
			if n, ok := names[t]; ok {
				return n
			}
			base := defName(t.Name())
			n := base
			for i := 2; types[n] != nil; i++ {
				n = base + strconv.Itoa(i)
			}
			names[t], types[n] = n, t
			return n
		},
	}
	s := r.ReflectFromType(root)
	c := &converter{
		strict:   strict,
		defs:     s.Definitions,
		defTypes: types,
		rootName: names[root],
		outDefs:  map[string]*node{},
	}
	if r.DoNotReference {
		c.defs = nil
	}
	c.cyclic = cyclicDefs(c.defs, c.rootName)
	n, err := c.convert(s, root, "$")
	if err != nil {
		return nil, err
	}
	if strict && (len(n.types) != 1 || n.types[0] != "object") {
		return nil, errors.New("the root of a strict schema must be an object")
	}
	for _, name := range c.defOrder {
		n.defs = append(n.defs, property{name, c.outDefs[name]})
	}
	if strict {
		if err := checkLimits(n); err != nil {
			return nil, err
		}
	}
	var w bytes.Buffer
	n.write(&w)
	return w.Bytes(), nil
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	ipType              = reflect.TypeFor[net.IP]()
	numberType          = reflect.TypeFor[json.Number]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// mapType describes the types whose JSON form is not their Go kind's:
// json.Number is a number, and a type that decodes from text (through
// encoding.TextUnmarshaler, not json.Unmarshaler), such as a UUID held in a
// byte array, is a string.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch {
	case t == numberType:
		return &jsonschema.Schema{Type: "number"}
	case t == timeType || t == ipType || t.Kind() == reflect.String:
		return nil
	}
	p := reflect.PointerTo(t)
	if p.Implements(textUnmarshalerType) && !p.Implements(jsonUnmarshalerType) {
		return &jsonschema.Schema{Type: "string"}
	}
	return nil
}

// defName makes a type name usable in a "$defs" key and a JSON pointer.
func defName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !isNameByte(c) || c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

// recursive reports whether a struct type reachable from t contains itself.
// state: 1 while a type is on the walk's stack, 2 when done.
func recursive(t reflect.Type, state map[reflect.Type]int) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return recursive(t.Elem(), state)
	case reflect.Struct:
		switch state[t] {
		case 1:
			return true
		case 2:
			return false
		}
		state[t] = 1
		for i := range t.NumField() {
			f := t.Field(i)
			if (f.IsExported() || f.Anonymous) && recursive(f.Type, state) {
				return true
			}
		}
		state[t] = 2
	}
	return false
}

// cyclicDefs returns the definitions that can reach themselves through
// references. References to the root are not followed: they become "#".
func cyclicDefs(defs jsonschema.Definitions, root string) map[string]bool {
	edges := map[string][]string{}
	for name, s := range defs {
		var refs []string
		collectRefs(s, &refs)
		edges[name] = refs
	}
	cyclic := map[string]bool{}
	for name := range defs {
		seen := map[string]bool{}
		stack := slices.Clone(edges[name])
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == name {
				cyclic[name] = true
				break
			}
			if seen[n] || n == root {
				continue
			}
			seen[n] = true
			stack = append(stack, edges[n]...)
		}
	}
	return cyclic
}

func collectRefs(s *jsonschema.Schema, refs *[]string) {
	if s == nil {
		return
	}
	if name, ok := strings.CutPrefix(s.Ref, "#/$defs/"); ok {
		*refs = append(*refs, name)
	}
	for _, sub := range subschemas(s) {
		collectRefs(sub, refs)
	}
}

func subschemas(s *jsonschema.Schema) []*jsonschema.Schema {
	subs := []*jsonschema.Schema{s.Items, s.AdditionalProperties, s.Not, s.If, s.Then, s.Else,
		s.Contains, s.PropertyNames, s.ContentSchema}
	subs = append(subs, s.AllOf...)
	subs = append(subs, s.AnyOf...)
	subs = append(subs, s.OneOf...)
	subs = append(subs, s.PrefixItems...)
	if s.Properties != nil {
		for _, p := range s.Properties.FromOldest() {
			subs = append(subs, p)
		}
	}
	for _, p := range s.PatternProperties {
		subs = append(subs, p)
	}
	for _, p := range s.DependentSchemas {
		subs = append(subs, p)
	}
	return subs
}

// fieldInfo is what the schema needs to know of a struct field beyond what
// the reflector reports.
type fieldInfo struct {
	typ      reflect.Type
	optional bool
	depth    int
}

// fieldsOf returns the JSON properties of struct t, with embedded structs'
// fields promoted, following the rules of encoding/json and the reflector.
func fieldsOf(t reflect.Type) map[string]fieldInfo {
	m := map[string]fieldInfo{}
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		if depth > 16 {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			jt := strings.Split(f.Tag.Get("json"), ",")
			st := strings.Split(f.Tag.Get("jsonschema"), ",")
			if jt[0] == "-" || st[0] == "-" {
				continue
			}
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if (f.Anonymous && jt[0] == "" || slices.Contains(jt[1:], "inline")) && et.Kind() == reflect.Struct {
				walk(et, depth+1)
				continue
			}
			if !f.Anonymous && !f.IsExported() {
				continue
			}
			name := f.Name
			if jt[0] != "" {
				name = jt[0]
			}
			optional := f.Type.Kind() == reflect.Pointer || slices.Contains(jt[1:], "omitempty") ||
				slices.Contains(jt[1:], "omitzero") || slices.Contains(st, "nullable") ||
				slices.Contains(st, "optional")
			if slices.Contains(st, "required") {
				optional = false
			}
			if prev, ok := m[name]; ok && prev.depth <= depth {
				continue
			}
			m[name] = fieldInfo{typ: f.Type, optional: optional, depth: depth}
		}
	}
	walk(t, 0)
	return m
}

// converter rewrites the reflector's schema into a node tree.
type converter struct {
	strict   bool
	defs     jsonschema.Definitions
	defTypes map[string]reflect.Type
	rootName string
	cyclic   map[string]bool
	outDefs  map[string]*node
	defOrder []string
}

func isBool(s *jsonschema.Schema) (value, ok bool) {
	switch s {
	case jsonschema.TrueSchema:
		return true, true
	case jsonschema.FalseSchema:
		return false, true
	}
	return false, false
}

func (c *converter) convert(s *jsonschema.Schema, t reflect.Type, path string) (*node, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Map && c.strict {
		return nil, fmt.Errorf("%s: map type %v: strict mode allows no free-form keys (additionalProperties must be false); use a slice of key/value structs, or build the tool with WithStrict(false)", path, t)
	}
	if s == nil {
		s = &jsonschema.Schema{}
	}
	if v, ok := isBool(s); ok {
		if !v {
			return nil, fmt.Errorf("%s: the schema false accepts no value", path)
		}
		s = &jsonschema.Schema{}
	}
	if s.Ref != "" {
		return c.ref(s, t, path)
	}
	n := &node{description: s.Description}

	// Keywords strict mode does not support; kept as they are otherwise.
	type keyword struct {
		name  string
		set   bool
		value any
	}
	for _, k := range []keyword{
		{"$dynamicRef", s.DynamicRef != "", s.DynamicRef},
		{"not", s.Not != nil, s.Not},
		{"if", s.If != nil, s.If},
		{"then", s.Then != nil, s.Then},
		{"else", s.Else != nil, s.Else},
		{"dependentSchemas", s.DependentSchemas != nil, s.DependentSchemas},
		{"prefixItems", s.PrefixItems != nil, s.PrefixItems},
		{"contains", s.Contains != nil, s.Contains},
		{"propertyNames", s.PropertyNames != nil, s.PropertyNames},
		{"maxContains", s.MaxContains != nil, s.MaxContains},
		{"minContains", s.MinContains != nil, s.MinContains},
		{"maxProperties", s.MaxProperties != nil, s.MaxProperties},
		{"minProperties", s.MinProperties != nil, s.MinProperties},
		{"dependentRequired", s.DependentRequired != nil, s.DependentRequired},
		{"uniqueItems", s.UniqueItems, s.UniqueItems},
		{"contentSchema", s.ContentSchema != nil, s.ContentSchema},
		{"minLength", s.MinLength != nil, nil},
		{"maxLength", s.MaxLength != nil, nil},
		{"patternProperties", s.PatternProperties != nil, nil},
		{"allOf", len(s.AllOf) > 1, s.AllOf},
	} {
		if !k.set {
			continue
		}
		if c.strict {
			return nil, fmt.Errorf("%s: keyword %q is not supported in strict mode (remove its tag, or build the tool with WithStrict(false))", path, k.name)
		}
		if k.value != nil {
			n.addExtra(k.name, k.value)
		}
	}
	if len(s.Extras) > 0 {
		if c.strict {
			keys := slices.Sorted(mapKeys(s.Extras))
			return nil, fmt.Errorf("%s: extra keyword %q is not supported in strict mode", path, keys[0])
		}
		for _, k := range slices.Sorted(mapKeys(s.Extras)) {
			n.addExtra(k, s.Extras[k])
		}
	}

	if len(s.AllOf) == 1 {
		if s.Type != "" || s.Properties != nil || len(s.AnyOf) > 0 || len(s.OneOf) > 0 {
			if c.strict {
				return nil, fmt.Errorf("%s: allOf next to other keywords is not supported in strict mode", path)
			}
		} else {
			inner, err := c.convert(s.AllOf[0], t, path)
			if err != nil {
				return nil, err
			}
			if n.description != "" {
				inner = withDescription(inner, n.description)
			}
			return inner, nil
		}
	}

	if s.Type != "" {
		n.types = []string{s.Type}
	}
	if s.Enum != nil {
		n.enum = slices.Clone(s.Enum)
	}
	if s.Const != nil {
		n.hasConst, n.constVal = true, s.Const
	}
	if s.Format != "" {
		if c.strict && !slices.Contains(strictFormats, s.Format) {
			return nil, fmt.Errorf("%s: format %q is not supported in strict mode (supported: %s)", path, s.Format, strings.Join(strictFormats, ", "))
		}
		n.format = s.Format
	}
	n.pattern = s.Pattern
	n.minimum, n.maximum = s.Minimum, s.Maximum
	n.exclusiveMinimum, n.exclusiveMaximum = s.ExclusiveMinimum, s.ExclusiveMaximum
	n.multipleOf = s.MultipleOf
	n.minItems, n.maxItems = s.MinItems, s.MaxItems
	n.minLength, n.maxLength = s.MinLength, s.MaxLength

	if s.Items != nil {
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		items, err := c.convert(s.Items, et, path+"[]")
		if err != nil {
			return nil, err
		}
		n.items = items
	}

	if s.Type == "object" || s.Properties != nil {
		if err := c.object(n, s, t, path); err != nil {
			return nil, err
		}
	}

	if len(s.AnyOf) > 0 && len(s.OneOf) > 0 {
		return nil, fmt.Errorf("%s: anyOf and oneOf together are not supported", path)
	}
	for _, b := range append(slices.Clone(s.AnyOf), s.OneOf...) {
		bn, err := c.convert(b, t, path)
		if err != nil {
			return nil, err
		}
		n.anyOf = append(n.anyOf, bn)
	}
	// The reflector's "nullable" tag wraps a field as oneOf [schema, null]:
	// fold it back.
	if len(n.anyOf) == 2 && len(n.types) == 0 && n.enum == nil && !n.hasConst && n.items == nil && !n.object {
		for i, b := range n.anyOf {
			if b.isNull() {
				other := n.anyOf[1-i]
				if n.description != "" {
					other = withDescription(other, n.description)
				}
				return nullable(other), nil
			}
		}
	}

	if c.strict && len(n.types) == 0 && len(n.anyOf) == 0 && n.enum == nil && !n.hasConst {
		what := "this value"
		if t != nil {
			what = "type " + t.String()
		}
		return nil, fmt.Errorf("%s: %s has no JSON schema type (an interface or json.RawMessage?); strict mode needs a concrete type", path, what)
	}
	if c.strict && len(n.enum) > 1000 {
		return nil, fmt.Errorf("%s: %d enum values, more than the 1000 strict mode allows", path, len(n.enum))
	}
	return n, nil
}

// object fills the object keywords of n.
func (c *converter) object(n *node, s *jsonschema.Schema, t reflect.Type, path string) error {
	n.object = true
	var fields map[string]fieldInfo
	if t != nil && t.Kind() == reflect.Struct {
		fields = fieldsOf(t)
	}
	if s.Properties != nil {
		for name, ps := range s.Properties.FromOldest() {
			fi, known := fields[name]
			optional := !slices.Contains(s.Required, name)
			if known {
				optional = fi.optional
			}
			pn, err := c.convert(ps, fi.typ, path+"."+name)
			if err != nil {
				return err
			}
			if optional {
				pn = nullable(pn)
			}
			if c.strict || !optional {
				n.required = append(n.required, name)
			}
			n.props = append(n.props, property{name, pn})
		}
	}
	if c.strict {
		n.additional = &node{never: true}
		return nil
	}
	for _, pattern := range slices.Sorted(mapKeys(s.PatternProperties)) {
		var et reflect.Type
		if t != nil && t.Kind() == reflect.Map {
			et = t.Elem()
		}
		pn, err := c.convert(s.PatternProperties[pattern], et, path+"[*]")
		if err != nil {
			return err
		}
		n.patternProps = append(n.patternProps, property{pattern, pn})
	}
	switch v, isB := isBool(s.AdditionalProperties); {
	case s.AdditionalProperties == nil:
	case isB && !v:
		n.additional = &node{never: true}
	case isB:
	default:
		var et reflect.Type
		if t != nil && t.Kind() == reflect.Map {
			et = t.Elem()
		}
		an, err := c.convert(s.AdditionalProperties, et, path+"[*]")
		if err != nil {
			return err
		}
		n.additional = an
	}
	return nil
}

// ref converts a reference: inlined, or kept for a recursive type.
func (c *converter) ref(s *jsonschema.Schema, t reflect.Type, path string) (*node, error) {
	name, ok := strings.CutPrefix(s.Ref, "#/$defs/")
	if !ok {
		return nil, fmt.Errorf("%s: unsupported reference %q", path, s.Ref)
	}
	if name == c.rootName {
		return &node{ref: "#", description: s.Description}, nil
	}
	def := c.defs[name]
	if def == nil {
		return nil, fmt.Errorf("%s: reference %q has no definition", path, s.Ref)
	}
	dt := c.defTypes[name]
	if dt == nil {
		dt = t
	}
	if c.cyclic[name] {
		if _, done := c.outDefs[name]; !done {
			c.outDefs[name] = nil // placeholder while converting
			c.defOrder = append(c.defOrder, name)
			dn, err := c.convert(def, dt, "$defs."+name)
			if err != nil {
				return nil, err
			}
			c.outDefs[name] = dn
		}
		return &node{ref: "#/$defs/" + name, description: s.Description}, nil
	}
	n, err := c.convert(def, dt, path)
	if err != nil {
		return nil, err
	}
	if s.Description != "" {
		n = withDescription(n, s.Description)
	}
	return n, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkLimits enforces strict mode's size limits: 5,000 properties, 10
// levels of object nesting, 120,000 characters of property names, enum
// values and definition names.
func checkLimits(root *node) error {
	props, chars := 0, 0
	var walk func(n *node, depth int, path string) error
	walk = func(n *node, depth int, path string) error {
		if n == nil {
			return nil
		}
		if n.object {
			depth++
			if depth > 10 {
				return fmt.Errorf("%s: objects nest %d levels deep, more than the 10 strict mode allows", path, depth)
			}
		}
		for _, v := range n.enum {
			if s, ok := v.(string); ok {
				chars += len(s)
			}
		}
		for _, p := range n.props {
			props++
			chars += len(p.name)
			if err := walk(p.schema, depth, path+"."+p.name); err != nil {
				return err
			}
		}
		for _, b := range n.anyOf {
			if err := walk(b, depth, path); err != nil {
				return err
			}
		}
		if err := walk(n.items, depth, path+"[]"); err != nil {
			return err
		}
		for _, d := range n.defs {
			chars += len(d.name)
			if err := walk(d.schema, 0, "$defs."+d.name); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, 0, "$"); err != nil {
		return err
	}
	if props > 5000 {
		return fmt.Errorf("%d properties, more than the 5000 strict mode allows", props)
	}
	if chars > 120000 {
		return fmt.Errorf("%d characters of names and enum values, more than the 120000 strict mode allows", chars)
	}
	return nil
}
