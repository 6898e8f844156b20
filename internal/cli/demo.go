package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/internal/exampletools"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// demoCase is one scripted demo run: an agent, a prompt, and the script that
// plays the model. Scripts read the request they get (the user's question,
// the tool outputs) and answer from it, so the tools' real outputs flow
// into the answers.
type demoCase struct {
	name, blurb, prompt string
	agent               func() (*agent.Agent, func(), error)
	model               func(r *responsestest.Received) responsestest.Step
	show                func(w io.Writer, res *runner.Result)
}

func demoCases() []demoCase {
	return []demoCase{
		{
			name:   "weather",
			blurb:  "parallel function calls, streamed",
			prompt: "What's the weather in Paris and Tokyo right now?",
			agent:  weatherAgent,
			model:  weatherModel,
		},
		{
			name:   "recovery",
			blurb:  "the model sends bad arguments, is told so, and corrects itself",
			prompt: "Is it warm in Oslo?",
			agent:  weatherAgent,
			model:  recoveryModel,
		},
		{
			name:   "structured",
			blurb:  "a typed final output decoded into a Go struct",
			prompt: "Should I pack an umbrella for Lisbon?",
			agent:  structuredAgent,
			model:  structuredModel,
			show: func(w io.Writer, res *runner.Result) {
				if adv, ok := res.Value.(PackingAdvice); ok {
					fmt.Fprintf(w, "   decoded into %T: %+v\n", adv, adv)
				}
			},
		},
		{
			name:   "handoff",
			blurb:  "a triage agent hands the conversation to a forecaster, which answers with its own tools",
			prompt: "Will I need a coat in Oslo?",
			agent:  handoffAgent,
			model:  handoffModel,
			show: func(w io.Writer, res *runner.Result) {
				fmt.Fprintf(w, "   answered by: %s\n", res.Agent)
			},
		},
		docsQADemoCase(),
		codingDemoCase(),
		browserDemoCase(),
	}
}

// handoffAgent is a triage agent that may hand over to a forecaster.
func handoffAgent() (*agent.Agent, func(), error) {
	forecaster, _, err := weatherAgent()
	if err != nil {
		return nil, nil, err
	}
	forecaster.Name = "forecaster"
	return &agent.Agent{
		Name:         "triage",
		Instructions: "Route the user: hand weather questions to the forecaster.",
		Model:        "gpt-5-mini",
		Handoffs:     []agent.Handoff{{Agent: forecaster}},
	}, nil, nil
}

// handoffModel plays triage (it hands off), then the forecaster (it calls
// get_weather, then answers from its output).
func handoffModel(r *responsestest.Received) responsestest.Step {
	if !strings.HasPrefix(r.Request.Instructions, "Answer weather") {
		return responsestest.Reply(responsestest.FunctionCall("call_handoff", "transfer_to_forecaster", `{"reason":"a weather question"}`))
	}
	for _, it := range r.Request.Input.Items {
		if it.Type == responses.ItemFunctionCallOutput && it.CallID == "call_oslo" {
			var w struct {
				Temp       float64 `json:"temp_c"`
				Conditions string  `json:"conditions"`
			}
			_ = json.Unmarshal([]byte(it.Output.String()), &w)
			advice := "No coat needed."
			if w.Temp < 20 || strings.Contains(w.Conditions, "rain") {
				advice = "Take the coat."
			}
			return responsestest.Reply(responsestest.Message(fmt.Sprintf("Oslo: %g°C, %s. %s", w.Temp, w.Conditions, advice)))
		}
	}
	return responsestest.Reply(responsestest.FunctionCall("call_oslo", "get_weather", `{"city":"Oslo"}`))
}

func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "demo", "[--only NAME] [--no-stream]", "run the example agents end to end against a scripted model, with no key and no network")
	only := fs.String("only", "", "run only this demo ("+strings.Join(demoNames(), ", ")+")")
	noStream := fs.Bool("no-stream", false, "send plain requests instead of streaming ones")
	traceMode := addTraceFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	w := env.Stdout
	ctx, tr, err := startTracing(ctx, env, *traceMode)
	if err != nil {
		return err
	}
	defer tr.finish(ctx, w, env.Stderr)
	fmt.Fprintln(w, "agentloop demo: the model is scripted. A responsestest server in this process plays it")
	fmt.Fprintln(w, "over real HTTP and SSE; no API key and no network are used. The tools run for real.")
	ran, skipped := 0, 0
	var failed []string
	for _, c := range demoCases() {
		if *only != "" && c.name != *only {
			continue
		}
		ran++
		if err := runDemoCase(ctx, w, c, !*noStream, tr); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if why, ok := isSkip(err); ok {
				fmt.Fprintf(w, "\n━━ %s: skipped: %s\n", c.name, why)
				skipped++
				continue
			}
			fmt.Fprintf(w, "  ✗ %s failed: %s\n", c.name, oneLine(err.Error()))
			failed = append(failed, c.name)
		}
	}
	if ran == 0 {
		return fmt.Errorf("%w: no demo named %q; the demos are: %s", errUsage, *only, strings.Join(demoNames(), ", "))
	}
	fmt.Fprintln(w)
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d demos failed: %s", len(failed), ran, strings.Join(failed, ", "))
	}
	if skipped > 0 {
		fmt.Fprintf(w, "%s ran, %d skipped. ", plural(ran-skipped, "demo"), skipped)
	} else {
		fmt.Fprintf(w, "%s ran. ", plural(ran, "demo"))
	}
	fmt.Fprintln(w, "Next: `agentloop run \"What's the weather in Paris?\"` with OPENAI_API_KEY set.")
	return nil
}

func demoNames() []string {
	var names []string
	for _, c := range demoCases() {
		names = append(names, c.name)
	}
	return names
}

func runDemoCase(ctx context.Context, w io.Writer, c demoCase, stream bool, tr *tracing) error {
	a, cleanup, err := c.agent()
	if err != nil {
		if _, ok := isSkip(err); ok {
			return err
		}
		return fmt.Errorf("setting up: %w", err)
	}
	if cleanup != nil {
		defer cleanup()
	}
	srv := responsestest.NewServer(&responsestest.Options{Fallback: c.model})
	defer srv.Close()
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "demo"})
	defer client.Close()
	r := runner.New(client, &runner.Options{DisableStreaming: !stream, Telemetry: tr.telemetry()})
	defer tr.flushTree(w)

	fmt.Fprintf(w, "\n━━ %s: %s\n", c.name, c.blurb)
	fmt.Fprintf(w, "   user: %s\n", c.prompt)
	rd := &renderer{out: w, progress: w, indent: "   "}
	start := time.Now()
	var res *runner.Result
	for ev, err := range r.Stream(ctx, a, runner.Text(c.prompt)) {
		if err != nil {
			rd.endLine()
			return err
		}
		rd.event(ev)
		if ev.Type == runner.EventFinalOutput && len(ev.Path) == 0 {
			res = ev.Result
		}
	}
	if err := srv.Err(); err != nil {
		return fmt.Errorf("the scripted server saw a protocol violation: %w", err)
	}
	if res == nil {
		return errors.New("the run ended without a final output")
	}
	if c.show != nil {
		c.show(w, res)
	}
	fmt.Fprintf(w, "   summary: %s · %s (%d failed, shown to the model) · %d input / %d output tokens · %s\n",
		plural(res.Turns, "turn"), plural(rd.calls, "tool call"), rd.errs, res.Usage.InputTokens, res.Usage.OutputTokens, fmtDuration(time.Since(start)))
	return nil
}

func weatherAgent() (*agent.Agent, func(), error) {
	weather, err := exampletools.NewWeatherTool()
	if err != nil {
		return nil, nil, err
	}
	return &agent.Agent{
		Name:         "weather",
		Instructions: "Answer weather questions with get_weather. Call it once per city, in parallel.",
		Model:        "gpt-5-mini",
		Tools:        []tools.Tool{weather},
	}, nil, nil
}

// PackingAdvice is the structured demo's output type.
type PackingAdvice struct {
	City         string `json:"city" jsonschema:"description=The destination"`
	TempC        int    `json:"temp_c" jsonschema:"description=Current temperature in °C"`
	PackUmbrella bool   `json:"pack_umbrella"`
	Reason       string `json:"reason" jsonschema:"description=One sentence"`
}

func structuredAgent() (*agent.Agent, func(), error) {
	a, cleanup, err := weatherAgent()
	if err != nil {
		return nil, nil, err
	}
	a.Name = "packing"
	a.Instructions = "Decide whether to pack an umbrella, from the current weather."
	out, err := agent.OutputOf[PackingAdvice]("packing_advice")
	if err != nil {
		return nil, nil, err
	}
	a.Output = out
	return a, cleanup, nil
}

// knownCities are the cities the scripted model recognises in a question.
var knownCities = []string{"Paris", "Tokyo", "London", "Lisbon", "Oslo", "Berlin", "New York", "Sydney"}

// userText is the text of the last user message of a request.
func userText(req *responses.Request) string {
	if req == nil {
		return ""
	}
	if req.Input.Items == nil {
		return req.Input.Text
	}
	for i := len(req.Input.Items) - 1; i >= 0; i-- {
		if it := &req.Input.Items[i]; it.IsMessage() && it.Role == responses.RoleUser {
			return it.Text()
		}
	}
	return ""
}

// toolOutputs returns the outputs of function calls in a request, in order.
func toolOutputs(req *responses.Request) []string {
	var outs []string
	for i := range req.Input.Items {
		if it := &req.Input.Items[i]; it.Type == responses.ItemFunctionCallOutput {
			outs = append(outs, it.Output.String())
		}
	}
	return outs
}

func citiesIn(text string) []string {
	var found []string
	for _, c := range knownCities {
		if strings.Contains(strings.ToLower(text), strings.ToLower(c)) {
			found = append(found, c)
		}
	}
	return found
}

func cityArgs(city string) string {
	b, _ := json.Marshal(exampletools.WeatherArgs{City: city})
	return string(b)
}

func weatherModel(r *responsestest.Received) responsestest.Step {
	outs := toolOutputs(r.Request)
	if len(outs) == 0 {
		cities := citiesIn(userText(r.Request))
		if len(cities) == 0 {
			return responsestest.Reply(responsestest.Message("Which city do you mean?"))
		}
		preamble := responsestest.Message("Let me look up " + strings.Join(cities, " and ") + ".")
		preamble.Phase = responses.PhaseCommentary
		items := []responses.Item{responsestest.Reasoning("The user wants current weather; one call per city.", "demo-encrypted-reasoning"), preamble}
		for i, c := range cities {
			items = append(items, responsestest.FunctionCall(fmt.Sprintf("call_w%d", i+1), "get_weather", cityArgs(c)))
		}
		return responsestest.Reply(items...)
	}
	var parts []string
	for _, o := range outs {
		var wx exampletools.Weather
		if err := json.Unmarshal([]byte(o), &wx); err != nil {
			parts = append(parts, "one lookup failed ("+clip(o, 60)+")")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s is %d°C and %s", wx.City, wx.TempC, wx.Conditions))
	}
	final := responsestest.Message("Right now " + strings.Join(parts, "; ") + ".")
	final.Phase = responses.PhaseFinalAnswer
	return responsestest.Reply(final)
}

// recoveryModel first calls get_weather with a wrong argument name, reads
// the error the runner sends back, and then calls it correctly.
func recoveryModel(r *responsestest.Received) responsestest.Step {
	outs := toolOutputs(r.Request)
	switch {
	case len(outs) == 0:
		return responsestest.Reply(responsestest.FunctionCall("call_bad", "get_weather", `{"town":"Oslo"}`))
	case len(outs) == 1 && strings.HasPrefix(outs[0], "Error"):
		fix := responsestest.Message("My arguments were wrong (" + clip(outs[0], 80) + "); retrying with \"city\".")
		fix.Phase = responses.PhaseCommentary
		return responsestest.Reply(fix, responsestest.FunctionCall("call_good", "get_weather", cityArgs("Oslo")))
	}
	var wx exampletools.Weather
	if err := json.Unmarshal([]byte(outs[len(outs)-1]), &wx); err != nil {
		return responsestest.Reply(responsestest.Message("I could not get the weather."))
	}
	verdict := "not warm"
	if wx.TempC >= 20 {
		verdict = "warm"
	}
	return responsestest.Reply(responsestest.Message(fmt.Sprintf("Oslo is %s: %d°C and %s.", verdict, wx.TempC, wx.Conditions)))
}

func structuredModel(r *responsestest.Received) responsestest.Step {
	outs := toolOutputs(r.Request)
	if len(outs) == 0 {
		city := "Lisbon"
		if cs := citiesIn(userText(r.Request)); len(cs) > 0 {
			city = cs[0]
		}
		return responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", cityArgs(city)))
	}
	var wx exampletools.Weather
	if err := json.Unmarshal([]byte(outs[0]), &wx); err != nil {
		return responsestest.Reply(responsestest.Message(`{"city":"","temp_c":0,"pack_umbrella":true,"reason":"The weather lookup failed."}`))
	}
	rain := strings.Contains(wx.Conditions, "rain") || strings.Contains(wx.Conditions, "overcast")
	reason := fmt.Sprintf("It is %s at %d°C.", wx.Conditions, wx.TempC)
	b, _ := json.Marshal(PackingAdvice{City: wx.City, TempC: wx.TempC, PackUmbrella: rain, Reason: reason})
	return responsestest.Reply(responsestest.Message(string(b)))
}
