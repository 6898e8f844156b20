package runner_test

import (
	"context"
	"errors"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// fakeShell answers every shell_call with one command's output.
type fakeShell struct{}

func (fakeShell) Definition() responses.Tool {
	return responses.Tool{Type: responses.ToolShell, Environment: "local"}
}
func (fakeShell) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errors.New("use CallItem")
}
func (fakeShell) ItemTypes() []string { return []string{responses.ItemShellCall} }
func (fakeShell) CallItem(_ context.Context, call *responses.Item) (responses.Item, error) {
	return responses.ShellCallOutput(call, []responses.ShellCommandOutput{{Stdout: "a\n", Outcome: responses.ShellOutcome{Type: responses.OutcomeExit}}}), nil
}

// TestTelemetryShellCall: with content capture, a shell call's span carries
// its commands as the arguments and its outputs as the result.
func TestTelemetryShellCall(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ShellCall("call_s", "ls")),
		responsestest.Reply(responsestest.Message("done")),
	)
	tr := newTraced()
	r := tr.runner(srv, "k", nil, &runner.Telemetry{CaptureContent: true})
	a := &agent.Agent{Name: "coder", Model: "gpt-5.1", Tools: []tools.Tool{fakeShell{}}}
	if _, err := r.Run(context.Background(), a, runner.Text("ls")); err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, s := range tr.spans() {
		if s.Name() == "execute_tool shell" {
			seen = true
			checkAttrs(t, s, map[string]string{
				"gen_ai.tool.call.arguments": `{"commands":["ls"],"timeout_ms":null,"max_output_length":null}`,
				"gen_ai.tool.call.result":    `[{"stdout":"a\n","stderr":"","outcome":{"type":"exit","exit_code":0}}]`,
			})
		}
	}
	if !seen {
		t.Error("no execute_tool shell span")
	}
}
