// Package genai holds the OpenTelemetry names agentloop emits (keys.go, the
// one file a convention rename touches) and the small helpers the runner and
// the tools share to put spans on a run's trace: the run's context
// ([WithRun], [RunFrom]), span starters for the operations a tool performs
// ([StartEmbeddings], [StartRetrieval], [StartBrowserAction]), error
// recording ([End]), redaction ([Redact], [RedactError]) and size-bounded content
// ([FitJSON], [FitText]).
//
// A tool never holds a tracer: [Tracer] takes the provider of the span in
// the context the runner passed to the tool's Call, so tool spans nest under
// the execute_tool span and go wherever the runner's spans go, and nowhere
// when the runner traces nothing. A tool reads [RunFrom] to learn the
// conversation id and whether content may be captured:
//
//	ctx, span := genai.StartRetrieval(ctx, "docs", genai.KeyRequestTopK.Int(5))
//	hits, err := store.Search(ctx, query)
//	if run := genai.RunFrom(ctx); run.CaptureContent {
//		span.SetAttributes(genai.KeyRetrievalQuery.String(run.Fit(query)))
//	}
//	genai.End(span, err, "")
package genai

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// DefaultMaxContentBytes bounds each captured content attribute when
// [Run].MaxContentBytes is zero.
const DefaultMaxContentBytes = 16 << 10

// Run is what the runner tells the code it calls about the run in progress.
// Its fields are read-only once the run started.
type Run struct {
	// ConversationID goes on every span as gen_ai.conversation.id when set.
	ConversationID string
	// CaptureContent allows prompts, outputs, tool arguments and results,
	// retrieval queries and documents on spans.
	CaptureContent bool
	// MaxContentBytes bounds each content attribute ([DefaultMaxContentBytes]
	// when zero).
	MaxContentBytes int
	// Secrets are strings (API keys) replaced by [Redacted] in every
	// attribute and error message, besides what [Redact] finds itself.
	Secrets []string
	// Turn is the model call in progress, from 1. The runner sets it
	// before each call; it does not change while the call's tools run.
	Turn int
}

type runKey struct{}

// WithRun returns a context carrying run.
func WithRun(ctx context.Context, run *Run) context.Context {
	return context.WithValue(ctx, runKey{}, run)
}

// RunFrom returns the run of ctx, or a zero Run (no conversation, no
// content) outside one. It never returns nil.
func RunFrom(ctx context.Context) *Run {
	if r, ok := ctx.Value(runKey{}).(*Run); ok && r != nil {
		return r
	}
	return &Run{}
}

// Redact removes what looks like a credential from s: the run's secrets,
// "Bearer <token>", "sk-…" keys, and api_key/authorization values.
func (r *Run) Redact(s string) string { return Redact(s, r.Secrets...) }

// Fit redacts s and bounds it to the run's content size, keeping it valid
// JSON when it is JSON (see [FitJSON] and [FitText]).
func (r *Run) Fit(s string) string {
	if json.Valid([]byte(s)) {
		return r.fitJSON([]byte(s))
	}
	return FitText(r.Redact(s), r.maxBytes())
}

// FitValue encodes v as JSON, redacted and bounded to the run's content size
// while staying valid JSON.
func (r *Run) FitValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return `"[unencodable: ` + strings.ReplaceAll(err.Error(), `"`, `'`) + `]"`
	}
	return r.fitJSON(b)
}

// fitJSON redacts and bounds the JSON document b.
func (r *Run) fitJSON(b []byte) string {
	s := r.Redact(string(b))
	if s != string(b) && !json.Valid([]byte(s)) {
		// Redaction cut through an escape: redact string by string.
		var g any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if dec.Decode(&g) != nil {
			return `"[unencodable]"`
		}
		s = marshal(mapStrings(g, r.Redact))
	}
	if len(s) <= r.maxBytes() {
		return s
	}
	return FitJSON(json.RawMessage(s), r.maxBytes())
}

func (r *Run) maxBytes() int {
	if r.MaxContentBytes > 0 {
		return r.MaxContentBytes
	}
	return DefaultMaxContentBytes
}

// Common returns the attributes every span of the run carries: the
// conversation id, when known.
func (r *Run) Common() []attribute.KeyValue {
	if r.ConversationID == "" {
		return nil
	}
	return []attribute.KeyValue{KeyConversationID.String(r.ConversationID)}
}

// Tracer returns agentloop's tracer from the provider of the span in ctx: a
// no-op tracer when ctx holds no span or a span of a no-op provider.
func Tracer(ctx context.Context) trace.Tracer {
	return trace.SpanFromContext(ctx).TracerProvider().Tracer(ScopeName)
}

// StartEmbeddings starts the span "embeddings {model}" (CLIENT) of a call to
// an embedding model, as a child of the span in ctx. Add
// KeyServerAddress/Port, KeyEmbeddingsDims and, at the end, KeyInputTokens.
func StartEmbeddings(ctx context.Context, provider, model string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	base := []attribute.KeyValue{KeyOperationName.String(OpEmbeddings), KeyOIKind.String(OIKindEmbedding),
		KeyProviderName.String(provider), KeyRequestModel.String(model)}
	return start(ctx, OpEmbeddings+" "+model, trace.SpanKindClient, base, attrs)
}

// StartRetrieval starts the span "retrieval {dataSource}" (CLIENT) of a
// vector store query. Add KeyRequestTopK, KeyDBSystemName,
// KeyDBCollectionName, KeyDBOperationName and server.*; with content
// capture on, KeyRetrievalQuery and KeyRetrievalDocuments (ids and scores).
func StartRetrieval(ctx context.Context, dataSource string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	base := []attribute.KeyValue{KeyOperationName.String(OpRetrieval), KeyOIKind.String(OIKindRetriever),
		KeyDataSourceID.String(dataSource)}
	return start(ctx, OpRetrieval+" "+dataSource, trace.SpanKindClient, base, attrs)
}

// StartBrowserAction starts the span "browser.{action}" (INTERNAL) of one
// browser action of a computer call. Attributes describe the action (x, y,
// button, key count, url.domain), never page content or typed text.
func StartBrowserAction(ctx context.Context, action string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	base := []attribute.KeyValue{KeyOIKind.String(OIKindChain), KeyBrowserAction.String(action)}
	return start(ctx, "browser."+action, trace.SpanKindInternal, base, attrs)
}

func start(ctx context.Context, name string, kind trace.SpanKind, base, attrs []attribute.KeyValue) (context.Context, trace.Span) {
	run := RunFrom(ctx)
	all := make([]attribute.KeyValue, 0, len(base)+len(attrs)+1)
	all = append(append(append(all, base...), run.Common()...), attrs...)
	return Tracer(ctx).Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(all...))
}

// End ends span. A non-nil err sets the error status, error.type (errType,
// or "_OTHER" when empty) and an exception event, all with the message
// redacted by [Redact].
func End(span trace.Span, err error, errType string) {
	if err != nil {
		SetError(span, err, errType, nil)
	}
	span.End()
}

// SetError marks span as failed: status Error with the redacted message,
// error.type (errType, or "_OTHER" when empty) and an "exception" event.
// The error itself is never recorded, so its text goes out redacted only.
func SetError(span trace.Span, err error, errType string, secrets []string) {
	if !span.IsRecording() {
		return
	}
	if errType == "" {
		errType = "_OTHER"
	}
	msg := Redact(err.Error(), secrets...)
	span.SetAttributes(KeyErrorType.String(errType))
	span.AddEvent(EventException, trace.WithAttributes(KeyExceptionType.String(errType), KeyExceptionMessage.String(msg)))
	span.SetStatus(codes.Error, msg)
}

// Redacted replaces a credential in redacted text.
const Redacted = "[redacted]"

var (
	reBearer = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}`)
	reSK     = regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{8,}`)
	reKV     = regexp.MustCompile(`(?i)("?(?:api[_-]?key|authorization|x-api-key|api-key|access[_-]?token|password|secret)"?\s*[:=]\s*"?)([^"\s,;&}]{4,})`)
)

// Redact returns s with secrets and anything that looks like a credential
// replaced by [Redacted]: "Bearer <token>", "sk-…" keys, and the values of
// api_key, authorization, access_token, password and secret fields. Secrets
// shorter than 4 bytes are ignored.
func Redact(s string, secrets ...string) string {
	for _, k := range secrets {
		if len(k) >= 4 && strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, Redacted)
		}
	}
	if !mayHoldCredential(s) {
		return s
	}
	s = reBearer.ReplaceAllString(s, "$1 "+Redacted)
	s = reSK.ReplaceAllString(s, Redacted)
	s = reKV.ReplaceAllStringFunc(s, func(m string) string {
		sub := reKV.FindStringSubmatch(m)
		if v := strings.ToLower(sub[2]); strings.HasPrefix(v, "[redacted") || v == "bearer" || v == "basic" {
			return m
		}
		return sub[1] + Redacted
	})
	return s
}

// RedactError returns err, or when [Redact] changes its text, an error
// whose text is the redacted one and which wraps err, for errors.Is and
// errors.As. Nil stays nil.
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := Redact(msg, secrets...); r != msg {
		return &redactedError{msg: r, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// mayHoldCredential is a cheap filter before the regular expressions.
func mayHoldCredential(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"bearer", "basic", "sk-", "key", "authorization", "token", "password", "secret"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// FitText bounds s to max bytes: a longer s is cut at a rune boundary and
// ends with a marker saying how much was cut. The result is at most max
// bytes when max leaves room for the marker.
func FitText(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	cut := len(s)
	marker := func(n int) string { return "…[truncated " + strconv.Itoa(n) + " bytes]" }
	keep := max - len(marker(cut))
	if keep < 0 {
		keep = 0
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + marker(len(s)-keep)
}

// FitJSON encodes v as JSON of at most max bytes that is still valid JSON of
// the same shape: long strings are cut (with a marker), from the longest
// down; if that is not enough, the first elements of a top-level array (the
// oldest messages) are dropped. max <= 0 means no bound.
func FitJSON(v any, max int) string {
	b, err := json.Marshal(v)
	if err != nil {
		return `"[unencodable]"`
	}
	if max <= 0 || len(b) <= max {
		return string(b)
	}
	var g any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&g) != nil {
		return `"[unencodable]"`
	}
	for limit := max; limit >= 32; limit = limit * 2 / 3 {
		if out := marshal(clip(g, limit)); len(out) <= max {
			return out
		}
	}
	if arr, ok := g.([]any); ok {
		small := clip(arr, 32).([]any)
		for i := 1; i < len(small); i++ {
			if out := marshal(small[i:]); len(out) <= max {
				return out
			}
		}
		return "[]"
	}
	if _, ok := g.(map[string]any); ok {
		return "{}"
	}
	return `""`
}

func marshal(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return `"[unencodable]"`
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// clip returns a copy of v with every string longer than limit bytes cut.
func clip(v any, limit int) any {
	return mapStrings(v, func(s string) string { return FitText(s, limit) })
}

// mapStrings returns a copy of the decoded JSON value v with f applied to
// every string value (not to object keys).
func mapStrings(v any, f func(string) string) any {
	switch v := v.(type) {
	case string:
		return f(v)
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = mapStrings(v[i], f)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = mapStrings(e, f)
		}
		return out
	}
	return v
}
