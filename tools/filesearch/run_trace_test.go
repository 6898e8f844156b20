package filesearch_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
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
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

// embeddingsServer serves /v1/embeddings with the same unit vector of 4
// dimensions for every input, and a token per input.
func embeddingsServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		data := make([]map[string]any, len(req.Input))
		for i := range req.Input {
			data[i] = map[string]any{"index": i, "embedding": []float32{1, 0, 0, 0}}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "usage": map[string]int{"prompt_tokens": len(req.Input)}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRunTraced runs the tool through a traced runner: the execute_tool
// span of file_search is a datastore tool, with the embeddings and
// retrieval spans below it.
func TestRunTraced(t *testing.T) {
	emb, err := vectorstore.NewOpenAIEmbedder("test-embed", &vectorstore.OpenAIEmbedderOptions{
		BaseURL: embeddingsServer(t).URL + "/v1", APIKey: "sk-test", Dimensions: 4})
	if err != nil {
		t.Fatal(err)
	}
	fs := newTool(t, newStore(t, emb), &filesearch.Options{MaxNumResults: 2, Embedder: emb})
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_fs", "file_search", `{"queries":["refund window"]}`)),
		responsestest.Reply(responsestest.Message("Within 30 days [1].")),
	)
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	r := runner.New(client, &runner.Options{Telemetry: &runner.Telemetry{TracerProvider: tp,
		MeterProvider: noop.NewMeterProvider(), CaptureContent: true}})
	a := &agent.Agent{Name: "docs", Model: "gpt-5-mini", Tools: []tools.Tool{fs}}
	if _, err := r.Run(context.Background(), a, runner.Text("How long for a refund?")); err != nil {
		t.Fatal(err)
	}

	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		byName[s.Name()] = s
	}
	tool, ok := byName["execute_tool file_search"]
	if !ok {
		t.Fatalf("no execute_tool span among %v", keys(byName))
	}
	if got := attrs(tool.Attributes())["gen_ai.tool.type"]; got != "datastore" {
		t.Errorf("gen_ai.tool.type %q, want datastore", got)
	}
	for _, name := range []string{"embeddings test-embed", "retrieval docs"} {
		s, ok := byName[name]
		if !ok {
			t.Errorf("no span %q among %v", name, keys(byName))
			continue
		}
		if s.Parent().SpanID() != tool.SpanContext().SpanID() {
			t.Errorf("%s is not a child of the execute_tool span", name)
		}
	}
	ret := attrs(byName["retrieval docs"].Attributes())
	if diff := cmp.Diff("refund window", ret["gen_ai.retrieval.query.text"]); diff != "" {
		t.Errorf("query text (-want +got):\n%s", diff)
	}
	if _, ok := ret["gen_ai.request.model"]; ok {
		t.Error("the retrieval span has gen_ai.request.model")
	}
}

func keys(m map[string]sdktrace.ReadOnlySpan) []string {
	return slices.Sorted(maps.Keys(m))
}
