package cli

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/internal/otlptest"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

const (
	testKey      = "sk-test-0123456789abcdefXYZ"
	remoteTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteParent = "00f067aa0ba902b7"
)

// weatherScript plays the model of a run with two parallel calls.
func weatherScript(t *testing.T) *responsestest.Server {
	return responsestest.Start(t,
		responsestest.Reply(
			responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`),
			responsestest.FunctionCall("call_2", "get_weather", `{"city":"Tokyo"}`),
		).Usage(responses.Usage{InputTokens: 50, OutputTokens: 20, TotalTokens: 70,
			InputTokensDetails: responses.InputTokensDetails{CachedTokens: 16}}),
		responsestest.Reply(responsestest.Message("Paris and Tokyo are fine.")).
			Usage(responses.Usage{InputTokens: 90, OutputTokens: 8, TotalTokens: 98}),
	)
}

// TestRunTraceOTLP runs `agentloop run --trace otlp` in-process against a
// scripted model and an OTLP/HTTP receiver, and checks the spans arrived
// intact, parented on TRACEPARENT, with no key anywhere.
func TestRunTraceOTLP(t *testing.T) {
	srv := weatherScript(t)
	rcv := otlptest.Start(t)
	env := map[string]string{
		"OPENAI_BASE_URL":             srv.URL(),
		"OPENAI_API_KEY":              testKey,
		"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL(),
		"OTEL_EXPORTER_OTLP_HEADERS":  "x-test-tenant=acme,authorization=Basic%20dGVzdA==",
		"OTEL_SERVICE_NAME":           "agentloop-e2e",
		"TRACEPARENT":                 "00-" + remoteTrace + "-" + remoteParent + "-01",
		"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
	}
	r := runCLI(t, env, "run", "--tools", "weather", "--trace", "otlp", "Weather in Paris and Tokyo?")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Paris and Tokyo are fine.") {
		t.Errorf("stdout: %s", r.stdout)
	}
	spans := rcv.Spans()
	var got []string
	byName := map[string][]otlptest.Span{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
		got = append(got, s.Name+" "+s.Kind+" "+s.StatusCode)
		if s.TraceID != remoteTrace {
			t.Errorf("%s: trace %s, want the TRACEPARENT's %s", s.Name, s.TraceID, remoteTrace)
		}
		if s.Service != "agentloop-e2e" {
			t.Errorf("%s: service.name %q", s.Name, s.Service)
		}
	}
	slices.Sort(got)
	want := []string{
		"chat gpt-5-mini client unset",
		"chat gpt-5-mini client unset",
		"execute_tool get_weather internal unset",
		"execute_tool get_weather internal unset",
		"invoke_agent assistant internal unset",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("spans (-want +got):\n%s", diff)
	}
	root := byName["invoke_agent assistant"][0]
	if root.ParentSpanID != remoteParent {
		t.Errorf("invoke_agent parent %q, want the TRACEPARENT's %s", root.ParentSpanID, remoteParent)
	}
	for _, s := range spans {
		if s.Name != root.Name && s.ParentSpanID != root.SpanID {
			t.Errorf("%s is not a child of the run span", s.Name)
		}
	}
	wantRoot := map[string]string{
		"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "assistant", "openinference.span.kind": "AGENT",
		"agentloop.turns": "2", "gen_ai.usage.input_tokens": "140", "gen_ai.usage.output_tokens": "28",
		"input.value": "Weather in Paris and Tokyo?", "output.value": "Paris and Tokyo are fine.",
	}
	checkMap(t, root.Name, wantRoot, root.Attributes)
	chats := byName["chat gpt-5-mini"]
	slices.SortFunc(chats, func(a, b otlptest.Span) int {
		return strings.Compare(a.Attributes["agentloop.turn"], b.Attributes["agentloop.turn"])
	})
	checkMap(t, "first chat", map[string]string{
		"gen_ai.request.model": "gpt-5-mini", "gen_ai.provider.name": "openai", "server.address": "127.0.0.1",
		"gen_ai.request.stream": "true", "gen_ai.response.finish_reasons": "[tool_calls]",
		"gen_ai.usage.input_tokens": "50", "gen_ai.usage.cache_read.input_tokens": "16",
	}, chats[0].Attributes)
	if !strings.Contains(chats[1].Attributes["gen_ai.input.messages"], `"tool_call_response"`) {
		t.Errorf("second chat input messages: %s", chats[1].Attributes["gen_ai.input.messages"])
	}
	for _, s := range byName["execute_tool get_weather"] {
		if s.Attributes["gen_ai.tool.call.id"] == "" || !strings.Contains(s.Attributes["gen_ai.tool.call.result"], "temp_c") {
			t.Errorf("tool span attributes: %v", s.Attributes)
		}
	}
	for i, h := range rcv.Headers() {
		if h.Get("X-Test-Tenant") != "acme" || h.Get("Authorization") != "Basic dGVzdA==" {
			t.Errorf("export %d headers: %v", i, h)
		}
	}
	for _, b := range rcv.Bodies() {
		if bytes.Contains(b, []byte(testKey)) || bytes.Contains(b, []byte("0123456789abcdef")) {
			t.Error("the API key went out in the trace")
		}
	}
}

func checkMap(t *testing.T, what string, want, all map[string]string) {
	t.Helper()
	got := map[string]string{}
	for k := range want {
		if v, ok := all[k]; ok {
			got[k] = v
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s attributes (-want +got):\n%s", what, diff)
	}
}

var durations = regexp.MustCompile(`\d+(\.\d+)?(µs|ms|s)\b`)

func TestRunTraceStdout(t *testing.T) {
	srv := weatherScript(t)
	env := map[string]string{"OPENAI_BASE_URL": srv.URL(), "OPENAI_API_KEY": testKey}
	r := runCLI(t, env, "run", "--tools", "weather", "--trace", "stdout", "Weather in Paris and Tokyo?")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r.stdout != "Paris and Tokyo are fine.\n" {
		t.Errorf("stdout holds more than the answer:\n%s", r.stdout)
	}
	_, treeText, ok := strings.Cut(r.stderr, "trace ")
	if !ok {
		t.Fatalf("no trace tree on stderr:\n%s", r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(durations.ReplaceAllString(treeText, "D")), "\n")
	lines[0] = "trace " + regexp.MustCompile(`[0-9a-f]{32}`).ReplaceAllString(lines[0], "ID")
	for i := range lines {
		lines[i] = regexp.MustCompile(`resp_[A-Za-z0-9]+`).ReplaceAllString(lines[i], "RESP")
	}
	want := []string{
		"trace ID",
		"invoke_agent assistant  D  turns=2 tokens=140/28 cached=16",
		"├─ chat gpt-5-mini  D  RESP tool_calls tokens=50/20 cached=16 ttfc=D",
		"├─ execute_tool get_weather  D  call_1",
		"├─ execute_tool get_weather  D  call_2",
		"└─ chat gpt-5-mini  D  RESP stop tokens=90/8 ttfc=D",
	}
	// The two tool spans start concurrently: compare them as a set.
	slices.Sort(lines[3:5])
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("tree (-want +got):\n%s\nfull stdout:\n%s", diff, r.stdout)
	}
}

func TestRunTraceStdoutWithJSON(t *testing.T) {
	srv := weatherScript(t)
	env := map[string]string{"OPENAI_BASE_URL": srv.URL(), "OPENAI_API_KEY": testKey}
	r := runCLI(t, env, "run", "--json", "--trace", "stdout", "Weather in Paris and Tokyo?")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "invoke_agent") || !strings.Contains(r.stderr, "invoke_agent assistant") {
		t.Errorf("with --json the tree goes to stderr\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

func TestRunTraceUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		flag string
		want string
	}{
		{"bad mode", nil, "jaeger", "use stdout, otlp, or an OTLP/HTTP URL"},
		{"grpc", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "otlp", "OTLP over HTTP (http/protobuf) only"},
		{"bad endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"}, "otlp", "is not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"OPENAI_API_KEY": testKey, "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, "run", "--trace", tt.flag, "hi")
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestOTLPEndpoint(t *testing.T) {
	tests := []struct {
		mode string
		env  map[string]string
		want string
	}{
		{"otlp", nil, "http://localhost:4318/v1/traces"},
		{"otlp", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318"}, "https://collector:4318/v1/traces"},
		{"otlp", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://cloud.langfuse.com/api/public/otel"}, "https://cloud.langfuse.com/api/public/otel/v1/traces"},
		{"otlp", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://y:6006/v1/traces"}, "http://y:6006/v1/traces"},
		{"http://127.0.0.1:4318", nil, "http://127.0.0.1:4318/v1/traces"},
		{"http://127.0.0.1:4318/v1/traces", nil, "http://127.0.0.1:4318/v1/traces"},
	}
	for _, tt := range tests {
		env := &Env{Getenv: func(k string) string { return tt.env[k] }}
		got, err := otlpEndpoint(env, tt.mode)
		if err != nil || got != tt.want {
			t.Errorf("otlpEndpoint(%q, %v) = %q, %v; want %q", tt.mode, tt.env, got, err, tt.want)
		}
	}
}

func TestRunTraceUnreachableCollector(t *testing.T) {
	srv := weatherScript(t)
	rcv := otlptest.NewReceiver()
	dead := rcv.URL()
	rcv.Close() // nothing listens there any more
	env := map[string]string{"OPENAI_BASE_URL": srv.URL(), "OPENAI_API_KEY": testKey, "OTEL_EXPORTER_OTLP_ENDPOINT": dead}
	start := time.Now()
	r := runCLI(t, env, "run", "--trace", "otlp", "Weather in Paris and Tokyo?")
	if r.code != 0 {
		t.Fatalf("exit %d: the run itself worked\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "exporting the trace to "+dead+"/v1/traces failed") {
		t.Errorf("no warning on stderr:\n%s", r.stderr)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the CLI waited %v for a dead collector", d)
	}
}
