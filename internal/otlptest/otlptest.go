// Package otlptest is a small OTLP/HTTP trace receiver for tests: an
// httptest server that accepts POST /v1/traces (protobuf, optionally
// gzipped), decodes it with the OTLP protobuf types and keeps the spans.
//
//	rcv := otlptest.Start(t)
//	// export to rcv.URL() (OTEL_EXPORTER_OTLP_ENDPOINT) …
//	spans := rcv.Spans()
package otlptest

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Span is one received span, flattened.
type Span struct {
	Service       string // the resource's service.name
	Scope         string
	Name          string
	Kind          string // "internal", "client", …
	TraceID       string // hex
	SpanID        string // hex
	ParentSpanID  string // hex, "" for a root
	Attributes    map[string]string
	StatusCode    string // "unset", "ok", "error"
	StatusMessage string
	Events        []Event
	DurationNanos uint64
}

// Event is one span event.
type Event struct {
	Name       string
	Attributes map[string]string
}

// Receiver is an OTLP/HTTP trace receiver. Its methods are safe for
// concurrent use.
type Receiver struct {
	ts *httptest.Server

	mu      sync.Mutex
	spans   []Span
	headers []http.Header
	bodies  [][]byte
	errs    []error
}

// NewReceiver starts a receiver; Close stops it.
func NewReceiver() *Receiver {
	r := &Receiver{}
	r.ts = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// Start starts a receiver closed at the end of the test, which fails if a
// request could not be decoded.
func Start(t testing.TB) *Receiver {
	r := NewReceiver()
	t.Cleanup(func() {
		r.Close()
		for _, err := range r.Errs() {
			t.Errorf("otlptest: %v", err)
		}
	})
	return r
}

// URL is the receiver's base URL, for OTEL_EXPORTER_OTLP_ENDPOINT; traces
// go to URL()+"/v1/traces".
func (r *Receiver) URL() string { return r.ts.URL }

// Close stops the receiver.
func (r *Receiver) Close() { r.ts.Close() }

// Spans returns the spans received so far, in arrival order.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// Headers returns the headers of each export request.
func (r *Receiver) Headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

// Bodies returns the decompressed protobuf body of each export request.
func (r *Receiver) Bodies() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

// Errs returns the requests that could not be decoded.
func (r *Receiver) Errs() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

func (r *Receiver) fail(w http.ResponseWriter, status int, err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
	http.Error(w, err.Error(), status)
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" {
		r.fail(w, http.StatusNotFound, fmt.Errorf("%s %s: want POST /v1/traces", req.Method, req.URL.Path))
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		r.fail(w, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q: want application/x-protobuf", ct))
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			r.fail(w, http.StatusBadRequest, err)
			return
		}
		defer gz.Close()
		body = gz
	}
	b, err := io.ReadAll(body)
	if err != nil {
		r.fail(w, http.StatusBadRequest, err)
		return
	}
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &msg); err != nil {
		r.fail(w, http.StatusBadRequest, fmt.Errorf("decoding the export request: %w", err))
		return
	}
	spans := flatten(&msg)
	r.mu.Lock()
	r.spans = append(r.spans, spans...)
	r.headers = append(r.headers, req.Header.Clone())
	r.bodies = append(r.bodies, bytes.Clone(b))
	r.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func flatten(msg *coltracepb.ExportTraceServiceRequest) []Span {
	var out []Span
	for _, rs := range msg.GetResourceSpans() {
		service := attrs(rs.GetResource().GetAttributes())["service.name"]
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := Span{
					Service:       service,
					Scope:         ss.GetScope().GetName(),
					Name:          s.GetName(),
					Kind:          kind(s.GetKind()),
					TraceID:       hex.EncodeToString(s.GetTraceId()),
					SpanID:        hex.EncodeToString(s.GetSpanId()),
					ParentSpanID:  hex.EncodeToString(s.GetParentSpanId()),
					Attributes:    attrs(s.GetAttributes()),
					StatusCode:    status(s.GetStatus().GetCode()),
					StatusMessage: s.GetStatus().GetMessage(),
					DurationNanos: s.GetEndTimeUnixNano() - s.GetStartTimeUnixNano(),
				}
				for _, ev := range s.GetEvents() {
					sp.Events = append(sp.Events, Event{Name: ev.GetName(), Attributes: attrs(ev.GetAttributes())})
				}
				out = append(out, sp)
			}
		}
	}
	return out
}

func kind(k tracepb.Span_SpanKind) string {
	switch k {
	case tracepb.Span_SPAN_KIND_INTERNAL:
		return "internal"
	case tracepb.Span_SPAN_KIND_CLIENT:
		return "client"
	case tracepb.Span_SPAN_KIND_SERVER:
		return "server"
	case tracepb.Span_SPAN_KIND_PRODUCER:
		return "producer"
	case tracepb.Span_SPAN_KIND_CONSUMER:
		return "consumer"
	}
	return "unspecified"
}

func status(c tracepb.Status_StatusCode) string {
	switch c {
	case tracepb.Status_STATUS_CODE_OK:
		return "ok"
	case tracepb.Status_STATUS_CODE_ERROR:
		return "error"
	}
	return "unset"
}

// attrs renders attribute values as strings: arrays as [a b], numbers in
// decimal.
func attrs(kvs []*commonpb.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = value(kv.GetValue())
	}
	return m
}

func value(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *commonpb.AnyValue_DoubleValue:
		return fmt.Sprint(x.DoubleValue)
	case *commonpb.AnyValue_ArrayValue:
		var parts []string
		for _, e := range x.ArrayValue.GetValues() {
			parts = append(parts, value(e))
		}
		return fmt.Sprint(parts)
	case *commonpb.AnyValue_BytesValue:
		return hex.EncodeToString(x.BytesValue)
	}
	return ""
}
