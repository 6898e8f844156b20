package runner_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// TestAbandonedToolIsUnblocked runs a tool that ignores its context: the
// run goes on when the timeout and the grace period have passed, and the
// model reads that the call was abandoned. The goroutine left running the
// tool is the runner's documented exception to joining its goroutines, so
// the test unblocks the tool and waits for it to return before it ends, for
// the leak check of TestMain.
func TestAbandonedToolIsUnblocked(t *testing.T) {
	for _, stream := range []bool{false, true} {
		unblock, returned := make(chan struct{}), make(chan struct{})
		deaf, err := tools.NewFunc("deaf", "ignores its context", func(context.Context, cityArgs) (string, error) {
			defer close(returned)
			<-unblock
			return "too late", nil
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := responsestest.Start(t,
			responsestest.Reply(responsestest.FunctionCall("c1", "deaf", `{"city":"x"}`)),
			responsestest.Reply(responsestest.Message("ok")),
		)
		start := time.Now()
		res, err := newRunner(srv, &runner.Options{ToolTimeout: 20 * time.Millisecond, ToolGracePeriod: 20 * time.Millisecond,
			DisableStreaming: !stream}).Run(context.Background(), &agent.Agent{Model: "m", Tools: []tools.Tool{deaf}}, runner.Text("go"))
		took := time.Since(start)
		close(unblock)
		<-returned
		if err != nil || res.Output != "ok" {
			t.Fatalf("stream=%v: res %v err %v", stream, res, err)
		}
		if took > 5*time.Second {
			t.Errorf("stream=%v: the run took %v, want it to go on after the grace period", stream, took)
		}
		out := outputsOf(srv.Requests()[1].Request)["c1"]
		if !strings.Contains(out, "abandoned") {
			t.Errorf("stream=%v: the model read %q, want the call reported abandoned", stream, out)
		}
		if errors.Is(err, runner.ErrToolAbandoned) {
			t.Errorf("stream=%v: an abandoned call failed the run", stream)
		}
	}
}
