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
