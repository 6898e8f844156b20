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
