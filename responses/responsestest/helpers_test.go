package responsestest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
)

// post sends body to srv with the key "test" and returns the status, the
// headers and the whole body.
func post(t testing.TB, srv *Server, body string) (int, http.Header, []byte) {
	t.Helper()
	return postCtx(t, context.Background(), srv.URL()+"/responses", "Bearer test", body)
}

func postCtx(t testing.TB, ctx context.Context, url, auth, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// sseEvent is one event as read off the wire.
type sseEvent struct {
	Name string // the event: line
	Data []byte // the data: line
}

// readSSE splits an SSE body into events, the simple way: one event: and
// one data: line per event, a blank line after each.
func readSSE(t testing.TB, body []byte) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if cur.Data != nil {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case bytes.HasPrefix(line, []byte("event: ")):
			cur.Name = string(line[len("event: "):])
		case bytes.HasPrefix(line, []byte("data: ")):
			cur.Data = append([]byte(nil), line[len("data: "):]...)
		case line[0] == ':':
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	if cur.Data != nil {
		t.Fatalf("SSE body ends inside an event: %s", cur.Data)
	}
	return out
}

// decodeEvents decodes each event's data as a responses.Event.
func decodeEvents(t testing.TB, evs []sseEvent) []responses.Event {
	t.Helper()
	out := make([]responses.Event, len(evs))
	for i, e := range evs {
		if err := json.Unmarshal(e.Data, &out[i]); err != nil {
			t.Fatalf("event %d: %v: %s", i, err, e.Data)
		}
	}
	return out
}

func types(evs []responses.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// requestJSON encodes a request with responses.Request.
func requestJSON(t testing.TB, r *responses.Request) string {
	t.Helper()
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeResponse decodes a JSON response body.
func decodeResponse(t testing.TB, b []byte) *responses.Response {
	t.Helper()
	r := new(responses.Response)
	if err := json.Unmarshal(b, r); err != nil {
		t.Fatalf("response: %v: %s", err, b)
	}
	return r
}

// answers returns a function_call_output for every call in items.
func answers(items []responses.Item) []responses.Item {
	var out []responses.Item
	for _, it := range items {
		if it.Type == responses.ItemFunctionCall {
			out = append(out, responses.FunctionCallOutput(it.CallID, "ok"))
		}
	}
	return out
}

// errorsOf returns the server's violations, one per line.
func errorsOf(s *Server) string {
	if err := s.Err(); err != nil {
		return err.Error()
	}
	return ""
}

// cassetteDir returns ../shared/data/responses-cassettes from the module
// root, or skips the test.
func cassetteDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found: no go.mod above the test directory, so ../shared is missing")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", "responses-cassettes")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("cassettes not found at %s (the ../shared folder next to the repository): %v", d, err)
	}
	return d
}

// fixedNow is the clock of tests that compare bytes.
func fixedNow() time.Time { return time.Unix(1_750_000_000, 0) }

// tbRecorder is a testing.TB that records Errorf calls instead of failing.
type tbRecorder struct {
	testing.TB
	errs []string
}

func (r *tbRecorder) Helper() {}

func (r *tbRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
