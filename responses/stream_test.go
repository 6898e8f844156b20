package responses

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStreamCassettes replays every recorded SSE body through a real HTTP
// server, as recorded and as a gateway would rewrite it (CRLF, keep-alive
// comments, no event: lines, a trailing [DONE]), and checks that the last
// event carries the recorded final response.
func TestStreamCassettes(t *testing.T) {
	dir := cassetteDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	gateway := func(body string) string {
		var b strings.Builder
		for line := range strings.SplitSeq(body, "\n") {
			if strings.HasPrefix(line, "event:") {
				b.WriteString(": PING\r\n")
				continue
			}
			b.WriteString(line + "\r\n")
		}
		return b.String() + "data: [DONE]\r\n\r\n"
	}
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Interactions []struct {
				Response struct {
					Status  int               `json:"status"`
					Headers map[string]string `json:"headers"`
					Body    string            `json:"body"`
				} `json:"response"`
			} `json:"interactions"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		for i, in := range c.Interactions {
			r := in.Response
			if r.Status != 200 || !strings.HasPrefix(r.Headers["content-type"], "text/event-stream") {
				continue
			}
			n++
			name := strings.TrimSuffix(filepath.Base(f), ".json") + "#" + string(rune('0'+i))
			for _, variant := range []string{"recorded", "gateway"} {
				t.Run(name+"/"+variant, func(t *testing.T) {
					body := r.Body
					if variant == "gateway" {
						body = gateway(body)
					}
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
						_, _ = io.ReadAll(req.Body)
						w.Header().Set("Content-Type", r.Headers["content-type"])
						io.WriteString(w, body)
					}))
					defer srv.Close()
					cl := NewClient(&Options{BaseURL: srv.URL, APIKey: "sk-x", HTTPClient: srv.Client(), MaxRetries: -1})
					var last *Event
					count := 0
					for ev, err := range cl.Stream(context.Background(), &Request{Model: "m"}) {
						if err != nil {
							t.Fatal(err)
						}
						last = ev
						count++
					}
					if want := strings.Count("\n"+r.Body, "\ndata:"); count != want {
						t.Errorf("%d events, want %d", count, want)
					}
					var final struct {
						Response struct {
							Output []json.RawMessage `json:"output"`
						} `json:"response"`
					}
					if err := json.Unmarshal(last.Raw, &final); err != nil {
						t.Fatal(err)
					}
					if last.Type != EventResponseCompleted || len(last.Response.Output) != len(final.Response.Output) {
						t.Fatalf("last event %s with %d items", last.Type, len(last.Response.Output))
					}
					for k, it := range last.Response.Output {
						if !bytes.Equal(it.Raw(), final.Response.Output[k]) {
							t.Errorf("item %d:\n got %s\nwant %s", k, it.Raw(), final.Response.Output[k])
						}
					}
				})
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d SSE interactions found", n)
	}
}

// TestServerCannotFakeRetry: an "agentloop.retry" event from the server is
// ignored: only the client yields one.
func TestServerCannotFakeRetry(t *testing.T) {
	body := "data: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"m1\",\"role\":\"assistant\",\"status\":\"completed\",\"content\":[{\"type\":\"output_text\",\"text\":\"hi\",\"annotations\":[]}]}}\n\n" +
		"data: {\"type\":\"agentloop.retry\"}\n\n" +
		"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r1\",\"status\":\"completed\",\"output\":[]}}\n\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(body)) //nolint:errcheck // a test server
	}))
	defer srv.Close()
	c := NewClient(&Options{BaseURL: srv.URL, APIKey: "k", MaxRetries: -1})
	defer c.Close()
	retries := 0
	var final *Response
	for ev, err := range c.Stream(context.Background(), &Request{Model: "m", Input: InputText("x")}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == EventRetry {
			retries++
		}
		if ev.Type == EventResponseCompleted {
			final = ev.Response
		}
	}
	if retries != 0 || final == nil || final.OutputText() != "hi" {
		t.Errorf("retries %d, final %+v", retries, final)
	}
}
