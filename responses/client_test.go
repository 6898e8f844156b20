package responses_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// pipeListener is an in-memory listener: connections are net.Pipe pairs, so
// that a server and client inside a testing/synctest bubble block durably
// and the bubble's clock can advance.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// pipeAddr is the listener's address. It says localhost, which the pipe
// is (it never leaves the process), so that the client sends its key to it
// without Options.AllowInsecureHTTP.
type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "localhost:0" }

// newPipeServer starts an httptest server on an in-memory listener and
// returns it with an HTTP client that dials it. Call it inside a synctest
// bubble; the server and the client's connections are closed at cleanup.
func newPipeServer(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	l := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	tr := &http.Transport{DialContext: l.dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return srv, &http.Client{Transport: tr}
}

// newTestClient returns a client of srv (loopback TCP or in-memory) with
// fast retries unless opts says otherwise.
func newTestClient(srv *httptest.Server, hc *http.Client, opts *responses.Options) *responses.Client {
	var o responses.Options
	if opts != nil {
		o = *opts
	}
	o.BaseURL = srv.URL + "/v1/"
	if o.APIKey == "" {
		o.APIKey = "sk-test-0123456789abcdef"
	}
	if hc == nil {
		hc = srv.Client()
	}
	o.HTTPClient = hc
	return responses.NewClient(&o)
}

// sse writes events as an SSE stream: "event:" + "data:" lines.
func sse(w http.ResponseWriter, events ...string) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	}
	for _, ev := range events {
		var typ struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal([]byte(ev), &typ)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ.Type, ev)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

const (
	evCreated   = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}}`
	evItemAdded = `{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","content":[],"role":"assistant"}}`
	evPartAdded = `{"type":"response.content_part.added","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"text":""}}`
	evDelta1    = `{"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello"}`
	evDelta2    = `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":", world"}`
	evItemDone  = `{"type":"response.output_item.done","sequence_number":5,"output_index":0,"item":{"id":"msg_1","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"text":"Hello, world"}],"role":"assistant"}}`
	evCompleted = `{"type":"response.completed","sequence_number":6,"response":{"id":"resp_1","object":"response","status":"completed","output":[{"id":"msg_1","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"text":"Hello, world"}],"role":"assistant"}],"usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8}}}`
	// evCompletedEmpty is what some gateways send: no output.
	evCompletedEmpty = `{"type":"response.completed","sequence_number":6,"response":{"id":"resp_1","object":"response","status":"completed","output":[],"usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8}}}`
	responseJSON     = `{"id":"resp_1","object":"response","status":"completed","output":[{"id":"msg_1","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"text":"Hello, world"}],"role":"assistant"}]}`
)

var helloStream = []string{evCreated, evItemAdded, evPartAdded, evDelta1, evDelta2, evItemDone, evCompleted}

func TestRequestHeadersAndBody(t *testing.T) {
	// An item as a server sent it: odd spacing, key order and escapes that
	// json.Marshal would change.
	rawItem := `{ "type":"function_call","status":"completed","arguments":"{\"city\": \"Paris \u00e9\"}", "call_id":"call_1","name":"get_weather","id":"fc_1" }`
	var item responses.Item
	if err := json.Unmarshal([]byte(rawItem), &item); err != nil {
		t.Fatal(err)
	}
	type seen struct {
		path   string
		header http.Header
		body   string
	}
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.URL.Path, r.Header.Clone(), string(b)})
		mu.Unlock()
		if bytes.Contains(b, []byte(`"stream":true`)) {
			sse(w, helloStream...)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, responseJSON)
	}))
	defer srv.Close()
	c := newTestClient(srv, nil, &responses.Options{
		APIKey: "sk-secret-abcdef123456",
		Header: http.Header{"X-Custom": {"a", "b"}, "openai-organization": {"org_1"}},
	})
	req := &responses.Request{
		Model: "gpt-5",
		Input: responses.InputItems(responses.UserMessage("hi"), item,
			responses.FunctionCallOutput("call_1", "18C")),
		Extra: map[string]json.RawMessage{"stream": json.RawMessage("true")},
	}
	ctx := context.Background()
	if _, err := c.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := responses.Collect(c.Stream(ctx, req)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	for i, s := range got {
		stream := i == 1
		if s.path != "/v1/responses" {
			t.Errorf("path = %q", s.path)
		}
		wantHeader := map[string]string{
			"Authorization":       "Bearer sk-secret-abcdef123456",
			"Content-Type":        "application/json",
			"User-Agent":          "agentloop/dev",
			"X-Custom":            "a",
			"Openai-Organization": "org_1",
			"Accept":              map[bool]string{false: "application/json", true: "text/event-stream"}[stream],
		}
		for k, v := range wantHeader {
			if s.header.Get(k) != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, s.header.Get(k), v)
			}
		}
		if vs := s.header.Values("X-Custom"); len(vs) != 2 {
			t.Errorf("X-Custom = %q, want two values", vs)
		}
		if !strings.Contains(s.body, rawItem) {
			t.Errorf("request %d body does not carry the item's raw bytes:\n%s", i, s.body)
		}
		wantStream := map[bool]string{false: `"stream":false`, true: `"stream":true`}[stream]
		if strings.Count(s.body, `"stream":`) != 1 || !strings.Contains(s.body, wantStream) {
			t.Errorf("request %d body: want exactly one %s:\n%s", i, wantStream, s.body)
		}
		if !json.Valid([]byte(s.body)) {
			t.Errorf("request %d body is not valid JSON", i)
		}
	}
}

func TestBaseURLDefaults(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path + " " + r.Header.Get("Authorization")
		io.WriteString(w, responseJSON)
	}))
	defer srv.Close()
	t.Setenv("OPENAI_BASE_URL", srv.URL+"/gw/v1")
	t.Setenv("OPENAI_API_KEY", "sk-from-env-123456")
	c := responses.NewClient(nil)
	if _, err := c.Create(context.Background(), &responses.Request{Model: "m", Input: responses.InputText("x")}); err != nil {
		t.Fatal(err)
	}
	if want := "/gw/v1/responses Bearer sk-from-env-123456"; path != want {
		t.Errorf("got %q, want %q", path, want)
	}
}

func TestCreate(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		ctype      string
		body       string
		wantText   string
		wantStatus string
		wantErr    *responses.Error
	}{
		{name: "completed", status: 200, ctype: "application/json", body: responseJSON,
			wantText: "Hello, world", wantStatus: "completed"},
		{name: "incomplete", status: 200, ctype: "application/json",
			body:     `{"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[]}`,
			wantText: "", wantStatus: "incomplete"},
		{name: "failed", status: 200, ctype: "application/json",
			body:       `{"id":"r","status":"failed","error":{"code":"invalid_prompt","message":"flagged"},"output":[]}`,
			wantStatus: "failed",
			wantErr:    &responses.Error{StatusCode: 200, Code: "invalid_prompt", Message: "flagged", RequestID: "req_42"}},
		{name: "error with 200", status: 200, ctype: "application/json",
			body:    `{"error":{"message":"no available channel","type":"new_api_error"}}`,
			wantErr: &responses.Error{StatusCode: 200, Type: "new_api_error", Message: "no available channel", RequestID: "req_42"}},
		{name: "400", status: 400, ctype: "application/json",
			body: `{"error":{"message":"bad temperature","type":"invalid_request_error","param":"temperature","code":"decimal_below_min_value"}}`,
			wantErr: &responses.Error{StatusCode: 400, Type: "invalid_request_error", Code: "decimal_below_min_value",
				Param: "temperature", Message: "bad temperature", RequestID: "req_42"}},
		{name: "gateway streams anyway", status: 200, ctype: "text/event-stream",
			body:     string(sseBody(evCreated, evItemAdded, evDelta1, evDelta2, evCompletedEmpty)),
			wantText: "Hello, world", wantStatus: "completed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				attempts++
				w.Header().Set("Content-Type", tt.ctype)
				w.Header().Set("X-Request-Id", "req_42")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c := newTestClient(srv, nil, &responses.Options{RetryBaseDelay: time.Millisecond})
			resp, err := c.Create(context.Background(), &responses.Request{Model: "m", Input: responses.InputText("hi")})
			if tt.wantErr != nil {
				var apiErr *responses.Error
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v, want an *Error", err)
				}
				if diff := cmp.Diff(tt.wantErr, apiErr, cmpopts.IgnoreUnexported(responses.Error{}), cmpopts.IgnoreFields(responses.Error{}, "Body", "Response")); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				if attempts != 1 {
					t.Errorf("%d attempts, want 1", attempts)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.wantStatus == "" {
				if resp != nil {
					t.Errorf("resp = %+v, want nil", resp)
				}
				return
			}
			if resp == nil || resp.Status != tt.wantStatus || resp.OutputText() != tt.wantText {
				t.Fatalf("resp = %+v, want status %q text %q", resp, tt.wantStatus, tt.wantText)
			}
		})
	}
}

func sseBody(events ...string) []byte {
	rec := httptest.NewRecorder()
	sse(rec, events...)
	return rec.Body.Bytes()
}

func TestStream(t *testing.T) {
	tests := []struct {
		name   string
		events []string
	}{
		{"completed with output", helloStream},
		{"completed without output", []string{evCreated, evItemAdded, evPartAdded, evDelta1, evDelta2, evItemDone, evCompletedEmpty}},
		{"deltas only", []string{evCreated, evItemAdded, evPartAdded, evDelta1, evDelta2, evCompletedEmpty}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sse(w, tt.events...)
			}))
			defer srv.Close()
			c := newTestClient(srv, nil, nil)
			var types []string
			var last *responses.Event
			for ev, err := range c.Stream(context.Background(), &responses.Request{Model: "m"}) {
				if err != nil {
					t.Fatal(err)
				}
				types = append(types, ev.Type)
				last = ev
			}
			if len(types) != len(tt.events) {
				t.Errorf("got %d events %q, want %d", len(types), types, len(tt.events))
			}
			if last.Type != responses.EventResponseCompleted || last.Response.OutputText() != "Hello, world" ||
				last.Response.Usage == nil || last.Response.Usage.TotalTokens != 8 || last.Response.ID != "resp_1" {
				t.Errorf("last event %s carries %+v", last.Type, last.Response)
			}
		})
	}
}

func TestStreamErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		ctype   string
		body    string
		wantErr *responses.Error
		retried bool
	}{
		{
			name: "json error for a stream request", status: 400, ctype: "application/json",
			body: "{\n  \"error\": {\n    \"code\": \"decimal_below_min_value\",\n    \"message\": \"Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -1 instead.\",\n    \"param\": \"temperature\",\n    \"type\": \"invalid_request_error\"\n  }\n}",
			wantErr: &responses.Error{StatusCode: 400, Type: "invalid_request_error", Code: "decimal_below_min_value", Param: "temperature",
				Message: "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -1 instead."},
		},
		{
			name: "error event, top level", status: 200, ctype: "text/event-stream",
			body:    string(sseBody(evCreated, `{"type":"error","code":"invalid_prompt","message":"no","param":null,"sequence_number":1}`)),
			wantErr: &responses.Error{StatusCode: 200, Code: "invalid_prompt", Message: "no"},
		},
		{
			name: "error event, nested", status: 200, ctype: "text/event-stream",
			body: string(sseBody(evCreated, `{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"too long","param":"input"}}`)),
			wantErr: &responses.Error{StatusCode: 200, Type: "invalid_request_error", Code: "context_length_exceeded",
				Message: "too long", Param: "input"},
		},
		{
			name: "error line, bare", status: 200, ctype: "text/event-stream",
			body:    "data: {\"error\":{\"message\":\"quota\",\"type\":\"new_api_error\",\"code\":\"insufficient_user_quota\"}}\n\n",
			wantErr: &responses.Error{StatusCode: 200, Type: "new_api_error", Code: "insufficient_user_quota", Message: "quota"},
		},
		{
			name: "response.failed", status: 200, ctype: "text/event-stream",
			body:    string(sseBody(evCreated, `{"type":"response.failed","response":{"id":"resp_1","status":"failed","error":{"code":"invalid_prompt","message":"flagged"}}}`)),
			wantErr: &responses.Error{StatusCode: 200, Code: "invalid_prompt", Message: "flagged"},
		},
		{
			name: "html page", status: 200, ctype: "text/html",
			body:    "<html><title>Captive portal</title></html>",
			wantErr: &responses.Error{StatusCode: 200, Message: "unexpected content type text/html for a stream: Captive portal"},
		},
		{
			name: "error event with an error status", status: 500, ctype: "text/event-stream",
			body:    "event: error\ndata: {\"error\":{\"message\":\"upstream died\",\"type\":\"new_api_error\",\"code\":\"bad_response\"}}\n\n",
			wantErr: &responses.Error{StatusCode: 500, Type: "new_api_error", Code: "bad_response", Message: "upstream died"},
			retried: true,
		},
		{
			name: "unauthorized", status: 401, ctype: "application/json",
			body:    `{"error":"invalid api key sk-test-0123456789abcdef"}`,
			wantErr: &responses.Error{StatusCode: 401, Message: "invalid api key [redacted]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				attempts++
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c := newTestClient(srv, nil, &responses.Options{RetryBaseDelay: time.Millisecond})
			_, err := responses.Collect(c.Stream(context.Background(), &responses.Request{Model: "m"}))
			var apiErr *responses.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if diff := cmp.Diff(tt.wantErr, apiErr, cmpopts.IgnoreUnexported(responses.Error{}), cmpopts.IgnoreFields(responses.Error{}, "Body", "Response")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if want := map[bool]int{false: 1, true: 3}[tt.retried]; attempts != want {
				t.Errorf("%d attempts, want %d", attempts, want)
			}
			if strings.Contains(err.Error(), "sk-test-0123456789abcdef") {
				t.Errorf("error text carries the key: %v", err)
			}
		})
	}
}

func TestStreamJSONResponse(t *testing.T) {
	// A gateway that ignores "stream":true and answers with JSON.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, responseJSON)
	}))
	defer srv.Close()
	resp, err := responses.Collect(newTestClient(srv, nil, nil).Stream(context.Background(), &responses.Request{Model: "m"}))
	if err != nil || resp.OutputText() != "Hello, world" {
		t.Fatalf("got %+v, %v", resp, err)
	}
}

func TestStreamMislabeled(t *testing.T) {
	// A proxy that sends the stream as text/plain.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(sseBody(helloStream...))
	}))
	defer srv.Close()
	resp, err := responses.Collect(newTestClient(srv, nil, nil).Stream(context.Background(), &responses.Request{Model: "m"}))
	if err != nil || resp.OutputText() != "Hello, world" {
		t.Fatalf("got %+v, %v", resp, err)
	}
}

func TestStreamBreakClosesBody(t *testing.T) {
	closed := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		sse(w, evCreated, evItemAdded)
		<-r.Context().Done() // the client went away
		close(closed)
	}))
	defer srv.Close()
	c := newTestClient(srv, nil, nil)
	for ev, err := range c.Stream(context.Background(), &responses.Request{Model: "m"}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == responses.EventResponseCreated {
			break
		}
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never saw the connection close")
	}
}

func TestStreamCancelMidStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		sse(w, evCreated)
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newTestClient(srv, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	var err error
	for ev, e := range c.Stream(ctx, &responses.Request{Model: "m"}) {
		if e != nil {
			err = e
			break
		}
		if ev.Type == responses.EventResponseCreated {
			cancel()
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestNetworkError(t *testing.T) {
	// Nothing listens on port 1 (tcpmux); a port freed by closing a
	// listener could be taken by another test process running in parallel.
	addr := "127.0.0.1:1"
	var retries []responses.RetryInfo
	c := responses.NewClient(&responses.Options{
		BaseURL: "http://" + addr + "/v1", APIKey: "sk-x", RetryBaseDelay: time.Millisecond,
		OnRetry: func(ctx context.Context, info responses.RetryInfo) { retries = append(retries, info) },
	})
	_, err := c.Create(context.Background(), &responses.Request{Model: "m"})
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("err = %v, want a *net.OpError inside", err)
	}
	if !strings.HasPrefix(err.Error(), "responses: ") {
		t.Errorf("err = %q, want the package prefix", err)
	}
	if len(retries) != 2 || retries[0].Attempt != 1 || retries[1].Attempt != 2 || retries[0].StatusCode != 0 {
		t.Errorf("retries = %+v, want 2 network retries", retries)
	}
}

func TestStreamEventTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sse(w, evCreated, `{"type":"response.output_text.delta","delta":"`+strings.Repeat("x", 4096)+`"}`, evCompleted)
	}))
	defer srv.Close()
	c := newTestClient(srv, nil, &responses.Options{MaxEventSize: 2048})
	_, err := responses.Collect(c.Stream(context.Background(), &responses.Request{Model: "m"}))
	if err == nil || !strings.Contains(err.Error(), "MaxEventSize") {
		t.Fatalf("err = %v, want a clear event-too-large error", err)
	}
}

func TestStreamHugeDelta(t *testing.T) {
	big := strings.Repeat("abcdefgh", 2<<20/8) // a 2 MiB data line (TestSSEHugeLine reads 10 MiB)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sse(w, evCreated, evItemAdded, evPartAdded,
			`{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"`+big+`"}`,
			evCompletedEmpty)
	}))
	defer srv.Close()
	resp, err := responses.Collect(newTestClient(srv, nil, nil).Stream(context.Background(), &responses.Request{Model: "m"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.OutputText(); got != big {
		t.Fatalf("text has %d bytes, want %d", len(got), len(big))
	}
}

func TestCollectTruncated(t *testing.T) {
	seq := func(yield func(*responses.Event, error) bool) {
		yield(&responses.Event{Type: responses.EventResponseCreated}, nil)
	}
	if _, err := responses.Collect(seq); !errors.Is(err, responses.ErrStreamTruncated) {
		t.Fatalf("err = %v, want ErrStreamTruncated", err)
	}
}

func ExampleClient_Create() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"resp_1","object":"response","status":"completed","output":[`+
			`{"type":"message","id":"msg_1","role":"assistant","status":"completed",`+
			`"content":[{"type":"output_text","text":"Paris.","annotations":[]}]}]}`)
	}))
	defer srv.Close()

	client := responses.NewClient(&responses.Options{BaseURL: srv.URL + "/v1", APIKey: "sk-example"})
	resp, err := client.Create(context.Background(), &responses.Request{
		Model: "gpt-5",
		Input: responses.InputText("Capital of France?"),
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.Status, resp.OutputText())
	// Output: completed Paris.
}

func ExampleClient_Stream() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, ": PING\n\n"+
			"data: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[]}}\n\n"+
			"data: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Par\"}\n\n"+
			"data: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"is.\"}\n\n"+
			"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"output\":[]}}\n\n")
	}))
	defer srv.Close()

	client := responses.NewClient(&responses.Options{BaseURL: srv.URL + "/v1", APIKey: "sk-example"})
	req := &responses.Request{Model: "gpt-5", Input: responses.InputText("Capital of France?")}
	for ev, err := range client.Stream(context.Background(), req) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		switch ev.Type {
		case responses.EventOutputTextDelta:
			fmt.Printf("delta %q\n", ev.Delta)
		case responses.EventResponseCompleted:
			// The last event carries the whole response.
			fmt.Println("final:", ev.Response.OutputText())
		}
	}
	// Output:
	// delta "Par"
	// delta "is."
	// final: Paris.
}

func TestStreamReusesConnection(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		sse(w, helloStream...)
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	c := newTestClient(srv, nil, nil)
	for range 3 {
		if _, err := responses.Collect(c.Stream(context.Background(), &responses.Request{Model: "m"})); err != nil {
			t.Fatal(err)
		}
	}
	if conns != 1 {
		t.Errorf("%d connections for 3 streams, want 1", conns)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if bytes.Contains(b, []byte(`"stream":true`)) {
			sse(w, helloStream...)
			return
		}
		io.WriteString(w, responseJSON)
	}))
	defer srv.Close()
	c := newTestClient(srv, nil, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			req := &responses.Request{Model: "m", Input: responses.InputText(fmt.Sprint(i))}
			var resp *responses.Response
			var err error
			if i%2 == 0 {
				resp, err = c.Create(context.Background(), req)
			} else {
				resp, err = responses.Collect(c.Stream(context.Background(), req))
			}
			if err == nil && resp.OutputText() != "Hello, world" {
				err = fmt.Errorf("text %q", resp.OutputText())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestNoAPIKey: without a key, a client of api.openai.com fails before
// sending, saying what to set; a gateway may need none.
func TestNoAPIKey(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	c := responses.NewClient(nil)
	defer c.Close()
	_, err := c.Create(context.Background(), &responses.Request{Model: "gpt-5", Input: responses.InputText("hi")})
	if !errors.Is(err, responses.ErrNoAPIKey) || !strings.Contains(err.Error(), "OPENAI_API_KEY") {
		t.Errorf("err = %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"resp_1","status":"completed","output":[]}`)) //nolint:errcheck // a test server
	}))
	defer srv.Close()
	local := responses.NewClient(&responses.Options{BaseURL: srv.URL})
	defer local.Close()
	if _, err := local.Create(context.Background(), &responses.Request{Model: "m", Input: responses.InputText("hi")}); err != nil {
		t.Errorf("a local server without a key: %v", err)
	}
}
