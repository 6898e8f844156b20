package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
)

// TestRenderToolFinished: a call is shown with ✓ only when it worked;
// refused, failed and cut-short calls get ✗ and what became of them.
func TestRenderToolFinished(t *testing.T) {
	call := &responses.Item{Type: responses.ItemComputerCall, CallID: "c",
		Actions: []responses.ComputerAction{{Type: responses.ActionClick, Button: "left", X: 1, Y: 2}}}
	out := &responses.Item{Type: responses.ItemComputerCallOutput, CallID: "c",
		Screenshot: &responses.ComputerScreenshot{ImageURL: "data:image/png;base64,AAAA", CurrentURL: "https://example.com/"}}
	tests := []struct {
		name string
		err  error
		dur  time.Duration
		want string
	}{
		{"worked", nil, 80 * time.Millisecond, "✓ computer [click] → screenshot 0 KiB of https://example.com/ (80.0ms)"},
		{"refused", fmt.Errorf("%w: off task", runner.ErrRejected), 0, "✗ computer [click] → runner: the call was rejected, so it was not run: off task (not run)"},
		{"failed", errors.New("computer: action 0 (click): (5000, 2) is outside the screen"), 3 * time.Millisecond, "✗ computer [click] → computer: action 0 (click): (5000, 2) is outside the screen (3.0ms)"},
		{"cancelled", fmt.Errorf("%w: %w", runner.ErrOutcomeUnknown, context.Canceled), 2 * time.Second, "✗ computer [click] → runner: the run stopped while this call ran"},
	}
	for _, tt := range tests {
		var progress bytes.Buffer
		r := &renderer{out: &bytes.Buffer{}, progress: &progress}
		r.event(runner.Event{Type: runner.EventToolFinished, Item: call, Tool: "computer", Output: out, Duration: tt.dur, Err: tt.err})
		if got := progress.String(); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
