package genai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agentloop/agentloop/internal/genai"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		in, want string
		secrets  []string
	}{
		{in: "plain text", want: "plain text"},
		{in: "Authorization: Bearer abc.def-123", want: "Authorization: Bearer [redacted]"},
		{in: "header Bearer abcdefgh", want: "header Bearer [redacted]"},
		{in: "key sk-proj-0123456789abcdef in text", want: "key [redacted] in text"},
		{in: `{"api_key":"hunter22","x":1}`, want: `{"api_key":"[redacted]","x":1}`},
		{in: "password=swordfish&user=bob", want: "password=[redacted]&user=bob"},
		{in: "token is my-own-secret here", want: "token is [redacted] here", secrets: []string{"my-own-secret"}},
		{in: "short abc", want: "short abc", secrets: []string{"abc"}},
		{in: "monkey business", want: "monkey business"},
	}
	for _, tt := range tests {
		if got := genai.Redact(tt.in, tt.secrets...); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactError(t *testing.T) {
	inner := errors.New("HTTP 401: Bearer gw-0123456789 rejected")
	wrapped := fmt.Errorf("embeddings: %w", inner)
	tests := []struct {
		err     error
		secrets []string
		want    string
	}{
		{wrapped, nil, "embeddings: HTTP 401: Bearer [redacted] rejected"},
		{wrapped, []string{"gw-0123456789"}, "embeddings: HTTP 401: Bearer [redacted] rejected"},
		{errors.New("clean"), []string{"gw-0123456789"}, "clean"},
	}
	for _, tt := range tests {
		got := genai.RedactError(tt.err, tt.secrets...)
		if got.Error() != tt.want || !errors.Is(got, tt.err) {
			t.Errorf("RedactError(%q) = %q (wraps it: %v), want %q", tt.err, got, errors.Is(got, tt.err), tt.want)
		}
	}
	if genai.RedactError(nil) != nil {
		t.Error("RedactError(nil) != nil")
	}
}

func TestFitText(t *testing.T) {
	s := strings.Repeat("é", 100) // 200 bytes
	for _, max := range []int{0, 30, 50, 199, 200, 500} {
		got := genai.FitText(s, max)
		if !utf8.ValidString(got) {
			t.Errorf("max %d: invalid UTF-8", max)
		}
		if max > 0 && max < len(s) && (len(got) > max || !strings.Contains(got, "truncated")) {
			t.Errorf("max %d: %d bytes: %q", max, len(got), got)
		}
		if (max == 0 || max >= len(s)) && got != s {
			t.Errorf("max %d: changed", max)
		}
	}
}

func TestFitJSON(t *testing.T) {
	long := strings.Repeat("x", 5000)
	msgs := []map[string]any{}
	for i := range 50 {
		msgs = append(msgs, map[string]any{"role": "user", "parts": []map[string]any{{"type": "text", "content": fmt.Sprint(i, long)}}})
	}
	tests := []struct {
		name string
		v    any
		max  int
	}{
		{"small", map[string]any{"a": 1}, 100},
		{"one long string", map[string]any{"text": long, "n": 3}, 200},
		{"nested", []any{map[string]any{"a": []any{long, long, "short"}}}, 300},
		{"many messages", msgs, 400},
		{"escapes", map[string]any{"t": strings.Repeat(`"<\>"`, 1000)}, 120},
		{"bare string", long, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := genai.FitJSON(tt.v, tt.max)
			if len(got) > tt.max {
				t.Errorf("%d bytes > %d", len(got), tt.max)
			}
			if !json.Valid([]byte(got)) {
				t.Fatalf("invalid JSON: %s", got)
			}
			// The shape stays: an array stays an array, an object an object.
			orig, _ := json.Marshal(tt.v)
			if orig[0] != got[0] {
				t.Errorf("shape changed: %.20s… → %.40s…", orig, got)
			}
		})
	}
}

func TestRunFit(t *testing.T) {
	run := &genai.Run{MaxContentBytes: 64, Secrets: []string{"s3cr3t-value"}}
	got := run.Fit(`{"note":"s3cr3t-value","long":"` + strings.Repeat("y", 200) + `"}`)
	if !json.Valid([]byte(got)) || len(got) > 64 || strings.Contains(got, "s3cr3t") {
		t.Errorf("Fit = %s", got)
	}
	// A redaction that would cut an escape falls back to redacting strings.
	got = run.FitValue(map[string]string{"v": `password=abcd\"ef`})
	if !json.Valid([]byte(got)) || strings.Contains(got, "abcd") {
		t.Errorf("FitValue = %s", got)
	}
}

func TestHelpersNestUnderTheRun(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, parent := tp.Tracer("test").Start(context.Background(), "execute_tool file_search")
	ctx = genai.WithRun(ctx, &genai.Run{ConversationID: "c1"})
	_, emb := genai.StartEmbeddings(ctx, "openai", "text-embedding-3-small", genai.KeyEmbeddingsDims.Int(1536))
	genai.End(emb, nil, "")
	_, ret := genai.StartRetrieval(ctx, "docs", genai.KeyRequestTopK.Int(5))
	genai.End(ret, errors.New("qdrant: api-key=abcdefgh rejected"), "unauthenticated")
	_, br := genai.StartBrowserAction(ctx, "click")
	genai.End(br, nil, "")
	parent.End()

	var got []string
	for _, s := range rec.Ended() {
		if s.Name() == "execute_tool file_search" {
			continue
		}
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%s is not a child of the tool span", s.Name())
		}
		m := map[attribute.Key]string{}
		for _, kv := range s.Attributes() {
			m[kv.Key] = kv.Value.String()
		}
		got = append(got, fmt.Sprintf("%s %s %s op=%s kind=%s conv=%s model=%s err=%s", s.Name(), s.SpanKind(), s.Status().Code,
			m[genai.KeyOperationName], m[genai.KeyOIKind], m[genai.KeyConversationID], m[genai.KeyRequestModel], m[genai.KeyErrorType]))
		if s.Status().Code == codes.Error && strings.Contains(s.Status().Description, "abcdefgh") {
			t.Errorf("%s: unredacted status %q", s.Name(), s.Status().Description)
		}
	}
	want := []string{
		"embeddings text-embedding-3-small client Unset op=embeddings kind=EMBEDDING conv=c1 model=text-embedding-3-small err=",
		"retrieval docs client Error op=retrieval kind=RETRIEVER conv=c1 model= err=unauthenticated",
		"browser.click internal Unset op= kind=CHAIN conv=c1 model= err=",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}

func TestOutsideARunNothingIsTraced(t *testing.T) {
	_, span := genai.StartRetrieval(context.Background(), "docs")
	if span.IsRecording() {
		t.Error("a span without a traced parent records")
	}
	genai.End(span, errors.New("x"), "")
}

func ExampleFitJSON() {
	v := map[string]any{"role": "user", "content": strings.Repeat("long text ", 20)}
	out := genai.FitJSON(v, 80)
	fmt.Println(out, len(out) <= 80, json.Valid([]byte(out)))
	// Output: {"content":"long text l…[truncated 189 bytes]","role":"user"} true true
}

func ExampleRedact() {
	fmt.Println(genai.Redact("401 for Authorization: Bearer sk-abcdefghijklmnop"))
	// Output: 401 for Authorization: Bearer [redacted]
}
