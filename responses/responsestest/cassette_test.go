package responsestest

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
)

func loadCassettes(t *testing.T) []*Cassette {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(cassetteDir(t), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Skip("cassettes missing: no *.json in the cassette folder")
	}
	var out []*Cassette
	for _, p := range paths {
		c, err := LoadCassette(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// TestCassetteReplay replays every recorded interaction: a client sending
// the recorded requests gets the recorded status, content type and bytes.
func TestCassetteReplay(t *testing.T) {
	for _, c := range loadCassettes(t) {
		t.Run(c.Name, func(t *testing.T) {
			if len(c.Interactions) == 0 || len(c.Summary.Turns) != len(c.Interactions) {
				t.Fatalf("%d interactions, %d turns", len(c.Interactions), len(c.Summary.Turns))
			}
			// The recorded clients did not always replay every item.
			srv := NewServer(&Options{Steps: c.Steps(), NoHistoryCheck: true})
			defer srv.Close()
			for i, in := range c.Interactions {
				status, h, body := post(t, srv, string(in.Request.Body))
				if status != in.Response.Status {
					t.Errorf("interaction %d: status %d, want %d: %s", i, status, in.Response.Status, body)
				}
				if got, want := h.Get("Content-Type"), in.Response.Headers["content-type"]; got != want {
					t.Errorf("interaction %d: content type %q, want %q", i, got, want)
				}
				if string(body) != in.Response.Body {
					t.Errorf("interaction %d: body differs (%d bytes, want %d)", i, len(body), len(in.Response.Body))
				}
				for k, v := range in.Response.Headers {
					if got := h.Get(k); got != v {
						t.Errorf("interaction %d: header %s = %q, want %q", i, k, got, v)
					}
				}
			}
			if err := srv.Err(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCassetteHistory plays a correct client over the cassettes whose first
// turn makes tool calls: it replays the recorded output items (from
// output_item.done events when streaming) and answers every call. The
// server must find the history intact, and must notice a changed item.
func TestCassetteHistory(t *testing.T) {
	ran := 0
	for _, c := range loadCassettes(t) {
		if len(c.Interactions) < 2 || len(c.Summary.Turns[0].ToolCalls) == 0 || c.Interactions[1].Response.Status != 200 {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			for _, tamper := range []bool{false, true} {
				srv := NewServer(&Options{Steps: c.Steps()})
				first := new(responses.Request)
				if err := json.Unmarshal(c.Interactions[0].Request.Body, first); err != nil {
					t.Fatal(err)
				}
				_, _, body := post(t, srv, string(c.Interactions[0].Request.Body))
				out := outputOf(t, body)
				input := first.Input.Items
				if input == nil {
					input = []responses.Item{responses.UserMessage(first.Input.Text)}
				}
				input = append(append(input, out...), answers(out)...)
				if tamper {
					for i := range input {
						if input[i].Type == responses.ItemFunctionCall && input[i].Raw() != nil {
							input[i].ClearRaw()
							input[i].Status = responses.StatusCompleted
							input[i].Namespace = "x"
							break
						}
					}
				}
				req := &responses.Request{Model: first.Model, Input: responses.InputItems(input...), Stream: first.Stream}
				status, _, body := post(t, srv, requestJSON(t, req))
				srv.Close()
				errs := errorsOf(srv)
				if tamper {
					if status != 400 || !strings.Contains(errs, "is not replayed byte for byte") {
						t.Errorf("tampered history: status %d, violations %q", status, errs)
					}
					continue
				}
				if errs != "" {
					t.Error(errs)
				}
				if diff := cmp.Diff(c.Interactions[1].Response.Body, string(body)); diff != "" {
					t.Errorf("turn 2 body (-want +got):\n%s", diff)
				}
			}
		})
	}
	if ran == 0 {
		t.Error("no cassette with tool calls")
	}
}

// outputOf returns the output items of a JSON body, or those of the
// output_item.done events of an SSE body.
func outputOf(t *testing.T, body []byte) []responses.Item {
	t.Helper()
	if len(body) > 0 && body[0] == '{' {
		return decodeResponse(t, body).Output
	}
	var items []responses.Item
	for _, e := range decodeEvents(t, readSSE(t, body)) {
		if e.Type == responses.EventOutputItemDone {
			items = append(items, *e.Item)
		}
	}
	return items
}
