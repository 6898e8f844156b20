package filesearch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

// traced returns a context holding a recording "execute_tool file_search"
// span (as the runner passes to Call), that span and the recorder.
func traced(t *testing.T, run *genai.Run) (context.Context, trace.Span, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx := t.Context()
	if run != nil {
		ctx = genai.WithRun(ctx, run)
	}
	ctx, span := tp.Tracer("test").Start(ctx, "execute_tool file_search")
	return ctx, span, rec
}

// retrievalSpans returns the ended spans named like retrieval spans.
func retrievalSpans(rec *tracetest.SpanRecorder) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if strings.HasPrefix(s.Name(), "retrieval ") {
			out = append(out, s)
		}
	}
	return out
}

func attrs(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// dbStore is a store that says it is a database client.
type dbStore struct{ *vectorstore.Memory }

func (dbStore) DBSystemName() string                   { return "qdrant" }
func (dbStore) ServerAddress() (host string, port int) { return "qdrant.internal", 6334 }

func TestRetrievalSpan(t *testing.T) {
	const args = `{"queries":["refund","how long do refunds take?"]}`
	base := map[string]string{
		"gen_ai.operation.name":           "retrieval",
		"openinference.span.kind":         "RETRIEVER",
		"gen_ai.data_source.id":           "docs",
		"gen_ai.request.top_k":            "2",
		"agentloop.retrieval.query_count": "2",
		"agentloop.retrieval.hit_count":   "2",
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		run     *genai.Run
		db      bool
		want    map[string]string
		content bool // query text and documents expected
	}{
		{name: "no run", want: base},
		{name: "capture off", run: &genai.Run{ConversationID: "conv_1"},
			want: with(map[string]string{"gen_ai.conversation.id": "conv_1"})},
		{name: "qdrant", db: true, run: &genai.Run{},
			want: with(map[string]string{"db.system.name": "qdrant", "server.address": "qdrant.internal", "server.port": "6334"})},
		{name: "capture on", run: &genai.Run{CaptureContent: true}, content: true,
			want: with(map[string]string{"gen_ai.retrieval.query.text": "refund\nhow long do refunds take?"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st vectorstore.Store = newStore(t, nil)
			if tt.db {
				st = dbStore{st.(*vectorstore.Memory)}
			}
			fs := newTool(t, st, &filesearch.Options{MaxNumResults: 2})
			ctx, parent, rec := traced(t, tt.run)
			if _, err := fs.Call(ctx, args); err != nil {
				t.Fatal(err)
			}
			parent.End()
			spans := retrievalSpans(rec)
			if len(spans) != 1 {
				t.Fatalf("%d retrieval spans, want 1", len(spans))
			}
			s := spans[0]
			if s.Name() != "retrieval docs" || s.SpanKind() != trace.SpanKindClient {
				t.Errorf("span %q kind %v", s.Name(), s.SpanKind())
			}
			if s.Parent().SpanID() != parent.SpanContext().SpanID() {
				t.Error("the retrieval span is not a child of the execute_tool span")
			}
			got := attrs(s.Attributes())
			docs, ok := got["gen_ai.retrieval.documents"]
			delete(got, "gen_ai.retrieval.documents")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("attributes (-want +got):\n%s", diff)
			}
			if ok != tt.content {
				t.Fatalf("documents present %v, want %v", ok, tt.content)
			}
			if !ok {
				return
			}
			var list []struct {
				ID     string   `json:"id"`
				FileID string   `json:"file_id"`
				Score  *float64 `json:"score"`
			}
			if err := json.Unmarshal([]byte(docs), &list); err != nil {
				t.Fatalf("documents are not JSON: %v\n%s", err, docs)
			}
			if len(list) != 2 || list[0].ID == "" || list[0].FileID != "file-refunds" || list[0].Score == nil {
				t.Errorf("documents %s", docs)
			}
			if strings.Contains(docs, "Customers") {
				t.Errorf("documents carry chunk text: %s", docs)
			}
		})
	}
}

func TestRetrievalSpanDocumentsBounded(t *testing.T) {
	fs := newTool(t, newStore(t, nil), &filesearch.Options{MaxNumResults: 3})
	ctx, parent, rec := traced(t, &genai.Run{CaptureContent: true, MaxContentBytes: 150})
	if _, err := fs.Call(ctx, `{"queries":["refund shipping api keys"]}`); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := retrievalSpans(rec)
	if len(spans) != 1 {
		t.Fatalf("%d retrieval spans", len(spans))
	}
	docs := attrs(spans[0].Attributes())["gen_ai.retrieval.documents"]
	var list []map[string]any
	if err := json.Unmarshal([]byte(docs), &list); err != nil || len(docs) > 150 {
		t.Fatalf("documents (%d bytes, %v): %s", len(docs), err, docs)
	}
	if len(list) == 0 || len(list) >= 3 {
		t.Errorf("%d documents kept of 3 within 150 bytes", len(list))
	}
}

func TestRetrievalSpanError(t *testing.T) {
	st := newStore(t, nil)
	fs, err := filesearch.New(st, []string{"docs", "missing"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent, rec := traced(t, &genai.Run{})
	if _, err := fs.Call(ctx, `{"queries":["refund"]}`); err == nil {
		t.Fatal("a search of a missing store succeeded")
	}
	parent.End()
	spans := retrievalSpans(rec)
	if len(spans) != 1 {
		t.Fatalf("%d retrieval spans", len(spans))
	}
	s := spans[0]
	got := attrs(s.Attributes())
	if s.Name() != "retrieval docs,missing" || got["gen_ai.data_source.id"] != "docs,missing" ||
		got["error.type"] != "not_found" || s.Status().Code != codes.Error {
		t.Errorf("span %q, attributes %v, status %v", s.Name(), got, s.Status())
	}
	if _, ok := got["agentloop.retrieval.hit_count"]; ok {
		t.Error("a failed search has a hit count")
	}
}

func TestRetrievalNotTracedOutsideARecordingSpan(t *testing.T) {
	fs := newTool(t, newStore(t, nil), nil)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.NeverSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("test").Start(t.Context(), "unsampled")
	for _, c := range []context.Context{ctx, t.Context()} {
		if _, err := fs.Call(c, `{"queries":["refund"]}`); err != nil {
			t.Fatal(err)
		}
	}
	span.End()
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans, want none", n)
	}
}

func TestToolType(t *testing.T) {
	var tool any = newTool(t, newStore(t, nil), nil)
	typed, ok := tool.(interface{ ToolType() string }) // runner.TypedTool
	if !ok || typed.ToolType() != "datastore" {
		t.Errorf("ToolType: %v", ok)
	}
}
