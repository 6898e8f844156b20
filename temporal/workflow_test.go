package temporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

type cityArgs struct {
	City string `json:"city"`
}

func weatherTool(t *testing.T, calls *atomic.Int64, opts ...tools.FuncOption) tools.Tool {
	t.Helper()
	tool, err := tools.NewFunc("get_weather", "Weather for a city",
		func(_ context.Context, in cityArgs) (string, error) {
			calls.Add(1)
			return "sunny <&> in " + in.City, nil
		}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

type mailArgs struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

func mailTool(t *testing.T, calls *atomic.Int64) tools.Tool {
	t.Helper()
	tool, err := tools.NewFunc("send_mail", "Sends a mail",
		func(_ context.Context, in mailArgs) (string, error) {
			calls.Add(1)
			return "sent to " + in.To, nil
		}, tools.WithApproval(tools.AlwaysAsk()))
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

// weatherSteps is a conversation of three turns with calls.
func weatherSteps() []responsestest.Step {
	return []responsestest.Step{
		responsestest.Reply(
			responsestest.Reasoning("two <cities> & more", "enc-1"),
			responsestest.FunctionCall("call_a", "get_weather", `{"city": "Paris & <Nice>"}`),
			responsestest.FunctionCall("call_b", "get_weather", `{"city":"Tokyo"}`),
		).Usage(responses.Usage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15}),
		responsestest.Reply(responsestest.FunctionCall("call_c", "get_weather", `{"city":"Oslo"}`)).
			Usage(responses.Usage{InputTokens: 20, OutputTokens: 5, TotalTokens: 25}),
		responsestest.Reply(responsestest.Message("All sunny <3 & more.")).
			Usage(responses.Usage{InputTokens: 30, OutputTokens: 2, TotalTokens: 32}),
	}
}

// newRuntime returns a Runtime whose model is srv.
func newRuntime(t *testing.T, srv *responsestest.Server, agents []*agent.Agent, opts *Options) *Runtime {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Responses = &responses.Options{BaseURL: srv.URL(), APIKey: "test"}
	if o.ModelRetry == nil {
		o.ModelRetry = &sdktemporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 3}
	}
	rt, err := New(agents, &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

func newEnv(rt *Runtime) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	rt.Register(env)
	return env
}

// bodies returns the bodies of the requests srv received.
func bodies(srv *responsestest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, string(r.Body))
	}
	return out
}

// localRun runs a locally against a fresh server with steps, deciding the
// calls that await approval with decide, and returns the result and the
// request bodies.
func localRun(t *testing.T, a *agent.Agent, ro runner.Options, input runner.Input, decide func(*runner.State), steps ...responsestest.Step) (*runner.Result, []string) {
	t.Helper()
	srv := responsestest.Start(t, steps...)
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	defer client.Close()
	r := runner.New(client, &ro)
	ctx := context.Background()
	res, err := r.Run(ctx, a, input)
	for err == nil && res.Paused() {
		decide(res.State)
		res, err = r.Resume(ctx, a, res.State)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res, bodies(srv)
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) *RunResult {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out RunResult
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestWorkflowMatchesRun: a run as a workflow sends byte for byte the
// requests a local run sends, runs each call once and returns the same
// result, streaming or not, with requests inline or by reference.
func TestWorkflowMatchesRun(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var local, calls atomic.Int64
			ro := runner.Options{DisableStreaming: !stream, MaxTurns: 5}
			la := &agent.Agent{Name: "weather", Model: "gpt-5", Instructions: "be <brief>", Tools: []tools.Tool{weatherTool(t, &local)}}
			want, wantBodies := localRun(t, la, ro, runner.Text("Weather & <cities>?"), nil, weatherSteps()...)

			srv := responsestest.Start(t, weatherSteps()...)
			a := &agent.Agent{Name: "weather", Model: "gpt-5", Instructions: "be <brief>", Tools: []tools.Tool{weatherTool(t, &calls)}}
			rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &ro})
			env := newEnv(rt)
			in, err := NewRunInput("weather", runner.Text("Weather & <cities>?"))
			if err != nil {
				t.Fatal(err)
			}
			env.ExecuteWorkflow(WorkflowName, in)
			out := result(t, env)
			if diff := cmp.Diff(wantBodies, bodies(srv)); diff != "" {
				t.Errorf("requests differ from a local run's (-local +workflow):\n%s", diff)
			}
			res, err := (&Run{id: "w"}).build(out.State, out.InputItems)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(out.Output, res.Turns, res.Usage.TotalTokens, len(res.NewItems), len(res.History))
			if w := fmt.Sprint(want.Output, want.Turns, want.Usage.TotalTokens, len(want.NewItems), len(want.History)); got != w {
				t.Errorf("result %s, want %s", got, w)
			}
			if calls.Load() != 3 {
				t.Errorf("%d tool calls, want 3", calls.Load())
			}
			if res.State.RunID != "default-test-workflow-id" {
				t.Errorf("run id %q, want the workflow id", res.State.RunID)
			}
		})
	}
}

// TestWorkflowApprovals: a run pauses on the calls that need approval (the
// free one runs), shows them in its progress, refuses a decision it cannot
// take, takes an update and a signal, and sends what a local run sends with
// the same decisions.
func TestWorkflowApprovals(t *testing.T) {
	steps := func() []responsestest.Step {
		return []responsestest.Step{responsestest.Reply(
			responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`),
			responsestest.FunctionCall("c2", "send_mail", `{"to":"ann@example.com","body":"hi <3"}`),
			responsestest.FunctionCall("c3", "send_mail", `{"to":"bob@example.com","body":"hi"}`),
		), responsestest.Reply(responsestest.Message("Done."))}
	}
	var lw, lm, weather, mail atomic.Int64
	ro := runner.Options{DisableStreaming: true}
	la := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &lw), mailTool(t, &lm)}}
	_, wantBodies := localRun(t, la, ro, runner.Text("Mail the weather"), func(st *runner.State) {
		if err := st.Approve("c2"); err != nil {
			t.Fatal(err)
		}
		if err := st.Reject("c3", "not bob"); err != nil {
			t.Fatal(err)
		}
	}, steps()...)

	srv := responsestest.Start(t, steps()...)
	a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &weather), mailTool(t, &mail)}}
	rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &ro})
	env := newEnv(rt)
	var progress *Progress
	var refused, approved error
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(ProgressQuery)
		if err != nil {
			t.Error(err)
			return
		}
		progress = new(Progress)
		if err := v.Get(progress); err != nil {
			t.Error(err)
		}
		env.UpdateWorkflow(DecideUpdate, "u1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { refused = err },
			OnAccept: func() { t.Error("a decision on an unknown call was accepted") },
		}, CallDecision{CallID: "c9", Decision: runner.Decision{Approve: true}})
		env.UpdateWorkflow(DecideUpdate, "u2", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { approved = err },
			OnComplete: func(_ any, err error) { approved = err },
		}, CallDecision{CallID: "c2", Fingerprint: progress.Pending[0].Fingerprint, Decision: runner.Decision{Approve: true}})
	}, 24*time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(DecideSignal, CallDecision{CallID: "c3", Decision: runner.Decision{Message: "not bob"}})
	}, 48*time.Hour)
	in, err := NewRunInput("mailer", runner.Text("Mail the weather"))
	if err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(WorkflowName, in)
	result(t, env)

	if progress == nil {
		t.Fatal("no progress")
	}
	var pending []string
	for _, p := range progress.Pending {
		pending = append(pending, p.CallID+" "+p.Tool+" "+p.Arguments)
	}
	wantPending := []string{`c2 send_mail {"to":"ann@example.com","body":"hi <3"}`, `c3 send_mail {"to":"bob@example.com","body":"hi"}`}
	if diff := cmp.Diff(wantPending, pending); diff != "" || progress.Status != runner.StatusPaused || progress.Turn != 1 {
		t.Errorf("progress %+v; pending (-want +got):\n%s", progress, diff)
	}
	if refused == nil || !strings.Contains(refused.Error(), `no call "c9"`) {
		t.Errorf("decision on an unknown call: %v", refused)
	}
	if approved != nil {
		t.Errorf("approval: %v", approved)
	}
	if weather.Load() != 1 || mail.Load() != 1 {
		t.Errorf("weather ran %d times, mail %d; want 1 and 1", weather.Load(), mail.Load())
	}
	if diff := cmp.Diff(wantBodies, bodies(srv)); diff != "" {
		t.Errorf("requests differ from a local run's (-local +workflow):\n%s", diff)
	}
}

// TestWorkflowContinueAsNew: when the server suggests it, the run continues
// as new at the next turn with its state, and the new execution goes on to
// send what an uninterrupted run sends.
func TestWorkflowContinueAsNew(t *testing.T) {
	var local, calls atomic.Int64
	ro := runner.Options{DisableStreaming: true}
	la := &agent.Agent{Name: "weather", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &local)}}
	want, wantBodies := localRun(t, la, ro, runner.Text("Weather?"), nil, weatherSteps()...)

	srv := responsestest.Start(t, weatherSteps()...)
	a := &agent.Agent{Name: "weather", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &calls)}}
	rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &ro})
	env := newEnv(rt)
	env.SetOnActivityCompletedListener(func(info *activityInfo, _ converter.EncodedValue, _ error) {
		if info.ActivityType.Name == ToolActivity {
			env.SetContinueAsNewSuggested(true)
		}
	})
	in, err := NewRunInput("weather", runner.Text("Weather?"))
	if err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(WorkflowName, in)
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("error %v, want a continue-as-new", err)
	}
	var next RunInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	st, err := decodeState(next.State)
	if err != nil {
		t.Fatal(err)
	}
	if next.Continued != 1 || next.InputItems != 1 || st.Turn != 1 || len(st.Calls) != 0 || len(st.History) != 6 {
		t.Errorf("carried %+v, state turn %d, %d calls, %d items", next, st.Turn, len(st.Calls), len(st.History))
	}

	env2 := newEnv(rt)
	env2.ExecuteWorkflow(WorkflowName, next)
	out := result(t, env2)
	if diff := cmp.Diff(wantBodies, bodies(srv)); diff != "" {
		t.Errorf("requests differ from a local run's (-local +workflow):\n%s", diff)
	}
	if out.Output != want.Output || calls.Load() != 3 {
		t.Errorf("output %q, %d calls; want %q, 3", out.Output, calls.Load(), want.Output)
	}
}

// TestWorkflowModelErrors: model calls are retried as the client
// classifies their failures, and a run that fails returns the API error.
func TestWorkflowModelErrors(t *testing.T) {
	tests := []struct {
		name     string
		steps    []responsestest.Step
		requests int
		status   int // of the *responses.Error the run fails with; 0: it succeeds
	}{
		{"final", []responsestest.Step{responsestest.APIError(400, "invalid_value", "bad request")}, 1, 400},
		{"retried", []responsestest.Step{responsestest.APIError(500, "server_error", "oops"), responsestest.Reply(responsestest.Message("ok"))}, 2, 0},
		{"retry-after", []responsestest.Step{responsestest.APIError(429, "rate_limit_exceeded", "slow down").Header("Retry-After-Ms", "5"),
			responsestest.Reply(responsestest.Message("ok"))}, 2, 0},
		{"exhausted", []responsestest.Step{responsestest.APIError(503, "", "down"), responsestest.APIError(503, "", "down"),
			responsestest.APIError(503, "", "down")}, 3, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := responsestest.Start(t, tt.steps...)
			a := &agent.Agent{Name: "a", Model: "gpt-5"}
			rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &runner.Options{DisableStreaming: true}})
			env := newEnv(rt)
			in, _ := NewRunInput("a", runner.Text("hi"))
			env.ExecuteWorkflow(WorkflowName, in)
			if n := len(srv.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.status == 0 {
				if out := result(t, env); out.Output != "ok" {
					t.Errorf("output %q", out.Output)
				}
				return
			}
			res, err := (&Run{id: "w"}).failed(env.GetWorkflowError())
			var apiErr *responses.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Fatalf("error %v, want an API error %d", err, tt.status)
			}
			if res == nil || res.State == nil || res.State.Status != runner.StatusRunning {
				t.Errorf("result %+v, want the state", res)
			}
		})
	}
}

type activityInfo = activity.Info

type converterValues = converter.EncodedValues

// TestWorkflowUnknownOutcome: a call whose activity fails after it started
// (its worker died) is not run again: the model is told its outcome is
// unknown, as after a local crash. An idempotent tool's call runs again.
func TestWorkflowUnknownOutcome(t *testing.T) {
	for _, idem := range []bool{false, true} {
		t.Run(fmt.Sprintf("idempotent=%v", idem), func(t *testing.T) {
			steps := []responsestest.Step{
				responsestest.Reply(responsestest.FunctionCall("call_a", "get_weather", `{"city":"Paris"}`)),
				responsestest.Reply(responsestest.Message("ok")),
			}
			srv := responsestest.Start(t, steps...)
			var calls atomic.Int64
			var opts []tools.FuncOption
			if idem {
				opts = append(opts, tools.WithIdempotent())
			}
			a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &calls, opts...)}}
			rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &runner.Options{DisableStreaming: true},
				IdempotentRetry: &sdktemporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 3}})
			env := newEnv(rt)
			var attempts atomic.Int64
			env.OnActivity(ToolActivity, mock.Anything, mock.Anything).Return(
				func(ctx context.Context, in toolInput) (*toolOutput, error) {
					if attempts.Add(1) == 1 {
						return nil, errors.New("worker lost")
					}
					return rt.tool(ctx, in)
				})
			in, _ := NewRunInput("a", runner.Text("hi"))
			env.ExecuteWorkflow(WorkflowName, in)
			result(t, env)
			out := outputs(srv.Requests()[1].Request)["call_a"]
			want := "Error: " + runner.ErrOutcomeUnknown.Error()
			wantCalls := int64(0)
			if idem {
				want, wantCalls = "sunny <&> in Paris", 1
			}
			if out != want || calls.Load() != wantCalls {
				t.Errorf("output %q after %d runs, want %q after %d", out, calls.Load(), want, wantCalls)
			}
		})
	}
}

// outputs returns the call_id → output text of every tool output in a
// request.
func outputs(req *responses.Request) map[string]string {
	m := map[string]string{}
	for _, it := range req.Input.Items {
		if it.Type == responses.ItemFunctionCallOutput || it.Type == responses.ItemCustomToolCallOutput {
			m[it.CallID] = it.Output.String()
		}
	}
	return m
}

// TestWorkflowFailures: a run fails as a local run does, and the caller
// gets the sentinel and the state.
func TestWorkflowFailures(t *testing.T) {
	abort, err := tools.NewFunc("stop", "Stops", func(context.Context, struct{}) (string, error) {
		return "", fmt.Errorf("cannot go on: %w", tools.ErrAbort)
	})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	tests := []struct {
		name  string
		agent *agent.Agent
		opts  runner.Options
		steps []responsestest.Step
		want  error
	}{
		{"max turns", &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &calls)}}, runner.Options{MaxTurns: 1},
			[]responsestest.Step{responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`))}, runner.ErrMaxTurns},
		{"abort", &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{abort}}, runner.Options{},
			[]responsestest.Step{responsestest.Reply(responsestest.FunctionCall("c1", "stop", `{}`))}, tools.ErrAbort},
		{"unanswerable", &agent.Agent{Name: "a", Model: "gpt-5"}, runner.Options{},
			[]responsestest.Step{responsestest.Reply(responsestest.ComputerCall("c1", responses.ComputerAction{Type: "screenshot"}))}, runner.ErrUnanswerable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := responsestest.Start(t, tt.steps...)
			tt.opts.DisableStreaming = true
			rt := newRuntime(t, srv, []*agent.Agent{tt.agent}, &Options{Runner: &tt.opts})
			env := newEnv(rt)
			in, _ := NewRunInput("a", runner.Text("hi"))
			env.ExecuteWorkflow(WorkflowName, in)
			res, err := (&Run{id: "w"}).failed(env.GetWorkflowError())
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			var re *RunError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.want.Error()) {
				t.Errorf("error %q (%T)", err, err)
			}
			if res == nil || res.State == nil || res.Turns != 1 {
				t.Errorf("result %+v, want the state after 1 turn", res)
			}
		})
	}
}

// TestWorkflowPayloadCap: a tool output larger than MaxPayloadBytes never
// enters the history: the model reads an error instead.
func TestWorkflowPayloadCap(t *testing.T) {
	big, err := tools.NewFunc("big", "Big output", func(context.Context, struct{}) (string, error) {
		return strings.Repeat("x", 5000), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("c1", "big", `{}`)),
		responsestest.Reply(responsestest.Message("ok")))
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{big}}
	rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &runner.Options{DisableStreaming: true}, MaxPayloadBytes: 2000})
	env := newEnv(rt)
	in, _ := NewRunInput("a", runner.Text("hi"))
	env.ExecuteWorkflow(WorkflowName, in)
	result(t, env)
	out := outputs(srv.Requests()[1].Request)["c1"]
	if !strings.HasPrefix(out, "Error: the output of this call was") || !strings.Contains(out, "2000 bytes") {
		t.Errorf("output %q", out)
	}
}

// TestWorkflowCancel: a cancelled run stops its running call, leaves it
// recorded as started, and returns context.Canceled with the state.
func TestWorkflowCancel(t *testing.T) {
	started := make(chan struct{})
	block, err := tools.NewFunc("block", "Blocks", func(ctx context.Context, _ struct{}) (string, error) {
		close(started)
		<-ctx.Done()
		return "", ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("c1", "block", `{}`)))
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{block}}
	rt := newRuntime(t, srv, []*agent.Agent{a}, &Options{Runner: &runner.Options{DisableStreaming: true}, HeartbeatTimeout: 300 * time.Millisecond})
	env := newEnv(rt)
	env.SetOnActivityStartedListener(func(info *activityInfo, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == ToolActivity {
			go func() {
				<-started
				env.CancelWorkflow()
			}()
		}
	})
	in, _ := NewRunInput("a", runner.Text("hi"))
	env.ExecuteWorkflow(WorkflowName, in)
	res, err := (&Run{id: "w"}).failed(env.GetWorkflowError())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if res == nil || res.State == nil || len(res.State.Calls) != 1 || res.State.Calls[0].Status != runner.CallStarted {
		t.Fatalf("result %+v, want the call recorded as started", res)
	}
}

// TestUnknownAgent: a worker without the run's agent fails the workflow
// task, so that a worker that has it can take the run.
func TestUnknownAgent(t *testing.T) {
	srv := responsestest.Start(t)
	rt := newRuntime(t, srv, nil, nil)
	env := newEnv(rt)
	in, _ := NewRunInput("nobody", runner.Text("hi"))
	env.ExecuteWorkflow(WorkflowName, in)
	var panicErr *sdktemporal.PanicError
	if err := env.GetWorkflowError(); !errors.As(err, &panicErr) || !strings.Contains(err.Error(), `no agent named "nobody"`) {
		t.Errorf("error %v, want a panic naming the agent", err)
	}
}

// TestNewRefuses: agents must be valid and their names unique.
func TestNewRefuses(t *testing.T) {
	a := &agent.Agent{Name: "a", Model: "gpt-5"}
	tests := []struct {
		name   string
		agents []*agent.Agent
		want   string
	}{
		{"nil", []*agent.Agent{nil}, "nil agent"},
		{"duplicate", []*agent.Agent{a, a}, `two agents named "a"`},
		{"invalid", []*agent.Agent{{Name: "b"}}, `agent "b"`},
		{"input guardrails", []*agent.Agent{{Name: "c", Model: "gpt-5", Handoffs: []agent.Handoff{{Agent: &agent.Agent{Name: "d", Model: "gpt-5",
			Guardrails: agent.Guardrails{Input: []agent.InputGuardrail{{Name: "g"}}}}}}}}, `agent "d" has input guardrails`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.agents, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
