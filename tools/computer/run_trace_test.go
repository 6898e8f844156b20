package computer_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
)

// TestRunTraced runs a computer call through a traced runner: the call's
// execute_tool span is an extension tool with a span per action and one for
// the screenshot below it. With content capture off no span holds the typed
// text, the keys or the screenshot; with it on, the runner's spans carry the
// model's call arguments (as asked) but the action spans still do not.
func TestRunTraced(t *testing.T) {
	for _, capture := range []bool{false, true} {
		t.Run(map[bool]string{false: "capture off", true: "capture on"}[capture], func(t *testing.T) {
			testRunTraced(t, capture)
		})
	}
}

func testRunTraced(t *testing.T, capture bool) {
	c := newScreenComputer(t)
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("cu_1",
			responses.ComputerAction{Type: "click", Button: "left", X: 3, Y: 4},
			responses.ComputerAction{Type: "type", Text: "correct horse battery staple"},
			responses.ComputerAction{Type: "keypress", Keys: []string{"CTRL", "ENTER"}})),
		responsestest.Reply(responsestest.Message("done")),
	)
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	r := runner.New(client, &runner.Options{Telemetry: &runner.Telemetry{TracerProvider: tp,
		MeterProvider: noop.NewMeterProvider(), CaptureContent: capture}})
	a := &agent.Agent{Name: "browser", Model: "gpt-5.4", Tools: []tools.Tool{computer.NewTool(c, nil)}}
	if _, err := r.Run(context.Background(), a, runner.Text("log in")); err != nil {
		t.Fatal(err)
	}

	var call sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "execute_tool computer" {
			call = s
		}
	}
	if call == nil {
		t.Fatal("no execute_tool computer span")
	}
	if got := spanAttrs(call.Attributes())["gen_ai.tool.type"]; got != "extension" {
		t.Errorf("gen_ai.tool.type %q, want extension", got)
	}
	var children []string
	var childSpans []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Parent().SpanID() == call.SpanContext().SpanID() {
			children = append(children, s.Name())
			childSpans = append(childSpans, s)
		}
	}
	want := []string{"browser.click", "browser.type", "browser.keypress", "browser.screenshot"}
	if diff := cmp.Diff(want, children); diff != "" {
		t.Errorf("the call's child spans (-want +got):\n%s", diff)
	}
	if capture {
		checkNoContent(t, childSpans, spanSecrets(c.shot))
	} else {
		checkNoContent(t, rec.Ended(), spanSecrets(c.shot))
	}
}
