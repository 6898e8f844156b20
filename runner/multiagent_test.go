package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// toolNames lists the function tools a request declares.
func toolNames(req *responses.Request) []string {
	var names []string
	for _, t := range req.Tools {
		names = append(names, t.Name)
	}
	return names
}

func triageAgents(t *testing.T, n *atomic.Int64, filter func([]responses.Item) []responses.Item) (*agent.Agent, *agent.Agent) {
	billing := &agent.Agent{Name: "billing", Model: "gpt-5", Instructions: "You handle invoices.",
		Tools: []tools.Tool{mailTool(t, n, tools.WithStrict(true))}}
	triage := &agent.Agent{Name: "triage", Model: "gpt-5", Instructions: "Route the user.",
		Tools:    []tools.Tool{weatherTool(t, n)},
		Handoffs: []agent.Handoff{{Agent: billing, Filter: filter}}}
	return triage, billing
}

// TestHandoff: the model hands over to billing, which answers with its own
// instructions and tools; the handoff is an event, the result names the
// agent, and the first of two handoffs in a turn wins.
func TestHandoff(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var n atomic.Int64
			triage, _ := triageAgents(t, &n, nil)
			srv := responsestest.Start(t,
				responsestest.Reply(
					responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`),
					responsestest.FunctionCall("h1", "transfer_to_billing", `{"reason":"invoice question"}`),
					responsestest.FunctionCall("h2", "transfer_to_billing", `{"reason":null}`)),
				responsestest.Reply(responsestest.Message("Your invoice is paid.")))
			var handoffs []string
			var res *runner.Result
			for ev, err := range newRunner(srv, &runner.Options{DisableStreaming: !stream}).Stream(context.Background(), triage, runner.Text("My invoice?")) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventHandoff {
					handoffs = append(handoffs, ev.From+">"+ev.To)
				}
				if ev.Type == runner.EventFinalOutput {
					res = ev.Result
				}
			}
			if res == nil || res.Agent != "billing" || res.Output != "Your invoice is paid." {
				t.Fatalf("result %+v", res)
			}
			if diff := cmp.Diff([]string{"triage>billing"}, handoffs); diff != "" {
				t.Errorf("handoffs (-want +got):\n%s", diff)
			}
			reqs := srv.Requests()
			if diff := cmp.Diff([]string{"get_weather", "transfer_to_billing"}, toolNames(reqs[0].Request)); diff != "" {
				t.Errorf("triage's tools (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"send_mail"}, toolNames(reqs[1].Request)); diff != "" {
				t.Errorf("billing's tools (-want +got):\n%s", diff)
			}
			if reqs[1].Request.Instructions != "You handle invoices." {
				t.Errorf("instructions %q", reqs[1].Request.Instructions)
			}
			outs := outputsOf(reqs[1].Request)
			if outs["h1"] != `{"assistant":"billing"}` || !strings.Contains(outs["h2"], "only one handoff per turn") || outs["c1"] != "sunny in Paris" {
				t.Errorf("outputs %v", outs)
			}
		})
	}
}

// TestHandoffFilter: DropToolCalls leaves the next agent the messages only.
func TestHandoffFilter(t *testing.T) {
	var n atomic.Int64
	triage, _ := triageAgents(t, &n, runner.DropToolCalls)
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.Reasoning("", "enc"), responsestest.Message("Let me check."),
			responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`),
			responsestest.FunctionCall("h1", "transfer_to_billing", `{"reason":null}`)),
		responsestest.Reply(responsestest.Message("Paid.")))
	res, err := newRunner(srv, nil).Run(context.Background(), triage, runner.Text("Invoice?"))
	if err != nil || res.Agent != "billing" {
		t.Fatalf("res %v err %v", res, err)
	}
	var kinds []string
	for _, it := range srv.Requests()[1].Request.Input.Items {
		kinds = append(kinds, it.Type+":"+it.ID)
	}
	if diff := cmp.Diff([]string{"message:", "message:"}, kinds); diff != "" {
		t.Errorf("billing's input (-want +got):\n%s", diff)
	}
	if _, err := newRunner(srv, &runner.Options{ChainResponses: true}).Run(context.Background(), triage, runner.Text("x")); err == nil ||
		!strings.Contains(err.Error(), "chained or conversation run") {
		t.Errorf("a filter under ChainResponses: err = %v", err)
	}
}

// TestHandoffPauseResume: a run that paused after a handoff resumes with
// the agent in charge, found from the root agent by name.
func TestHandoffPauseResume(t *testing.T) {
	var n atomic.Int64
	billing := &agent.Agent{Name: "billing", Model: "gpt-5", Tools: []tools.Tool{mailTool(t, &n)}}
	triage := &agent.Agent{Name: "triage", Model: "gpt-5", Handoffs: []agent.Handoff{{Agent: billing}}}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("h1", "transfer_to_billing", `{"reason":null}`)),
		responsestest.Reply(responsestest.FunctionCall("m1", "send_mail", `{"to":"ann","body":"x"}`)),
		responsestest.Reply(responsestest.Message("Sent.")))
	r := newRunner(srv, nil)
	res, err := r.Run(context.Background(), triage, runner.Text("Mail Ann"))
	if err != nil || !res.Paused() || res.State.Agent != "billing" {
		t.Fatalf("paused %v agent %q err %v", res.Paused(), res.State.Agent, err)
	}
	st := roundTrip(t, res.State)
	if err := st.Approve("m1"); err != nil {
		t.Fatal(err)
	}
	res, err = newRunner(srv, nil).Resume(context.Background(), triage, st)
	if err != nil || res.Output != "Sent." || res.Agent != "billing" || n.Load() != 1 {
		t.Fatalf("res %+v err %v, %d mails", res, err, n.Load())
	}
}

// TestAgentTool: a lead agent calls a researcher agent as a tool; the
// nested run's events reach the stream tagged with their path, its usage
// adds to the lead's, and a call in it that needs approval pauses the whole
// run, which the outer state resumes.
func TestAgentTool(t *testing.T) {
	var n atomic.Int64
	researcher := &agent.Agent{Name: "researcher", Model: "gpt-5", Instructions: "Find facts.",
		Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
	srv := responsestest.NewServer(&responsestest.Options{Fallback: func(r *responsestest.Received) responsestest.Step {
		u := responses.Usage{InputTokens: 10, OutputTokens: 1, TotalTokens: 11}
		if r.Request.Instructions == "Find facts." {
			outs := outputsOf(r.Request)
			switch outs["w1"] {
			case "":
				return responsestest.Reply(responsestest.FunctionCall("w1", "get_weather", `{"city":"Oslo"}`),
					responsestest.FunctionCall("m1", "send_mail", `{"to":"lead","body":"found"}`)).Usage(u)
			default:
				return responsestest.Reply(responsestest.Message("Oslo: " + outs["w1"] + "; " + outs["m1"])).Usage(u)
			}
		}
		if outs := outputsOf(r.Request); outs["a1"] != "" {
			return responsestest.Reply(responsestest.Message("The researcher says: " + outs["a1"])).Usage(u)
		}
		return responsestest.Reply(responsestest.FunctionCall("a1", "researcher", `{"input":"Weather in Oslo?"}`)).Usage(u)
	}})
	defer srv.Close()
	r := newRunner(srv, nil)
	asTool, err := runner.AgentTool(r, researcher, nil)
	if err != nil {
		t.Fatal(err)
	}
	lead := &agent.Agent{Name: "lead", Model: "gpt-5", Instructions: "Lead.", Tools: []tools.Tool{asTool}}

	var paths []string
	var res *runner.Result
	for ev, err := range r.Stream(context.Background(), lead, runner.Text("Weather in Oslo?")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventToolFinished && len(ev.Path) > 0 {
			paths = append(paths, ev.Agent+"@"+strings.Join(ev.Path, "/")+":"+ev.Tool)
		}
		if ev.Type == runner.EventPaused && len(ev.Path) == 0 {
			res = ev.Result
		}
	}
	if res == nil || !res.Paused() {
		t.Fatal("the run did not pause on the nested call")
	}
	if len(res.Interruptions) != 1 || res.Interruptions[0].CallID != "m1" || strings.Join(res.Interruptions[0].Path, "/") != "lead:a1" {
		t.Fatalf("interruptions %+v", res.Interruptions)
	}
	if diff := cmp.Diff([]string{"researcher@lead:a1:get_weather"}, paths); diff != "" {
		t.Errorf("nested events (-want +got):\n%s", diff)
	}
	st := roundTrip(t, res.State)
	if err := st.Approve("m1"); err != nil {
		t.Fatal(err)
	}
	res, err = newRunner(srv, nil).Resume(context.Background(), lead, st)
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != "The researcher says: Oslo: sunny in Oslo; sent to lead" {
		t.Errorf("output %q", res.Output)
	}
	if n.Load() != 2 {
		t.Errorf("%d tool executions, want 2 (weather, mail)", n.Load())
	}
	// Usage: two model calls of the lead, two of the researcher (the one
	// before the pause travelled in the nested state).
	if res.Usage.TotalTokens != 4*11 {
		t.Errorf("total usage %d tokens, want %d (4 model calls)", res.Usage.TotalTokens, 4*11)
	}
}

// TestGuardrails trips and passes every kind of guardrail.
func TestGuardrails(t *testing.T) {
	tripIf := func(bad string) func(context.Context, []responses.Item) (agent.Verdict, error) {
		return func(_ context.Context, in []responses.Item) (agent.Verdict, error) {
			if strings.Contains(in[len(in)-1].Text()+in[len(in)-1].ContentText, bad) {
				return agent.Verdict{Action: agent.Trip, Message: "off topic"}, nil
			}
			return agent.Verdict{}, nil
		}
	}
	var n atomic.Int64
	cases := []struct {
		name    string
		g       agent.Guardrails
		input   string
		want    string // guardrail name in the error; "" for no error
		ran     int64
		outputs map[string]string
	}{
		{name: "input passes", g: agent.Guardrails{Input: []agent.InputGuardrail{{Name: "topic", Check: tripIf("poem")}}}, input: "weather", ran: 1},
		{name: "input trips beside the model call", g: agent.Guardrails{Input: []agent.InputGuardrail{{Name: "topic", Check: tripIf("poem")}}}, input: "a poem", want: "topic"},
		{name: "input trips before the model call", g: agent.Guardrails{Input: []agent.InputGuardrail{{Name: "topic", Blocking: true, Check: tripIf("poem")}}}, input: "a poem", want: "topic"},
		{name: "input guardrail fails", g: agent.Guardrails{Input: []agent.InputGuardrail{{Name: "broken", Check: func(context.Context, []responses.Item) (agent.Verdict, error) {
			return agent.Verdict{}, errors.New("classifier down")
		}}}}, input: "weather", want: "broken"},
		{name: "output trips", g: agent.Guardrails{Output: []agent.OutputGuardrail{{Name: "no-rain", Check: func(_ context.Context, text string, _ any) (agent.Verdict, error) {
			if strings.Contains(text, "Sunny") {
				return agent.Verdict{Action: agent.Trip, Message: "too optimistic"}, nil
			}
			return agent.Verdict{}, nil
		}}}}, input: "weather", want: "no-rain", ran: 1},
		{name: "tool rejected before", g: agent.Guardrails{Tool: []agent.ToolGuardrail{{Name: "no-paris", Before: func(_ context.Context, c *responses.Item) (agent.Verdict, error) {
			return agent.Verdict{Action: agent.Reject, Message: "Paris is off limits"}, nil
		}}}}, input: "weather", outputs: map[string]string{"c1": "Error: rejected by a guardrail: Paris is off limits; the call was not run."}},
		{name: "tool trips before", g: agent.Guardrails{Tool: []agent.ToolGuardrail{{Name: "stop", Before: func(context.Context, *responses.Item) (agent.Verdict, error) {
			return agent.Verdict{Action: agent.Trip, Message: "no tools today"}, nil
		}}}}, input: "weather", want: "stop"},
		{name: "tool output replaced", g: agent.Guardrails{Tool: []agent.ToolGuardrail{{Name: "redact", After: func(_ context.Context, _ *responses.Item, out *responses.Item) (agent.Verdict, error) {
			return agent.Verdict{Action: agent.Replace, Message: strings.ToUpper(out.Output.String())}, nil
		}}}}, input: "weather", ran: 1, outputs: map[string]string{"c1": "SUNNY IN PARIS"}},
		{name: "tool trips after", g: agent.Guardrails{Tool: []agent.ToolGuardrail{{Name: "leak", After: func(context.Context, *responses.Item, *responses.Item) (agent.Verdict, error) {
			return agent.Verdict{Action: agent.Trip, Message: "secret in output"}, nil
		}}}}, input: "weather", want: "leak", ran: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.Store(0)
			srv := responsestest.NewServer(&responsestest.Options{Fallback: func(r *responsestest.Received) responsestest.Step {
				if len(outputsOf(r.Request)) > 0 {
					return responsestest.Reply(responsestest.Message("Sunny."))
				}
				return responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`))
			}})
			defer srv.Close()
			a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}, Guardrails: c.g}
			var verdicts []string
			var err error
			var res *runner.Result
			for ev, e := range newRunner(srv, nil).Stream(context.Background(), a, runner.Text(c.input)) {
				if ev.Type == runner.EventGuardrail {
					verdicts = append(verdicts, ev.Guardrail.Name+"="+ev.Guardrail.Action)
				}
				if ev.Result != nil {
					res = ev.Result
				}
				if e != nil {
					err = e
				}
			}
			var ge *runner.GuardrailError
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case c.want != "" && (!errors.As(err, &ge) || ge.Guardrail != c.want):
				t.Fatalf("err = %v, want guardrail %q", err, c.want)
			}
			if len(verdicts) == 0 {
				t.Error("no guardrail event")
			}
			if n.Load() != c.ran {
				t.Errorf("the tool ran %d times, want %d", n.Load(), c.ran)
			}
			if res == nil || res.State == nil {
				t.Error("the result was lost")
			}
			if c.outputs != nil {
				if diff := cmp.Diff(c.outputs, outputsOf(srv.Requests()[1].Request)); diff != "" {
					t.Errorf("outputs (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestHooks: every hook is called once per thing it observes, in order,
// also when a tool fails.
func TestHooks(t *testing.T) {
	var mu sync.Mutex
	var got []string
	add := func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}
	hooks := &runner.Hooks{
		BeforeModel: func(_ context.Context, a *agent.Agent, _ *responses.Request) { add("before-model " + a.Name) },
		AfterModel: func(_ context.Context, a *agent.Agent, _ *responses.Response, err error) {
			add(fmt.Sprintf("after-model %s err=%v", a.Name, err != nil))
		},
		BeforeTool: func(_ context.Context, _ *agent.Agent, c *responses.Item) { add("before-tool " + c.Name) },
		AfterTool: func(_ context.Context, _ *agent.Agent, c *responses.Item, _ *responses.Item, err error) {
			add(fmt.Sprintf("after-tool %s err=%v", c.Name, err != nil))
		},
		Handoff: func(_ context.Context, from, to *agent.Agent) { add("handoff " + from.Name + ">" + to.Name) },
	}
	var n atomic.Int64
	triage, _ := triageAgents(t, &n, nil)
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"town":"x"}`)),
		responsestest.Reply(responsestest.FunctionCall("h1", "transfer_to_billing", `{"reason":null}`)),
		responsestest.Reply(responsestest.Message("ok")))
	if _, err := newRunner(srv, &runner.Options{Hooks: hooks}).Run(context.Background(), triage, runner.Text("go")); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"before-model triage", "after-model triage err=false", "before-tool get_weather", "after-tool get_weather err=true",
		"before-model triage", "after-model triage err=false", "before-tool transfer_to_billing", "after-tool transfer_to_billing err=false",
		"handoff triage>billing", "before-model billing", "after-model billing err=false",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
}

// TestAgentToolSpans: the nested run's invoke_agent span is a child of
// the execute_tool span of the call that started it.
func TestAgentToolSpans(t *testing.T) {
	var n atomic.Int64
	tr := newTraced()
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("a1", "helper", `{"input":"Weather?"}`)),
		responsestest.Reply(responsestest.FunctionCall("w1", "get_weather", `{"city":"Rome"}`)),
		responsestest.Reply(responsestest.Message("sunny")),
		responsestest.Reply(responsestest.Message("It is sunny.")))
	r := tr.runner(srv, "k", nil, nil)
	helper := &agent.Agent{Name: "helper", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
	asTool, err := runner.AgentTool(r, helper, nil)
	if err != nil {
		t.Fatal(err)
	}
	lead := &agent.Agent{Name: "lead", Model: "gpt-5", Tools: []tools.Tool{asTool}}
	if _, err := r.Run(context.Background(), lead, runner.Text("go")); err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	parent := map[string]string{}
	for _, s := range tr.spans() {
		byID[s.SpanContext().SpanID().String()] = s.Name()
		parent[s.Name()] = s.Parent().SpanID().String()
	}
	for child, want := range map[string]string{
		"invoke_agent helper":      "execute_tool helper",
		"execute_tool helper":      "invoke_agent lead",
		"execute_tool get_weather": "invoke_agent helper",
	} {
		if got := byID[parent[child]]; got != want {
			t.Errorf("%s: parent %q, want %q", child, got, want)
		}
	}
}
