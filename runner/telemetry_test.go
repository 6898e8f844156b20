package runner_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// recorded runs one agent run traced into a span recorder and returns the
// ended spans.
type traced struct {
	rec  *tracetest.SpanRecorder
	tp   *sdktrace.TracerProvider
	logs bytes.Buffer
}

func newTraced() *traced {
	rec := tracetest.NewSpanRecorder()
	return &traced{rec: rec, tp: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))}
}

// runner returns a runner over srv whose telemetry goes to tr. The client
// retries quickly; tel fields other than the providers are kept.
func (tr *traced) runner(srv *responsestest.Server, key string, opts *runner.Options, tel *runner.Telemetry) *runner.Runner {
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: key,
		MaxRetries: 3, RetryBaseDelay: time.Millisecond, MaxRetryDelay: 2 * time.Millisecond})
	var o runner.Options
	if opts != nil {
		o = *opts
	}
	var t runner.Telemetry
	if tel != nil {
		t = *tel
	}
	t.TracerProvider = tr.tp
	o.Telemetry = &t
	o.Logger = slog.New(slog.NewTextHandler(&tr.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return runner.New(client, &o)
}

func (tr *traced) spans() []sdktrace.ReadOnlySpan { return tr.rec.Ended() }

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func str(s sdktrace.ReadOnlySpan, k string) string { return attrs(s)[attribute.Key(k)].String() }

func has(s sdktrace.ReadOnlySpan, k string) bool {
	_, ok := attrs(s)[attribute.Key(k)]
	return ok
}

// tree renders spans as indented lines "name kind status", children in
// start order (tool calls of one turn by call id, as they run in parallel).
func tree(spans []sdktrace.ReadOnlySpan) []string {
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext().SpanID()] = true
	}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if p := s.Parent().SpanID(); p.IsValid() && ids[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	order := func(ss []sdktrace.ReadOnlySpan) {
		slices.SortStableFunc(ss, func(a, b sdktrace.ReadOnlySpan) int {
			if a.Name() == b.Name() && strings.HasPrefix(a.Name(), "execute_tool") {
				return strings.Compare(str(a, "gen_ai.tool.call.id"), str(b, "gen_ai.tool.call.id"))
			}
			return a.StartTime().Compare(b.StartTime())
		})
	}
	var out []string
	var walk func(ss []sdktrace.ReadOnlySpan, depth int)
	walk = func(ss []sdktrace.ReadOnlySpan, depth int) {
		order(ss)
		for _, s := range ss {
			out = append(out, fmt.Sprintf("%s%s %s %s", strings.Repeat("  ", depth), s.Name(), s.SpanKind(), s.Status().Code))
			walk(children[s.SpanContext().SpanID()], depth+1)
		}
	}
	walk(roots, 0)
	return out
}

// twoTurns scripts a run: two parallel get_weather calls (one for a city the
// tool fails on), then the answer.
func twoTurns() []responsestest.Step {
	return []responsestest.Step{
		responsestest.Reply(
			responsestest.Reasoning("two cities", "enc-1"),
			responsestest.FunctionCall("call_a", "get_weather", `{"city":"Paris"}`),
			responsestest.FunctionCall("call_b", "get_weather", `{"city":"Atlantis"}`),
		).Usage(responses.Usage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15,
			InputTokensDetails:  responses.InputTokensDetails{CachedTokens: 4, CacheWriteTokens: 6},
			OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 3}}),
		responsestest.Reply(responsestest.Message("Paris is sunny; Atlantis is unknown.")).
			Usage(responses.Usage{InputTokens: 30, OutputTokens: 7, TotalTokens: 37}),
	}
}

func cityTool(t *testing.T) tools.Tool {
	t.Helper()
	tool, err := tools.NewFunc("get_weather", "Weather for a city",
		func(_ context.Context, in cityArgs) (string, error) {
			if in.City == "Atlantis" {
				return "", errors.New("no station in Atlantis")
			}
			return `{"city":"` + in.City + `","sky":"sunny"}`, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

func cityAgent(t *testing.T) *agent.Agent {
	return &agent.Agent{Name: "forecaster", Model: "gpt-5", Instructions: "Be brief.", Tools: []tools.Tool{cityTool(t)}}
}

func TestTelemetrySpanTree(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			srv := responsestest.Start(t, twoTurns()...)
			tr := newTraced()
			r := tr.runner(srv, "test-key", &runner.Options{DisableStreaming: !stream}, nil)

			// The caller's span parents the run.
			ctx, parent := tr.tp.Tracer("test").Start(context.Background(), "caller")
			ctx = runner.WithConversationID(ctx, "conv-42")
			res, err := r.Run(ctx, cityAgent(t), runner.Text("Weather in Paris and Atlantis?"))
			parent.End()
			if err != nil {
				t.Fatal(err)
			}
			if res.Turns != 2 {
				t.Fatalf("%d turns", res.Turns)
			}
			spans := tr.spans()
			want := []string{
				"caller internal Unset",
				"  invoke_agent forecaster internal Unset",
				"    chat gpt-5 client Unset",
				"    execute_tool get_weather internal Unset",
				"    execute_tool get_weather internal Error",
				"    chat gpt-5 client Unset",
			}
			if diff := cmp.Diff(want, tree(spans)); diff != "" {
				t.Errorf("span tree (-want +got):\n%s", diff)
			}

			byName := map[string][]sdktrace.ReadOnlySpan{}
			for _, s := range spans {
				byName[s.Name()] = append(byName[s.Name()], s)
				if s.Name() == "caller" {
					continue
				}
				if got := str(s, "gen_ai.conversation.id"); got != "conv-42" {
					t.Errorf("%s: gen_ai.conversation.id = %q", s.Name(), got)
				}
				if !has(s, "openinference.span.kind") {
					t.Errorf("%s: no openinference.span.kind", s.Name())
				}
				if !strings.HasPrefix(s.Name(), "chat ") && has(s, "gen_ai.request.model") {
					t.Errorf("%s: gen_ai.request.model on a span that is not a model call", s.Name())
				}
				for _, k := range []string{"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.call.arguments", "input.value"} {
					if has(s, k) {
						t.Errorf("%s: content attribute %s while capture is off", s.Name(), k)
					}
				}
			}

			agentSpan := byName["invoke_agent forecaster"][0]
			wantAgent := map[string]string{
				"gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "openai", "gen_ai.agent.name": "forecaster",
				"openinference.span.kind": "AGENT", "agentloop.turns": "2", "gen_ai.usage.input_tokens": "40",
				"gen_ai.usage.output_tokens": "12", "gen_ai.usage.cache_read.input_tokens": "4",
				"gen_ai.usage.cache_write.input_tokens": "6", "gen_ai.usage.reasoning.output_tokens": "3",
			}
			checkAttrs(t, agentSpan, wantAgent)

			chats := byName["chat gpt-5"]
			slices.SortFunc(chats, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
			first := chats[0]
			wantChat := map[string]string{
				"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5",
				"openinference.span.kind": "LLM", "openai.api.type": "responses", "server.address": "127.0.0.1",
				"gen_ai.request.stream": fmt.Sprint(stream),
				"gen_ai.response.model": "gpt-5", "gen_ai.response.finish_reasons": `["tool_calls"]`,
				"gen_ai.usage.input_tokens": "10", "gen_ai.usage.output_tokens": "5",
				"gen_ai.usage.cache_read.input_tokens": "4", "gen_ai.usage.cache_write.input_tokens": "6",
				"gen_ai.usage.reasoning.output_tokens": "3", "agentloop.turn": "1",
			}
			checkAttrs(t, first, wantChat)
			if first.SpanKind() != trace.SpanKindClient {
				t.Errorf("chat kind %v", first.SpanKind())
			}
			if !strings.HasPrefix(str(first, "gen_ai.response.id"), "resp_") {
				t.Errorf("gen_ai.response.id = %q", str(first, "gen_ai.response.id"))
			}
			if got := str(chats[1], "gen_ai.response.finish_reasons"); got != `["stop"]` {
				t.Errorf("second chat finish reasons %s", got)
			}
			if stream != has(first, "gen_ai.response.time_to_first_chunk") {
				t.Errorf("time_to_first_chunk present = %v with stream = %v", !stream, stream)
			}
			// Request attributes are there at start, for samplers.
			startKeys := map[attribute.Key]bool{}
			for _, kv := range startAttributes(t, srv, tr, stream) {
				startKeys[kv.Key] = true
			}
			for _, k := range []attribute.Key{"gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "server.address", "server.port"} {
				if !startKeys[k] {
					t.Errorf("chat span started without %s", k)
				}
			}

			for _, s := range byName["execute_tool get_weather"] {
				want := map[string]string{
					"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.type": "function",
					"gen_ai.tool.description": "Weather for a city", "openinference.span.kind": "TOOL",
				}
				checkAttrs(t, s, want)
				if s.Parent().SpanID() != agentSpan.SpanContext().SpanID() {
					t.Errorf("%s is not a child of the run span", s.Name())
				}
				switch str(s, "gen_ai.tool.call.id") {
				case "call_a":
					if s.Status().Code != codes.Unset || has(s, "error.type") {
						t.Errorf("call_a: status %v", s.Status())
					}
				case "call_b":
					if s.Status().Code != codes.Error || !strings.Contains(s.Status().Description, "no station in Atlantis") || str(s, "error.type") != "_OTHER" {
						t.Errorf("call_b: status %+v error.type %q", s.Status(), str(s, "error.type"))
					}
				default:
					t.Errorf("unexpected call id %q", str(s, "gen_ai.tool.call.id"))
				}
			}
			if !strings.Contains(tr.logs.String(), "runner: tool call") || !strings.Contains(tr.logs.String(), "runner: model call") {
				t.Errorf("debug logs missing:\n%s", tr.logs.String())
			}
		})
	}
}

// startAttributes runs one model call with a sampler that records the
// attributes a chat span starts with.
func startAttributes(t *testing.T, _ *responsestest.Server, _ *traced, stream bool) []attribute.KeyValue {
	t.Helper()
	srv := responsestest.Start(t, responsestest.Reply(responsestest.Message("hi")))
	var got []attribute.KeyValue
	sampler := samplerFunc(func(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
		if strings.HasPrefix(p.Name, "chat ") {
			got = append(got, p.Attributes...)
		}
		return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
	})
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler))
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "k"})
	r := runner.New(client, &runner.Options{DisableStreaming: !stream, Telemetry: &runner.Telemetry{TracerProvider: tp}})
	if _, err := r.Run(context.Background(), &agent.Agent{Name: "a", Model: "gpt-5"}, runner.Text("hi")); err != nil {
		t.Fatal(err)
	}
	return got
}

type samplerFunc func(sdktrace.SamplingParameters) sdktrace.SamplingResult

func (f samplerFunc) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult { return f(p) }
func (f samplerFunc) Description() string                                                { return "test" }

func checkAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for k := range want {
		if v, ok := attrs(s)[attribute.Key(k)]; ok {
			got[k] = v.String()
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s attributes (-want +got):\n%s", s.Name(), diff)
	}
}

func TestTelemetryContentSwitch(t *testing.T) {
	contentKeys := []string{"gen_ai.system_instructions", "gen_ai.input.messages", "gen_ai.output.messages",
		"gen_ai.tool.definitions", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "input.value", "output.value"}
	tests := []struct {
		name string
		env  string
		opt  bool
		want bool
	}{
		{"default off", "", false, false},
		{"option", "", true, true},
		{"env true", "true", false, true},
		{"env SPAN_ONLY", "SPAN_ONLY", false, true},
		{"env false", "false", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(runner.EnvCaptureContent, tt.env)
			srv := responsestest.Start(t, twoTurns()...)
			tr := newTraced()
			r := tr.runner(srv, "k", nil, &runner.Telemetry{CaptureContent: tt.opt})
			if _, err := r.Run(context.Background(), cityAgent(t), runner.Text("Weather in Paris and Atlantis?")); err != nil {
				t.Fatal(err)
			}
			found := map[string]bool{}
			for _, s := range tr.spans() {
				for _, k := range contentKeys {
					if has(s, k) {
						found[k] = true
						v := str(s, k)
						if k != "input.value" && k != "output.value" && k != "gen_ai.tool.call.result" && !json.Valid([]byte(v)) {
							t.Errorf("%s %s is not JSON: %s", s.Name(), k, v)
						}
					}
				}
			}
			for _, k := range contentKeys {
				if found[k] != tt.want {
					t.Errorf("%s present = %v, want %v", k, found[k], tt.want)
				}
			}
			if !tt.want {
				return
			}
			var chats []sdktrace.ReadOnlySpan
			for _, s := range tr.spans() {
				switch {
				case strings.HasPrefix(s.Name(), "chat "):
					chats = append(chats, s)
				case s.Name() == "invoke_agent forecaster":
					checkAttrs(t, s, map[string]string{"input.value": "Weather in Paris and Atlantis?", "input.mime_type": "text/plain",
						"output.value": "Paris is sunny; Atlantis is unknown.", "output.mime_type": "text/plain"})
					if has(s, "gen_ai.input.messages") {
						t.Error("input messages on the agent span")
					}
				case str(s, "gen_ai.tool.call.id") == "call_a":
					checkAttrs(t, s, map[string]string{"gen_ai.tool.call.arguments": `{"city":"Paris"}`,
						"gen_ai.tool.call.result": `{"city":"Paris","sky":"sunny"}`})
				case str(s, "gen_ai.tool.call.id") == "call_b":
					checkAttrs(t, s, map[string]string{"gen_ai.tool.call.result": "Error: no station in Atlantis"})
				}
			}
			slices.SortFunc(chats, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
			// The second call's input: the user message, the assistant's
			// reasoning and calls, the two tool responses.
			var in []struct {
				Role  string           `json:"role"`
				Parts []map[string]any `json:"parts"`
			}
			if err := json.Unmarshal([]byte(str(chats[1], "gen_ai.input.messages")), &in); err != nil {
				t.Fatal(err)
			}
			var shape []string
			for _, m := range in {
				var types []string
				for _, p := range m.Parts {
					types = append(types, p["type"].(string))
				}
				shape = append(shape, m.Role+":"+strings.Join(types, ","))
			}
			if diff := cmp.Diff([]string{"user:text", "assistant:reasoning,tool_call,tool_call", "tool:tool_call_response,tool_call_response"}, shape); diff != "" {
				t.Errorf("input messages (-want +got):\n%s", diff)
			}
			if got := in[1].Parts[1]["arguments"]; !cmp.Equal(got, map[string]any{"city": "Paris"}) {
				t.Errorf("tool_call arguments = %#v, want a JSON object", got)
			}
			checkAttrs(t, chats[1], map[string]string{
				"gen_ai.system_instructions": `[{"content":"Be brief.","type":"text"}]`,
				"gen_ai.output.messages":     `[{"role":"assistant","parts":[{"content":"Paris is sunny; Atlantis is unknown.","type":"text"}],"finish_reason":"stop"}]`,
			})
			if !strings.Contains(str(chats[0], "gen_ai.tool.definitions"), `"name":"get_weather"`) {
				t.Errorf("tool definitions: %s", str(chats[0], "gen_ai.tool.definitions"))
			}
		})
	}
}

func TestTelemetryTruncation(t *testing.T) {
	big := strings.Repeat("é lorem ipsum ", 2000) // ~30 KB, multi-byte runes
	tool, err := tools.NewFunc("echo", "Echoes", func(_ context.Context, in cityArgs) (string, error) {
		b, _ := json.Marshal(map[string]string{"echo": in.City, "more": in.City})
		return string(b), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	args, _ := json.Marshal(cityArgs{City: big})
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_1", "echo", string(args))),
		responsestest.Reply(responsestest.Message(big)),
	)
	const max = 1000
	tr := newTraced()
	r := tr.runner(srv, "k", nil, &runner.Telemetry{CaptureContent: true, MaxContentBytes: max})
	a := &agent.Agent{Name: "echo", Model: "gpt-5", Instructions: big, Tools: []tools.Tool{tool}}
	if _, err := r.Run(context.Background(), a, runner.Text(big)); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, s := range tr.spans() {
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case "gen_ai.system_instructions", "gen_ai.input.messages", "gen_ai.output.messages",
				"gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.tool.definitions":
				checked++
				v := kv.Value.AsString()
				if len(v) > max {
					t.Errorf("%s %s: %d bytes > %d", s.Name(), kv.Key, len(v), max)
				}
				if !json.Valid([]byte(v)) {
					t.Errorf("%s %s is not valid JSON after truncation: %.200s", s.Name(), kv.Key, v)
				}
				if kv.Key != "gen_ai.tool.definitions" && !strings.Contains(v, "truncated") {
					t.Errorf("%s %s has no truncation marker", s.Name(), kv.Key)
				}
			case "input.value", "output.value":
				checked++
				if v := kv.Value.AsString(); len(v) > max || !strings.Contains(v, "truncated") {
					t.Errorf("%s %s: %d bytes, marker %v", s.Name(), kv.Key, len(v), strings.Contains(v, "truncated"))
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d content attributes checked", checked)
	}
}

func TestTelemetryRedaction(t *testing.T) {
	const key = "sk-proj-SECRETSECRET0123456789"
	const gatewayKey = "gw-token-abcdef"
	leaky, err := tools.NewFunc("leaky", "Leaks credentials in errors and output",
		func(_ context.Context, in cityArgs) (string, error) {
			if in.City == "fail" {
				return "", fmt.Errorf("upstream said 401 for Authorization: Bearer %s and key %s", gatewayKey, key)
			}
			return `{"api_key":"` + gatewayKey + `","header":"Bearer ` + gatewayKey + `"}`, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	srv := responsestest.Start(t,
		responsestest.Fail(500, `{"error":{"message":"bad key `+key+`","type":"server_error"}}`),
		responsestest.Reply(
			responsestest.FunctionCall("call_1", "leaky", `{"city":"fail"}`),
			responsestest.FunctionCall("call_2", "leaky", `{"city":"ok `+key+`"}`),
		),
		responsestest.APIError(401, "invalid_api_key", "Incorrect API key provided: "+key),
	)
	tr := newTraced()
	r := tr.runner(srv, key, nil, &runner.Telemetry{CaptureContent: true, Secrets: []string{gatewayKey}})
	a := &agent.Agent{Name: "leaky", Model: "gpt-5", Instructions: "Use " + key, Tools: []tools.Tool{leaky}}
	_, err = r.Run(context.Background(), a, runner.Text("my key is "+key))
	if err == nil {
		t.Fatal("the run did not fail on the 401")
	}
	var all strings.Builder
	for _, s := range tr.spans() {
		fmt.Fprintln(&all, s.Name(), s.Status().Description)
		for _, kv := range s.Attributes() {
			fmt.Fprintln(&all, kv.Key, kv.Value.String())
		}
		for _, ev := range s.Events() {
			fmt.Fprintln(&all, ev.Name)
			for _, kv := range ev.Attributes {
				fmt.Fprintln(&all, kv.Key, kv.Value.String())
			}
		}
	}
	all.WriteString(tr.logs.String())
	dump := all.String()
	for _, secret := range []string{key, gatewayKey, "SECRETSECRET"} {
		if strings.Contains(dump, secret) {
			t.Errorf("%q leaked into telemetry:\n%s", secret, dump)
		}
	}
	if !strings.Contains(dump, "[redacted]") {
		t.Errorf("nothing was redacted; did the content get captured?\n%s", dump)
	}
	if !strings.Contains(dump, "invalid_api_key") {
		t.Errorf("error.type of the 401 missing:\n%s", dump)
	}
}

func TestTelemetryRetries(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			steps := []responsestest.Step{
				responsestest.Fail(500, `{"error":{"message":"boom","type":"server_error"}}`),
				responsestest.APIError(429, "rate_limit_exceeded", "slow down"),
			}
			want := []string{"retry #1 500 500", "retry #2 429 rate_limit_exceeded"}
			if stream {
				// A stream cut after some events: the client reports the
				// retry to the observer and as an EventRetry; one event.
				steps = append(steps, responsestest.Reply(responsestest.Message("ok")).CutAfter(2))
				want = append(want, "retry #3  stream_truncated")
			}
			srv := responsestest.Start(t, append(steps, responsestest.Reply(responsestest.Message("ok")))...)
			tr := newTraced()
			r := tr.runner(srv, "k", &runner.Options{DisableStreaming: !stream}, nil)
			if _, err := r.Run(context.Background(), &agent.Agent{Name: "a", Model: "gpt-5"}, runner.Text("hi")); err != nil {
				t.Fatal(err)
			}
			var chat sdktrace.ReadOnlySpan
			for _, s := range tr.spans() {
				if strings.HasPrefix(s.Name(), "chat ") {
					if chat != nil {
						t.Fatal("two chat spans for one call")
					}
					chat = s
				}
			}
			var got []string
			for _, ev := range chat.Events() {
				m := map[attribute.Key]string{}
				for _, kv := range ev.Attributes {
					m[kv.Key] = kv.Value.String()
				}
				got = append(got, fmt.Sprintf("%s #%s %s %s", ev.Name, m["agentloop.retry.attempt"], m["agentloop.retry.http_status"], m["error.type"]))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("retry events (-want +got):\n%s", diff)
			}
			if chat.Status().Code != codes.Unset {
				t.Errorf("chat status %v after a successful retry", chat.Status())
			}
		})
	}
}

// fakeComputer is a fake computer tool answering every call with a 3×2 PNG.
type fakeComputer struct{ png string }

func (c *fakeComputer) Definition() responses.Tool {
	return responses.Tool{Type: responses.ToolComputer}
}
func (c *fakeComputer) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errors.New("use CallItem")
}
func (c *fakeComputer) CallItem(_ context.Context, call *responses.Item) (responses.Item, error) {
	return responses.Item{Type: responses.ItemComputerCallOutput, CallID: call.CallID,
		Screenshot: &responses.ComputerScreenshot{Type: "computer_screenshot", ImageURL: c.png}}, nil
}

func TestTelemetryScreenshotPlaceholder(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(buf.Bytes())
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("call_c", responses.ComputerAction{Type: "click", X: 1, Y: 1, Button: "left"})),
		responsestest.Reply(responsestest.Message("done")),
	)
	tr := newTraced()
	r := tr.runner(srv, "k", nil, &runner.Telemetry{CaptureContent: true})
	a := &agent.Agent{Name: "cua", Model: "gpt-5", Tools: []tools.Tool{&fakeComputer{png: "data:image/png;base64," + b64}}}
	if _, err := r.Run(context.Background(), a, runner.Text("click")); err != nil {
		t.Fatal(err)
	}
	placeholder := fmt.Sprintf("[image omitted: image/png, %d bytes, 3x2]", buf.Len())
	seen := 0
	for _, s := range tr.spans() {
		for _, kv := range s.Attributes() {
			v := kv.Value.String()
			if strings.Contains(v, b64[:16]) || strings.Contains(v, "base64,") {
				t.Errorf("%s %s holds the screenshot", s.Name(), kv.Key)
			}
			if strings.Contains(v, placeholder) {
				seen++
			}
		}
		if s.Name() == "execute_tool computer" {
			checkAttrs(t, s, map[string]string{"gen_ai.tool.call.arguments": `{"actions":[{"type":"click","button":"left","x":1,"y":1}]}`})
		}
	}
	if seen < 2 { // the tool's result, the next request's input
		t.Errorf("placeholder %q seen %d times", placeholder, seen)
	}
}

func TestTelemetryMetrics(t *testing.T) {
	srv := responsestest.Start(t, twoTurns()...)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	tr := newTraced()
	r := tr.runner(srv, "k", nil, &runner.Telemetry{MeterProvider: mp})
	if _, err := r.Run(context.Background(), cityAgent(t), runner.Text("Weather?")); err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					got[m.Name+" "+m.Unit] = fmt.Sprintf("count=%d bounds=%v", p.Count, p.Bounds)
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					tt, _ := p.Attributes.Value("gen_ai.token.type")
					got[m.Name+" "+tt.AsString()] = fmt.Sprintf("count=%d sum=%d bounds=%d", p.Count, p.Sum, len(p.Bounds))
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					k := m.Name
					if v, ok := p.Attributes.Value("error.type"); ok {
						k += " " + v.AsString()
					}
					if v, ok := p.Attributes.Value("agentloop.outcome"); ok {
						k += " " + v.AsString()
					}
					got[k] = fmt.Sprint(p.Value)
				}
			}
		}
	}
	want := map[string]string{
		"gen_ai.client.operation.duration s": "count=2 bounds=[0.01 0.02 0.04 0.08 0.16 0.32 0.64 1.28 2.56 5.12 10.24 20.48 40.96 81.92]",
		"gen_ai.client.token.usage input":    "count=2 sum=40 bounds=14",
		"gen_ai.client.token.usage output":   "count=2 sum=12 bounds=14",
		"agentloop.runs ok":                  "1",
		"agentloop.turns":                    "2",
		"agentloop.tool.calls":               "2",
		"agentloop.tool.errors _OTHER":       "1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

func TestTelemetryRunError(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
	)
	tr := newTraced()
	r := tr.runner(srv, "k", &runner.Options{MaxTurns: 1}, nil)
	_, err := r.Run(context.Background(), cityAgent(t), runner.Text("hi"))
	if !errors.Is(err, runner.ErrMaxTurns) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"invoke_agent forecaster internal Error",
		"  chat gpt-5 client Unset",
		"  execute_tool get_weather internal Unset",
	}
	if diff := cmp.Diff(want, tree(tr.spans())); diff != "" {
		t.Errorf("span tree (-want +got):\n%s", diff)
	}
	for _, s := range tr.spans() {
		if strings.HasPrefix(s.Name(), "invoke_agent") {
			checkAttrs(t, s, map[string]string{"error.type": "max_turns"})
		}
	}
}

func TestTelemetryNoProviderIsSilent(t *testing.T) {
	// With no providers the runner uses the globals, no-ops here: a run
	// works and nothing panics.
	srv := responsestest.Start(t, twoTurns()...)
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "k"})
	r := runner.New(client, nil)
	if _, err := r.Run(context.Background(), cityAgent(t), runner.Text("hi")); err != nil {
		t.Fatal(err)
	}
}

func TestTelemetryStoppedRun(t *testing.T) {
	srv := responsestest.Start(t) // never called: the consumer stops first
	reader := sdkmetric.NewManualReader()
	tr := newTraced()
	r := tr.runner(srv, "k", nil, &runner.Telemetry{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	for ev, err := range r.Stream(context.Background(), cityAgent(t), runner.Text("Weather?")) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventTurnStarted {
			break
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var outcome string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "agentloop.runs" {
				v, _ := s.DataPoints[0].Attributes.Value("agentloop.outcome")
				outcome = v.AsString()
			}
		}
	}
	if outcome != "stopped" {
		t.Errorf("agentloop.outcome = %q, want stopped", outcome)
	}
	for _, s := range tr.spans() {
		if strings.HasPrefix(s.Name(), "invoke_agent") && s.Status().Code == codes.Error {
			t.Errorf("%s marked as failed after the consumer stopped", s.Name())
		}
	}
}
