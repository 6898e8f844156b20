package temporal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
)

// The values that cross an activity boundary (requests, responses, call
// items and outcomes, states) travel as JSON text in string fields, written
// here by hand: Temporal's default JSON payload converter would re-encode a
// json.RawMessage or a responses.Item (compacting it and escaping <, > and
// &), which changes no value but changes the bytes a stateless run replays.
// A Go string of valid UTF-8 survives the converter exactly.

// encodeItems writes items as a JSON array of their exact bytes.
func encodeItems(items []responses.Item) (string, error) {
	b, err := appendItems(make([]byte, 0, 256*len(items)+2), items)
	if err != nil {
		return "", err
	}
	return text(b)
}

func appendItems(b []byte, items []responses.Item) ([]byte, error) {
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		ib, err := items[i].MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("temporal: encoding item %d: %w", i, err)
		}
		b = append(b, ib...)
	}
	return append(b, ']'), nil
}

// decodeItems reads what encodeItems wrote; each item keeps its bytes.
func decodeItems(s string) ([]responses.Item, error) {
	if s == "" {
		return nil, nil
	}
	var items []responses.Item
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return nil, fmt.Errorf("temporal: decoding items: %w", err)
	}
	return items, nil
}

// responseHead is a response without its output, which is written by hand.
type responseHead struct {
	*responses.Response
	// Output shadows the response's own field, so that json leaves it out.
	Output *struct{} `json:"output,omitempty"`
}

// encodeResponse writes a response: its fields, and its output items as
// their exact bytes.
func encodeResponse(r *responses.Response) (string, error) {
	head, err := marshalNoEscape(responseHead{Response: r})
	if err != nil {
		return "", fmt.Errorf("temporal: encoding response: %w", err)
	}
	out, err := appendItems(make([]byte, 0, 512*len(r.Output)+2), r.Output)
	if err != nil {
		return "", err
	}
	return text(object(member("output", out), inner(head)))
}

// decodeResponse reads what encodeResponse wrote.
func decodeResponse(s string) (*responses.Response, error) {
	var r responses.Response
	if err := r.UnmarshalJSON([]byte(s)); err != nil {
		return nil, fmt.Errorf("temporal: decoding response: %w", err)
	}
	return &r, nil
}

// outcomeHead is a call outcome without its items.
type outcomeHead struct {
	runner.CallOutcome
	Output *struct{}  `json:"output,omitempty"`
	Extra  []struct{} `json:"extra,omitempty"`
}

// encodeOutcome writes a call's outcome, its items as their exact bytes.
func encodeOutcome(out runner.CallOutcome) (string, error) {
	head, err := marshalNoEscape(outcomeHead{CallOutcome: out})
	if err != nil {
		return "", fmt.Errorf("temporal: encoding outcome: %w", err)
	}
	var ob, eb []byte
	if out.Output != nil {
		if ob, err = out.Output.MarshalJSON(); err != nil {
			return "", fmt.Errorf("temporal: encoding output: %w", err)
		}
	}
	if len(out.Extra) > 0 {
		if eb, err = appendItems(nil, out.Extra); err != nil {
			return "", err
		}
	}
	return text(object(member("output", ob), member("extra", eb), inner(head)))
}

// decodeOutcome reads what encodeOutcome wrote.
func decodeOutcome(s string) (runner.CallOutcome, error) {
	var out runner.CallOutcome
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return out, fmt.Errorf("temporal: decoding outcome: %w", err)
	}
	return out, nil
}

// encodeItem writes one item's exact bytes.
func encodeItem(it *responses.Item) (string, error) {
	b, err := it.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("temporal: encoding item: %w", err)
	}
	return text(b)
}

// decodeItem reads one item, which keeps its bytes.
func decodeItem(s string) (*responses.Item, error) {
	var it responses.Item
	if err := it.UnmarshalJSON([]byte(s)); err != nil {
		return nil, fmt.Errorf("temporal: decoding item: %w", err)
	}
	return &it, nil
}

// encodeState writes a state as State.MarshalJSON does, exactly.
func encodeState(st *runner.State) (string, error) {
	b, err := st.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("temporal: encoding state: %w", err)
	}
	return text(b)
}

// decodeState reads a state.
func decodeState(s string) (*runner.State, error) {
	st := new(runner.State)
	if err := st.UnmarshalJSON([]byte(s)); err != nil {
		return nil, fmt.Errorf("temporal: decoding state: %w", err)
	}
	return st, nil
}

// text returns b as a string, refusing bytes that are not valid UTF-8,
// which the JSON payload converter would not keep.
func text(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", fmt.Errorf("temporal: %d bytes of JSON are not valid UTF-8", len(b))
	}
	return string(b), nil
}

// member returns `"key":value`, or nil when value is nil.
func member(key string, value []byte) []byte {
	if value == nil {
		return nil
	}
	b := make([]byte, 0, len(key)+3+len(value))
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return append(b, value...)
}

// inner returns the members of a JSON object, without its braces.
func inner(obj []byte) []byte {
	if len(obj) <= 2 {
		return nil
	}
	return obj[1 : len(obj)-1]
}

// object joins members (nil ones left out) into a JSON object.
func object(members ...[]byte) []byte {
	n := 2
	for _, m := range members {
		n += len(m) + 1
	}
	b := append(make([]byte, 0, n), '{')
	for _, m := range members {
		if m == nil {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, m...)
	}
	return append(b, '}')
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
