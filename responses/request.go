package responses

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Request is the body of POST /responses.
//
// Optional settings whose zero value means something on the wire
// (temperature 0, store false, parallel_tool_calls false) are pointers: nil
// leaves the field out and lets the server choose; use [Ptr] to set them.
// Extra adds or overrides raw top-level fields for anything this type does
// not name.
type Request struct {
	Model              string
	Input              Input
	Instructions       string
	Tools              []Tool
	ToolChoice         *ToolChoice
	ParallelToolCalls  *bool
	MaxOutputTokens    *int
	MaxToolCalls       *int
	PreviousResponseID string
	Conversation       string // "conv_…"
	Store              *bool
	Include            []string
	ContextManagement  []ContextManagement
	Reasoning          *Reasoning
	Text               *TextConfig
	Temperature        *float64
	TopP               *float64
	Truncation         string // "auto" or "disabled"
	Metadata           map[string]string
	ServiceTier        string
	PromptCacheKey     string
	SafetyIdentifier   string
	User               string
	Stream             bool

	// Extra holds raw top-level fields sent as they are. A key that names a
	// field above replaces it.
	Extra map[string]json.RawMessage
}

// Ptr returns a pointer to v, for the optional fields of [Request].
func Ptr[T any](v T) *T { return &v }

// Include values.
const (
	IncludeReasoningEncryptedContent = "reasoning.encrypted_content"
	IncludeFileSearchResults         = "file_search_call.results"
	IncludeWebSearchSources          = "web_search_call.action.sources"
	IncludeComputerOutputImageURL    = "computer_call_output.output.image_url"
	IncludeInputImageURL             = "message.input_image.image_url"
	IncludeOutputTextLogprobs        = "message.output_text.logprobs"
)

// Input is the request's input: a plain string (one user message), or items.
// Items wins when it is not nil.
type Input struct {
	Text  string
	Items []Item
}

// InputText returns an Input holding one string.
func InputText(s string) Input { return Input{Text: s} }

// InputItems returns an Input holding items.
func InputItems(items ...Item) Input { return Input{Items: nonNil(items)} }

// MarshalJSON writes the string or the items array.
func (in Input) MarshalJSON() ([]byte, error) { return in.appendJSON(nil) }

// UnmarshalJSON reads a string or an items array.
func (in *Input) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*in = Input{}
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &in.Items)
	}
	return json.Unmarshal(b, &in.Text)
}

func (in Input) appendJSON(b []byte) ([]byte, error) {
	if in.Items == nil {
		return appendString(b, in.Text), nil
	}
	b = append(b, '[')
	for i := range in.Items {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		b, err = in.Items[i].appendJSON(b)
		if err != nil {
			return nil, fmt.Errorf("input[%d]: %w", i, err)
		}
	}
	return append(b, ']'), nil
}

// appendJSON appends the item's encoding without going through
// encoding/json, which would compact and re-escape raw bytes.
func (it *Item) appendJSON(b []byte) ([]byte, error) {
	if it.raw != nil {
		return append(b, it.raw...), nil
	}
	enc, err := it.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// Reasoning configures a reasoning model.
type Reasoning struct {
	Effort  string `json:"effort,omitempty"`  // none, minimal, low, medium, high, xhigh
	Summary string `json:"summary,omitempty"` // auto, concise, detailed
	Context string `json:"context,omitempty"` // auto, current_turn, all_turns: which reasoning items later turns see
	Mode    string `json:"mode,omitempty"`    // standard, pro
}

// TextConfig configures the text output.
type TextConfig struct {
	Format    *TextFormat `json:"format,omitempty"`
	Verbosity string      `json:"verbosity,omitempty"` // low, medium, high
}

// TextFormat is the text output format: {"type":"text"},
// {"type":"json_object"} or a JSON schema.
type TextFormat struct {
	Type        string          `json:"type"` // text, json_schema, json_object
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// Tool types, the values of [Tool.Type].
const (
	ToolFunction           = "function"
	ToolCustom             = "custom"
	ToolFileSearch         = "file_search"
	ToolWebSearch          = "web_search"
	ToolWebSearchPreview   = "web_search_preview"
	ToolComputer           = "computer"
	ToolComputerUsePreview = "computer_use_preview"
	ToolMCP                = "mcp"
	ToolShell              = "shell"
	ToolLocalShell         = "local_shell"
	ToolApplyPatch         = "apply_patch"
	ToolToolSearch         = "tool_search"
	ToolNamespace          = "namespace"
)

// Tool is a tool definition in a request. Function tools, custom tools,
// both computer tool shapes, shell, local_shell, apply_patch and tool_search
// are typed; any other tool (file_search, web_search, mcp, namespace, …) is
// sent from Raw, which, when set, is sent as it is for every type.
type Tool struct {
	Type         string
	Name         string          // function, custom
	Description  string          // function, custom, tool_search
	Parameters   json.RawMessage // function: a JSON schema; tool_search: the schema of its arguments
	Strict       *bool           // function: always sent when set
	Format       json.RawMessage // custom: the input grammar, if any
	DeferLoading bool            // function, custom: loaded only when a tool search finds it
	Execution    string          // tool_search: "server" (empty) or "client"

	DisplayWidth  int    // computer_use_preview
	DisplayHeight int    // computer_use_preview
	Environment   string // computer_use_preview: browser, mac, windows, ubuntu, linux; shell: the environment type (local, container_auto), sent as {"type":…}

	Raw json.RawMessage
}

// MarshalJSON writes Raw, or the fields of the tool's type.
func (t Tool) MarshalJSON() ([]byte, error) {
	if t.Raw != nil {
		return t.Raw, nil
	}
	o := newObject()
	o.str("type", t.Type)
	switch t.Type {
	case ToolFunction:
		o.str("name", t.Name)
		o.strOmit("description", t.Description)
		params := t.Parameters
		if params == nil {
			params = json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
		}
		o.raw("parameters", params)
		if t.Strict != nil {
			o.val("strict", *t.Strict)
		}
		if t.DeferLoading {
			o.val("defer_loading", true)
		}
	case ToolCustom:
		o.str("name", t.Name)
		o.strOmit("description", t.Description)
		o.raw("format", t.Format)
		if t.DeferLoading {
			o.val("defer_loading", true)
		}
	case ToolComputerUsePreview:
		o.val("display_width", t.DisplayWidth)
		o.val("display_height", t.DisplayHeight)
		o.str("environment", t.Environment)
	case ToolShell:
		if t.Environment != "" {
			o.val("environment", struct {
				Type string `json:"type"`
			}{t.Environment})
		}
	case ToolToolSearch:
		o.strOmit("execution", t.Execution)
		o.strOmit("description", t.Description)
		o.raw("parameters", t.Parameters)
	case ToolComputer, ToolLocalShell, ToolApplyPatch:
	default:
		return nil, fmt.Errorf("responses: tool type %q needs Raw", t.Type)
	}
	return o.bytes()
}

// UnmarshalJSON reads a tool definition, keeping it raw.
func (t *Tool) UnmarshalJSON(b []byte) error {
	var w struct {
		Type          string          `json:"type"`
		Name          string          `json:"name"`
		Description   string          `json:"description"`
		Parameters    json.RawMessage `json:"parameters"`
		Strict        *bool           `json:"strict"`
		Format        json.RawMessage `json:"format"`
		DeferLoading  bool            `json:"defer_loading"`
		Execution     string          `json:"execution"`
		DisplayWidth  int             `json:"display_width"`
		DisplayHeight int             `json:"display_height"`
		Environment   json.RawMessage `json:"environment"` // a string, or {"type":…} (shell)
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = Tool{Type: w.Type, Name: w.Name, Description: w.Description, Parameters: w.Parameters,
		Strict: w.Strict, Format: w.Format, DeferLoading: w.DeferLoading, Execution: w.Execution,
		DisplayWidth: w.DisplayWidth, DisplayHeight: w.DisplayHeight, Raw: cloneBytes(b)}
	switch {
	case isNull(w.Environment):
	case w.Environment[0] == '"':
		if err := json.Unmarshal(w.Environment, &t.Environment); err != nil {
			return err
		}
	case w.Environment[0] == '{':
		var env struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(w.Environment, &env); err != nil {
			return err
		}
		t.Environment = env.Type
	}
	return nil
}

// Tool choice modes, the values of [ToolChoice.Mode].
const (
	ToolChoiceNone     = "none"
	ToolChoiceAuto     = "auto"
	ToolChoiceRequired = "required"
)

// ToolChoice is tool_choice in every form: a mode string ("none", "auto",
// "required") when Type is empty; otherwise an object: {"type":"function",
// "name":…}, {"type":"custom","name":…}, {"type":"allowed_tools",
// "mode":…,"tools":[…]}, a hosted tool {"type":"file_search"} and so on, or
// {"type":"mcp","server_label":…,"name":…}.
type ToolChoice struct {
	Mode        string
	Type        string
	Name        string
	ServerLabel string
	Tools       []json.RawMessage // allowed_tools: tool references such as {"type":"function","name":"x"}
}

// MarshalJSON writes the mode string or the object.
func (c ToolChoice) MarshalJSON() ([]byte, error) {
	if c.Type == "" {
		return appendString(nil, c.Mode), nil
	}
	o := newObject()
	o.str("type", c.Type)
	if c.Type == "allowed_tools" {
		o.str("mode", c.Mode)
		o.val("tools", nonNil(c.Tools))
		return o.bytes()
	}
	o.strOmit("server_label", c.ServerLabel)
	o.strOmit("name", c.Name)
	return o.bytes()
}

// UnmarshalJSON reads either form.
func (c *ToolChoice) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*c = ToolChoice{}
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.Mode)
	}
	var w struct {
		Type        string            `json:"type"`
		Mode        string            `json:"mode"`
		Name        string            `json:"name"`
		ServerLabel string            `json:"server_label"`
		Tools       []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = ToolChoice{Mode: w.Mode, Type: w.Type, Name: w.Name, ServerLabel: w.ServerLabel, Tools: w.Tools}
	return nil
}

// MarshalJSON encodes the request. Items decoded from a response are
// written as the bytes they came with. It has a value receiver so that
// json.Marshal of a Request value uses it too (json.Marshal then compacts
// the result and escapes HTML characters; [Request.AppendJSON] does not).
func (r Request) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// AppendJSON appends the request's JSON encoding to b. Unlike json.Marshal,
// it never compacts or re-escapes the raw bytes of replayed items.
func (r *Request) AppendJSON(b []byte) ([]byte, error) {
	o := &object{b: append(b, '{')}
	start := len(b)
	key := func(k string) bool {
		if _, over := r.Extra[k]; over {
			return false
		}
		if len(o.b) > start+1 {
			o.b = append(o.b, ',')
		}
		o.b = appendString(o.b, k)
		o.b = append(o.b, ':')
		return true
	}
	val := func(k string, v any) {
		if key(k) {
			enc, err := json.Marshal(v)
			if err != nil && o.err == nil {
				o.err = fmt.Errorf("%s: %w", k, err)
			}
			o.b = append(o.b, enc...)
		}
	}
	str := func(k, v string) {
		if v != "" && key(k) {
			o.b = appendString(o.b, v)
		}
	}
	str("model", r.Model)
	if r.Input.Items != nil || r.Input.Text != "" {
		if key("input") {
			var err error
			if o.b, err = r.Input.appendJSON(o.b); err != nil {
				return nil, fmt.Errorf("responses: encode request: %w", err)
			}
		}
	}
	str("instructions", r.Instructions)
	if len(r.Tools) > 0 {
		if key("tools") {
			o.b = append(o.b, '[')
			for i, t := range r.Tools {
				if i > 0 {
					o.b = append(o.b, ',')
				}
				enc, err := t.MarshalJSON()
				if err != nil {
					return nil, fmt.Errorf("responses: encode request: tools[%d]: %w", i, err)
				}
				o.b = append(o.b, enc...)
			}
			o.b = append(o.b, ']')
		}
	}
	if r.ToolChoice != nil {
		val("tool_choice", r.ToolChoice)
	}
	if r.ParallelToolCalls != nil {
		val("parallel_tool_calls", *r.ParallelToolCalls)
	}
	if r.MaxOutputTokens != nil {
		val("max_output_tokens", *r.MaxOutputTokens)
	}
	if r.MaxToolCalls != nil {
		val("max_tool_calls", *r.MaxToolCalls)
	}
	str("previous_response_id", r.PreviousResponseID)
	str("conversation", r.Conversation)
	if r.Store != nil {
		val("store", *r.Store)
	}
	if r.Include != nil {
		val("include", r.Include)
	}
	if r.ContextManagement != nil {
		val("context_management", r.ContextManagement)
	}
	if r.Reasoning != nil {
		val("reasoning", r.Reasoning)
	}
	if r.Text != nil {
		val("text", r.Text)
	}
	if r.Temperature != nil {
		if key("temperature") {
			o.b = strconv.AppendFloat(o.b, *r.Temperature, 'g', -1, 64)
		}
	}
	if r.TopP != nil {
		if key("top_p") {
			o.b = strconv.AppendFloat(o.b, *r.TopP, 'g', -1, 64)
		}
	}
	str("truncation", r.Truncation)
	if r.Metadata != nil {
		val("metadata", r.Metadata)
	}
	str("service_tier", r.ServiceTier)
	str("prompt_cache_key", r.PromptCacheKey)
	str("safety_identifier", r.SafetyIdentifier)
	str("user", r.User)
	if r.Stream {
		if key("stream") {
			o.b = append(o.b, "true"...)
		}
	}
	if len(r.Extra) > 0 {
		keys := make([]string, 0, len(r.Extra))
		for k := range r.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(o.b) > start+1 {
				o.b = append(o.b, ',')
			}
			o.b = appendString(o.b, k)
			o.b = append(o.b, ':')
			o.b = append(o.b, r.Extra[k]...)
		}
	}
	if o.err != nil {
		return nil, fmt.Errorf("responses: encode request: %w", o.err)
	}
	return append(o.b, '}'), nil
}

// UnmarshalJSON decodes a request (as a test server receives it). Fields
// this type does not name land in Extra.
func (r *Request) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	*r = Request{}
	take := func(k string, dst any) error {
		v, ok := fields[k]
		if !ok {
			return nil
		}
		delete(fields, k)
		if isNull(v) {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("request %s: %w", k, err)
		}
		return nil
	}
	for _, f := range []struct {
		k   string
		dst any
	}{
		{"model", &r.Model}, {"input", &r.Input}, {"instructions", &r.Instructions},
		{"tools", &r.Tools}, {"tool_choice", &r.ToolChoice},
		{"parallel_tool_calls", &r.ParallelToolCalls}, {"max_output_tokens", &r.MaxOutputTokens},
		{"max_tool_calls", &r.MaxToolCalls}, {"previous_response_id", &r.PreviousResponseID},
		{"store", &r.Store}, {"include", &r.Include}, {"context_management", &r.ContextManagement}, {"reasoning", &r.Reasoning},
		{"text", &r.Text}, {"temperature", &r.Temperature}, {"top_p", &r.TopP},
		{"truncation", &r.Truncation}, {"metadata", &r.Metadata}, {"service_tier", &r.ServiceTier},
		{"prompt_cache_key", &r.PromptCacheKey}, {"safety_identifier", &r.SafetyIdentifier},
		{"user", &r.User}, {"stream", &r.Stream},
	} {
		if err := take(f.k, f.dst); err != nil {
			return err
		}
	}
	if v, ok := fields["conversation"]; ok {
		delete(fields, "conversation")
		var id struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(v, &r.Conversation) != nil && json.Unmarshal(v, &id) == nil {
			r.Conversation = id.ID
		}
	}
	if len(fields) > 0 {
		r.Extra = fields
	}
	return nil
}
