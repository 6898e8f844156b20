package temporal

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
)

// item decodes an item from bytes, which it keeps.
func item(t *testing.T, s string) responses.Item {
	t.Helper()
	var it responses.Item
	if err := it.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return it
}

// itemBytes returns the bytes each item encodes to.
func itemBytes(t *testing.T, items []responses.Item) []string {
	t.Helper()
	var out []string
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// throughConverter passes v through encoding/json, as Temporal's default
// JSON payload converter does.
func throughConverter[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestItemsKeepBytes: items cross the payload converter with their bytes,
// whitespace and characters json.Marshal would escape included.
func TestItemsKeepBytes(t *testing.T) {
	tests := []struct {
		name  string
		items []responses.Item
	}{
		{"none", nil},
		{"built in code", []responses.Item{responses.UserMessage("a <b> & c")}},
		{"received", []responses.Item{
			item(t, `{"type":"function_call", "call_id":"c1","name":"f","arguments":"{\"q\":\"<&>\"}" }`),
			item(t, "{\n  \"type\": \"message\", \"role\": \"assistant\",\n  \"content\": [{\"type\":\"output_text\",\"text\":\"é \\u00e9 <ok>\"}]}"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := encodeItems(tt.items)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeItems(throughConverter(t, s))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(itemBytes(t, tt.items), itemBytes(t, got)); diff != "" {
				t.Errorf("bytes changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResponseKeepsBytes: a response crosses with its fields, and its
// output items with their bytes.
func TestResponseKeepsBytes(t *testing.T) {
	tests := []struct {
		name string
		resp *responses.Response
	}{
		{"empty", &responses.Response{}},
		{"full", &responses.Response{ID: "resp_1", Status: responses.StatusCompleted, Model: "gpt-5",
			Usage: &responses.Usage{InputTokens: 3, OutputTokens: 4, TotalTokens: 7,
				OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 2}},
			IncompleteDetails:    &responses.IncompleteDetails{Reason: "max_output_tokens"},
			InputTransformations: []responses.InputTransformation{{ID: "rs_1", Type: "reasoning", Action: "removed", Reason: "turn_boundary"}},
			Output: []responses.Item{
				item(t, `{"type":"reasoning","id":"rs_2","summary":[],"encrypted_content":"e<>&"}`),
				item(t, `{"type":"message" ,"role":"assistant","content":[{"type":"output_text","text":"<b>&amp;</b>"}]}`),
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := encodeResponse(tt.resp)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeResponse(throughConverter(t, s))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(itemBytes(t, tt.resp.Output), itemBytes(t, got.Output)); diff != "" {
				t.Errorf("output bytes changed (-want +got):\n%s", diff)
			}
			want, have := *tt.resp, *got
			want.Output, have.Output, have.Raw = nil, nil, nil
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("fields changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOutcomeKeepsBytes: a call's outcome crosses with its items' bytes.
func TestOutcomeKeepsBytes(t *testing.T) {
	out := item(t, `{"type":"function_call_output","call_id":"c1","output":"<ok> & done"}`)
	built := responses.FunctionCallOutput("c2", "a<b")
	tests := []struct {
		name string
		out  runner.CallOutcome
	}{
		{"empty", runner.CallOutcome{}},
		{"unknown", runner.CallOutcome{Unknown: true, Duration: time.Second}},
		{"output", runner.CallOutcome{Output: &out, Note: "n <1>", Error: "e & f", Duration: 3}},
		{"built", runner.CallOutcome{Output: &built}},
		{"extra", runner.CallOutcome{Output: &out, Extra: []responses.Item{item(t, `{"type":"file_search_call","id":"fs_1", "queries":["<q>"]}`)}}},
		{"abort", runner.CallOutcome{Abort: "stop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := encodeOutcome(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeOutcome(throughConverter(t, s))
			if err != nil {
				t.Fatal(err)
			}
			var wantOut, gotOut []string
			if tt.out.Output != nil {
				wantOut = itemBytes(t, []responses.Item{*tt.out.Output})
			}
			if got.Output != nil {
				gotOut = itemBytes(t, []responses.Item{*got.Output})
			}
			if diff := cmp.Diff(wantOut, gotOut); diff != "" {
				t.Errorf("output bytes changed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(itemBytes(t, tt.out.Extra), itemBytes(t, got.Extra)); diff != "" {
				t.Errorf("extra bytes changed (-want +got):\n%s", diff)
			}
			want := tt.out
			want.Output, want.Extra, got.Output, got.Extra = nil, nil, nil, nil
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fields changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequestRoundTrip: the model activity sends the very bytes the
// workflow encoded, Extra keys that name request fields included.
func TestRequestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		req  responses.Request
	}{
		{"plain", responses.Request{Model: "gpt-5", Instructions: "be <brief> & kind",
			Input: responses.InputItems(responses.UserMessage("hi"), item(t, `{"type":"message","role":"assistant", "content":"x"}`)),
			Tools: []responses.Tool{{Type: responses.ToolFunction, Name: "f", Parameters: json.RawMessage(`{"type":"object" }`)}},
			Store: responses.Ptr(false), Include: []string{responses.IncludeReasoningEncryptedContent},
			Temperature: responses.Ptr(0.2), Metadata: map[string]string{"b": "2", "a": "1"}}},
		{"extra naming fields", responses.Request{Model: "gpt-5", Input: responses.InputText("hi"),
			Extra: map[string]json.RawMessage{"model": json.RawMessage(`"other"`), "top_logprobs": json.RawMessage(` 2`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := tt.req.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			extra := map[string]string{}
			for k, v := range tt.req.Extra {
				extra[k] = string(v)
			}
			req, err := decodeRequest(throughConverter(t, string(want)), throughConverter(t, extra))
			if err != nil {
				t.Fatal(err)
			}
			got, err := req.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("request bytes changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStateKeepsBytes: a state crosses continue-as-new exactly.
func TestStateKeepsBytes(t *testing.T) {
	st := &runner.State{Version: runner.StateVersion, RunID: "wf-1", Agent: "a", Status: runner.StatusRunning, Turn: 2,
		History: []responses.Item{responses.UserMessage("x <y>"), item(t, `{"type":"message", "role":"assistant","content":"z & w"}`)}}
	s, err := encodeState(st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeState(throughConverter(t, s))
	if err != nil {
		t.Fatal(err)
	}
	s2, err := encodeState(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, s2); diff != "" {
		t.Errorf("state changed (-want +got):\n%s", diff)
	}
}
