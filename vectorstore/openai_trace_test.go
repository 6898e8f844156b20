package vectorstore

import (
	"context"
	"maps"
	"net"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// tracedContext returns a context holding a recording span of a provider
// that records to the returned recorder, and that span.
func tracedContext(t *testing.T) (context.Context, *tracetest.SpanRecorder, trace.Span) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(t.Context(), "execute_tool file_search")
	return ctx, rec, span
}

func attrMap(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

func TestOpenAIEmbedderSpans(t *testing.T) {
	fake := &fakeEmbeddings{dims: 4, fail: []int{503}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e, err := NewOpenAIEmbedder("text-embedding-3-small", &OpenAIEmbedderOptions{
		BaseURL: srv.URL + "/v1", APIKey: "sk-secretsecret", Dimensions: 4, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.retryBase = time.Millisecond
	ctx, rec, parent := tracedContext(t)
	if _, err := e.Embed(ctx, []string{"a", "bb", "ccc"}); err != nil {
		t.Fatal(err)
	}
	fake.fail = []int{401}
	if _, err := e.Embed(ctx, []string{"x"}); err == nil {
		t.Fatal("a 401 succeeded")
	}
	parent.End()

	u, _ := url.Parse(srv.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	want := map[string]string{
		"gen_ai.operation.name":             "embeddings",
		"gen_ai.provider.name":              "openai",
		"gen_ai.request.model":              "text-embedding-3-small",
		"gen_ai.embeddings.dimension.count": "4",
		"openinference.span.kind":           "EMBEDDING",
		"server.address":                    host,
		"server.port":                       port,
	}
	var spans []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "embeddings text-embedding-3-small" {
			spans = append(spans, s)
		}
	}
	if len(spans) != 3 {
		t.Fatalf("%d embeddings spans, want 3 (two batches and a failed one)", len(spans))
	}
	for i, s := range spans {
		if s.SpanKind() != trace.SpanKindClient {
			t.Errorf("span %d kind %v", i, s.SpanKind())
		}
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %d is not a child of the span in ctx", i)
		}
		w := maps.Clone(want)
		got := attrMap(s.Attributes())
		switch i {
		case 0:
			w["gen_ai.usage.input_tokens"] = strconv.Itoa(len("a") + len("bb"))
			if len(s.Events()) != 1 || s.Events()[0].Name != "retry" {
				t.Errorf("span 0 events %v, want one retry", s.Events())
			}
		case 1:
			w["gen_ai.usage.input_tokens"] = strconv.Itoa(len("ccc"))
		case 2:
			w["error.type"] = "401"
			if s.Status().Code != codes.Error {
				t.Errorf("failed span status %v", s.Status())
			}
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("span %d attributes (-want +got):\n%s", i, diff)
		}
		for _, ev := range s.Events() {
			for _, kv := range ev.Attributes {
				if strings.Contains(kv.Value.String(), "sk-secretsecret") {
					t.Errorf("the API key in event %s", ev.Name)
				}
			}
		}
	}
}

func TestOpenAIEmbedderNoSpanOutsideATrace(t *testing.T) {
	fake := &fakeEmbeddings{dims: 4}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e, err := NewOpenAIEmbedder("m", &OpenAIEmbedderOptions{BaseURL: srv.URL + "/v1", Dimensions: 4})
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.NeverSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("test").Start(t.Context(), "unsampled")
	if _, err := e.Embed(ctx, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	span.End()
	if _, err := e.Embed(t.Context(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans recorded, want none", n)
	}
}
