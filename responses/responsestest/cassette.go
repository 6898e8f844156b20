package responsestest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Cassette is a recording of real POST /v1/responses traffic, in the format
// of agentloop's shared cassettes (data/responses-cassettes/README.md):
// what a client sent and the exact bytes the API answered.
type Cassette struct {
	Name         string        `json:"name"`
	Source       string        `json:"source"`
	Description  string        `json:"description"`
	Summary      Summary       `json:"summary"`
	Interactions []Interaction `json:"interactions"`
}

// Summary is what a cassette's interactions contain, derived from them for
// convenience.
type Summary struct {
	Turns []Turn `json:"turns"`

	// FinalText is the text of the last assistant message of the last turn
	// that made no tool call.
	FinalText string `json:"final_text"`
}

// Turn summarizes one interaction.
type Turn struct {
	Index          int            `json:"index"`
	Status         int            `json:"status"`
	Model          string         `json:"model"`
	Stream         bool           `json:"stream"`
	InputItems     []string       `json:"input_items"`  // "type" or "message:role"
	OutputItems    []string       `json:"output_items"` // item types
	ResponseStatus string         `json:"response_status"`
	ToolCalls      []RecordedCall `json:"tool_calls"`
	MessageText    string         `json:"message_text"`
}

// RecordedCall is a function call a recorded response made.
type RecordedCall struct {
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Interaction is one recorded request and the answer to it.
type Interaction struct {
	Request  RecordedRequest  `json:"request"`
	Response RecordedResponse `json:"response"`
}

// RecordedRequest is what a recorded client sent.
type RecordedRequest struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"` // the request, as JSON
}

// RecordedResponse is what the API answered.
type RecordedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"` // lower-case names
	Body    string            `json:"body"`    // the exact bytes answered

	// BodyFidelity is "raw" when Body is byte for byte what the API sent,
	// "reserialized" when the recorder re-encoded JSON (key order and
	// spacing differ; values are real).
	BodyFidelity string `json:"body_fidelity"`
}

// LoadCassette reads a cassette file.
func LoadCassette(path string) (*Cassette, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("responsestest: %w", err)
	}
	c := new(Cassette)
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("responsestest: cassette %s: %w", path, err)
	}
	return c, nil
}

// Steps returns one step per interaction, answering with its recorded
// status, headers and exact body bytes (see [Raw]).
func (c *Cassette) Steps() []Step {
	steps := make([]Step, len(c.Interactions))
	for i, in := range c.Interactions {
		steps[i] = in.Step()
	}
	return steps
}

// Step returns a step answering with the recorded status, headers and exact
// body bytes.
func (in *Interaction) Step() Step {
	var ct string
	var header http.Header
	for k, v := range in.Response.Headers {
		if strings.EqualFold(k, "Content-Type") {
			ct = v
			continue
		}
		if header == nil {
			header = http.Header{}
		}
		header.Set(k, v)
	}
	s := Raw(in.Response.Status, ct, []byte(in.Response.Body))
	s.header = header
	return s
}
