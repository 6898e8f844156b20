package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// OutputType is an agent's structured output: the model's final message is
// a JSON document matching Schema, sent as text.format json_schema.
//
// Build it with [OutputOf] from a Go type, or by hand with a schema; a
// hand-built OutputType decodes into generic JSON values (map[string]any,
// []any, string, float64, bool, nil). Do not change the Schema of an
// OutputType from OutputOf: Decode checks against the schema compiled when
// it was built.
type OutputType struct {
	// Name is the format's name: 1 to 64 letters, digits, '_' or '-'.
	Name string
	// Description, if set, tells the model what the output is for.
	Description string
	// Schema is the JSON schema of the output; its root is an object.
	Schema json.RawMessage
	// Strict asks the model to follow Schema exactly (strict mode).
	Strict bool

	typ       reflect.Type     // the Go type Decode fills; nil for a hand-built type
	validator *tools.Validator // compiled Schema; nil for a hand-built type
}

// OutputOf returns the structured output type for T, with the strict-mode
// schema [tools.Schema] reflects from it (T must be a struct or a pointer to
// one). An empty name becomes T's name, or "output".
func OutputOf[T any](name string) (*OutputType, error) {
	t := reflect.TypeFor[T]()
	if name == "" {
		name = formatName(t)
	}
	if err := checkFormatName(name); err != nil {
		return nil, err
	}
	schema, err := tools.Schema(t)
	if err != nil {
		return nil, fmt.Errorf("agent: output %q: %w", name, err)
	}
	v, err := tools.NewValidator(schema)
	if err != nil {
		return nil, fmt.Errorf("agent: output %q: %w", name, err)
	}
	return &OutputType{Name: name, Schema: schema, Strict: true, typ: t, validator: v}, nil
}

// formatName derives a format name from a type name.
func formatName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var b strings.Builder
	for _, c := range t.Name() {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
			b.WriteRune(c)
		case c == '[':
			// Stop at a generic type's arguments.
			return nameOr(b.String())
		}
		if b.Len() == 64 {
			break
		}
	}
	return nameOr(b.String())
}

func nameOr(s string) string {
	if s == "" {
		return "output"
	}
	return s
}

func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func checkFormatName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("agent: output name %q must be 1 to 64 characters long", name)
	}
	for i := range len(name) {
		c := name[i]
		if !nameByte(c) {
			return fmt.Errorf("agent: output name %q has %q at byte %d; only letters, digits, '_' and '-' are allowed", name, c, i)
		}
	}
	return nil
}

func (o *OutputType) validate() error {
	if err := checkFormatName(o.Name); err != nil {
		return err
	}
	var root map[string]any
	if err := json.Unmarshal(o.Schema, &root); err != nil || root["type"] != "object" {
		return fmt.Errorf("output %q: the schema must be a JSON object schema with \"type\":\"object\"", o.Name)
	}
	return nil
}

// Format returns the request's text.format for this output type; nil for a
// nil OutputType (plain text).
func (o *OutputType) Format() *responses.TextFormat {
	if o == nil {
		return nil
	}
	strict := o.Strict
	return &responses.TextFormat{Type: "json_schema", Name: o.Name, Description: o.Description,
		Schema: o.Schema, Strict: &strict}
}

// Decode decodes the final message's text into a new value of the output
// type and returns it: a T (not a *T) for an OutputType from [OutputOf], for
// the caller to type-assert, or a generic JSON value for a hand-built one.
// It returns an error when text is not JSON or does not match the schema,
// listing the problems with their JSON paths.
func (o *OutputType) Decode(text string) (any, error) {
	if o == nil {
		return nil, errors.New("agent: Decode on a nil OutputType")
	}
	v := o.validator
	if v == nil {
		var err error
		if v, err = tools.NewValidator(o.Schema); err != nil {
			return nil, fmt.Errorf("agent: output %q: %w", o.Name, err)
		}
	}
	if err := v.Validate([]byte(text)); err != nil {
		if !json.Valid([]byte(text)) {
			return nil, fmt.Errorf("agent: output %q is %w", o.Name, err)
		}
		return nil, fmt.Errorf("agent: output %q does not match its schema: %w", o.Name, err)
	}
	if o.typ == nil {
		var x any
		if err := json.Unmarshal([]byte(text), &x); err != nil {
			return nil, fmt.Errorf("agent: output %q: %w", o.Name, err)
		}
		return x, nil
	}
	p := reflect.New(o.typ)
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p.Interface()); err != nil {
		return nil, fmt.Errorf("agent: output %q: %w", o.Name, err)
	}
	return p.Elem().Interface(), nil
}
