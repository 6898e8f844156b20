package responses_test

import (
	"encoding/json"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
)

func TestIncomplete(t *testing.T) {
	tests := []struct {
		body       string
		truncated  bool
		atBoundary bool
	}{
		{`{"status":"completed"}`, false, false},
		{`{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}`, true, false},
		{`{"status":"incomplete","incomplete_details":{"reason":"content_filter"}}`, true, false},
		{`{"status":"incomplete","incomplete_details":{"reason":"max_messages"}}`, false, true},
		{`{"status":"incomplete","incomplete_details":{"reason":"steered"}}`, false, true},
		{`{"status":"incomplete","incomplete_details":{"reason":"a_new_reason"}}`, true, false},
		{`{"status":"incomplete","incomplete_details":null}`, true, false},
		{`{"status":"incomplete"}`, true, false},
		{`{"status":"failed","incomplete_details":{"reason":"max_output_tokens"}}`, false, false},
	}
	for _, tt := range tests {
		var r responses.Response
		if err := json.Unmarshal([]byte(tt.body), &r); err != nil {
			t.Fatal(err)
		}
		got := [2]bool{r.Truncated(), r.IncompleteDetails.AtBoundary()}
		if diff := cmp.Diff([2]bool{tt.truncated, tt.atBoundary}, got); diff != "" {
			t.Errorf("%s: [Truncated, AtBoundary] (-want +got):\n%s", tt.body, diff)
		}
	}
}

func TestInputTransformations(t *testing.T) {
	body := `{"id":"resp_1","status":"completed","output":[],"input_transformations":[` +
		`{"id":"rs_1","action":"removed","reason":"organization_mismatch","type":"reasoning"},` +
		`{"id":"rs_2","action":"removed","reason":"turn_boundary","type":"reasoning","extra":{"x":1}},` +
		`"not an object",{"id":null,"reason":"prefix_mismatch"}]}`
	var r responses.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	want := []responses.InputTransformation{
		{ID: "rs_1", Type: "reasoning", Action: responses.TransformRemoved, Reason: responses.TransformOrganizationMismatch},
		{ID: "rs_2", Type: "reasoning", Action: responses.TransformRemoved, Reason: responses.TransformTurnBoundary},
		{Reason: responses.TransformPrefixMismatch},
	}
	if diff := cmp.Diff(want, r.InputTransformations); diff != "" {
		t.Errorf("InputTransformations (-want +got):\n%s", diff)
	}
	for _, b := range []string{`{"input_transformations":null}`, `{}`} {
		var r responses.Response
		if err := json.Unmarshal([]byte(b), &r); err != nil || r.InputTransformations != nil {
			t.Errorf("%s: %+v, %v", b, r.InputTransformations, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"input_transformations":{"id":"rs_1"}}`), &r); err == nil {
		t.Error("an object for input_transformations decoded")
	}
}

// TestAccumulatorInputTransformations: the final response carries the
// input_transformations of the terminal event or, when a gateway leaves them
// out of it, those of an earlier snapshot.
func TestAccumulatorInputTransformations(t *testing.T) {
	const (
		transforms = `"input_transformations":[{"id":"rs_1","action":"removed","reason":"model_mismatch","type":"reasoning"}]`
		created    = `{"type":"response.created","response":{"id":"r","status":"in_progress","output":[],` + transforms + `}}`
		added      = `{"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"hi"}]}}`
		msg        = `{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"hi"}]}`
	)
	want := []responses.InputTransformation{{ID: "rs_1", Type: "reasoning", Action: "removed", Reason: "model_mismatch"}}
	tests := []struct {
		name   string
		events []string
		want   []responses.InputTransformation
	}{
		{"terminal carries them", []string{added,
			`{"type":"response.completed","response":{"id":"r","status":"completed","output":[` + msg + `],` + transforms + `}}`}, want},
		{"terminal without output carries them", []string{added,
			`{"type":"response.completed","response":{"id":"r","status":"completed",` + transforms + `}}`}, want},
		{"from response.created, terminal with output", []string{created, added,
			`{"type":"response.completed","response":{"id":"r","status":"completed","output":[` + msg + `]}}`}, want},
		{"from response.created, bare terminal", []string{created, added,
			`{"type":"response.completed","response":{"id":"r","status":"completed"}}`}, want},
		{"none", []string{added, `{"type":"response.completed","response":{"id":"r","status":"completed"}}`}, nil},
		{"reset by a retry", []string{created, `{"type":"agentloop.retry"}`, added,
			`{"type":"response.completed","response":{"id":"r","status":"completed"}}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a responses.Accumulator
			for _, e := range tt.events {
				var ev responses.Event
				if err := json.Unmarshal([]byte(e), &ev); err != nil {
					t.Fatal(err)
				}
				if err := a.Add(&ev); err != nil {
					t.Fatal(err)
				}
			}
			r := a.Response()
			if diff := cmp.Diff(tt.want, r.InputTransformations); diff != "" {
				t.Errorf("InputTransformations (-want +got):\n%s", diff)
			}
			if r.OutputText() != "hi" {
				t.Errorf("output %+v", r.Output)
			}
		})
	}
}

func TestUsageDetails(t *testing.T) {
	body := `{"input_tokens":"120","input_tokens_details":{"cached_tokens":40,"cache_write_tokens":"64",` +
		`"cache_write_tokens_details":{"ttl_30m_tokens":48,"ttl_12h_tokens":16.0,"ttl_new":1}},` +
		`"output_tokens":30,"output_tokens_details":{"reasoning_tokens":10},"total_tokens":150,` +
		`"tool_usage":{"image_gen":{"input_tokens":"50","output_tokens":4160,"total_tokens":4210,"input_tokens_details":{"image_tokens":40}},` +
		`"web_search":{"num_requests":"2"},"file_search":{"num_requests":1}}}`
	var u responses.Usage
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	want := responses.Usage{InputTokens: 120, OutputTokens: 30, TotalTokens: 150,
		InputTokensDetails: responses.InputTokensDetails{CachedTokens: 40, CacheWriteTokens: 64,
			CacheWriteTokensDetails: responses.CacheWriteTokensDetails{TTL30mTokens: 48, TTL12hTokens: 16}},
		OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 10},
		ToolUsage: responses.ToolUsage{ImageGen: responses.ImageGenUsage{InputTokens: 50, OutputTokens: 4160, TotalTokens: 4210},
			WebSearch: responses.WebSearchUsage{NumRequests: 2}}}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}

	var sum responses.Usage
	sum.Add(&u)
	sum.Add(&u)
	double := responses.Usage{InputTokens: 240, OutputTokens: 60, TotalTokens: 300,
		InputTokensDetails: responses.InputTokensDetails{CachedTokens: 80, CacheWriteTokens: 128,
			CacheWriteTokensDetails: responses.CacheWriteTokensDetails{TTL30mTokens: 96, TTL12hTokens: 32}},
		OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 20},
		ToolUsage: responses.ToolUsage{ImageGen: responses.ImageGenUsage{InputTokens: 100, OutputTokens: 8320, TotalTokens: 8420},
			WebSearch: responses.WebSearchUsage{NumRequests: 4}}}
	if diff := cmp.Diff(double, sum); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}

	// Null and missing details decode; bad counts do not.
	for _, b := range []string{
		`{"input_tokens_details":{"cache_write_tokens_details":null},"tool_usage":null}`,
		`{"tool_usage":{"image_gen":null,"web_search":null}}`,
	} {
		var u responses.Usage
		if err := json.Unmarshal([]byte(b), &u); err != nil || u != (responses.Usage{}) {
			t.Errorf("%s: %+v, %v", b, u, err)
		}
	}
	for _, b := range []string{
		`{"tool_usage":{"web_search":{"num_requests":"many"}}}`,
		`{"input_tokens_details":{"cache_write_tokens_details":[]}}`,
	} {
		var u responses.Usage
		if err := json.Unmarshal([]byte(b), &u); err == nil {
			t.Errorf("%s decoded: %+v", b, u)
		}
	}

	// The new fields are left out of an encoding when zero, so that usage
	// encodes as before.
	enc, err := json.Marshal(responses.Usage{InputTokens: 1, TotalTokens: 1})
	if err != nil {
		t.Fatal(err)
	}
	const wantEnc = `{"input_tokens":1,"input_tokens_details":{"cached_tokens":0},"output_tokens":0,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":1}`
	if string(enc) != wantEnc {
		t.Errorf("Marshal = %s\nwant %s", enc, wantEnc)
	}
	enc, _ = json.Marshal(want)
	var back responses.Usage
	if err := json.Unmarshal(enc, &back); err != nil || back != want {
		t.Errorf("round trip of %s: %+v, %v", enc, back, err)
	}
}

func TestReasoned(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{"output":[{"type":"message","role":"assistant","content":[]}],"usage":{"output_tokens_details":{"reasoning_tokens":0}}}`, false},
		{`{"output":[]}`, false},
		{`{"output":[{"type":"reasoning","id":"rs_1","summary":[]},{"type":"message","role":"assistant","content":[]}]}`, true},
		{`{"output":[],"usage":{"output_tokens":9,"output_tokens_details":{"reasoning_tokens":"7"}}}`, true},
	}
	for _, tt := range tests {
		var r responses.Response
		if err := json.Unmarshal([]byte(tt.body), &r); err != nil {
			t.Fatal(err)
		}
		if got := r.Reasoned(); got != tt.want {
			t.Errorf("%s: Reasoned() = %v, want %v", tt.body, got, tt.want)
		}
	}
}
