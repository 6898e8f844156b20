package responses_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/google/go-cmp/cmp"
)

// loadCassettes reads every cassette of ../shared/data/responses-cassettes
// (found from the module root), or skips the test when they are absent.
func loadCassettes(t testing.TB) []*responsestest.Cassette {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("module root not found: no go.mod above the test directory, so ../shared is missing")
		}
		dir = filepath.Dir(dir)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "..", "shared", "data", "responses-cassettes", "*.json"))
	if len(paths) == 0 {
		t.Skipf("cassettes missing from %s (the ../shared folder next to the repository is not found)",
			filepath.Join(dir, "..", "shared", "data", "responses-cassettes"))
	}
	var out []*responsestest.Cassette
	for _, p := range paths {
		c, err := responsestest.LoadCassette(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// sseData returns the data of each event of an SSE body (one data line per
// event, as every cassette has).
func sseData(body string) [][]byte {
	var out [][]byte
	for line := range strings.Lines(body) {
		if d, ok := strings.CutPrefix(line, "data:"); ok {
			out = append(out, []byte(strings.TrimSpace(d)))
		}
	}
	return out
}

// checkItems checks that each decoded item encodes as the exact bytes it
// came from.
func checkItems(t *testing.T, where string, raws []json.RawMessage, items []responses.Item) {
	t.Helper()
	if len(raws) != len(items) {
		t.Errorf("%s: %d raw items, %d decoded", where, len(raws), len(items))
		return
	}
	for i := range items {
		got, err := items[i].MarshalJSON()
		if err != nil {
			t.Errorf("%s: item %d: %v", where, i, err)
			continue
		}
		if !bytes.Equal(got, raws[i]) {
			t.Errorf("%s: item %d (%s) re-encodes differently:\n got %s\nwant %s", where, i, items[i].Type, got, raws[i])
		}
	}
}

// rawOutput is a response's output as raw items.
type rawOutput struct {
	Output []json.RawMessage `json:"output"`
}

// TestCassetteDecode decodes every recorded body: JSON bodies as a
// Response, SSE bodies event by event. Every output item re-encodes byte
// for byte, and what decodes matches the cassette's summary.
func TestCassetteDecode(t *testing.T) {
	for _, c := range loadCassettes(t) {
		t.Run(c.Name, func(t *testing.T) {
			for i, in := range c.Interactions {
				if in.Response.Status != 200 {
					continue // TestCassetteErrors
				}
				turn := c.Summary.Turns[i]
				var final *responses.Response
				if strings.HasPrefix(in.Response.Headers["content-type"], "application/json") {
					final = new(responses.Response)
					if err := json.Unmarshal([]byte(in.Response.Body), final); err != nil {
						t.Fatalf("interaction %d: %v", i, err)
					}
					var raw rawOutput
					if err := json.Unmarshal([]byte(in.Response.Body), &raw); err != nil {
						t.Fatal(err)
					}
					checkItems(t, "json body", raw.Output, final.Output)
				} else {
					final = checkStream(t, in.Response.Body)
				}
				if final == nil {
					t.Fatalf("interaction %d: no final response", i)
				}
				if final.Status != turn.ResponseStatus {
					t.Errorf("interaction %d: status %q, summary says %q", i, final.Status, turn.ResponseStatus)
				}
				var types []string
				var calls []responsestest.RecordedCall
				for _, it := range final.Output {
					types = append(types, it.Type)
					if it.Type == responses.ItemFunctionCall {
						calls = append(calls, responsestest.RecordedCall{CallID: it.CallID, Name: it.Name, Arguments: it.Arguments})
					}
				}
				if diff := cmp.Diff(turn.OutputItems, types); diff != "" {
					t.Errorf("interaction %d: output types (-summary +decoded):\n%s", i, diff)
				}
				if diff := cmp.Diff(turn.ToolCalls, calls); diff != "" {
					t.Errorf("interaction %d: tool calls (-summary +decoded):\n%s", i, diff)
				}
				if turn.MessageText != "" && final.OutputText() != turn.MessageText {
					t.Errorf("interaction %d: text %q, summary says %q", i, final.OutputText(), turn.MessageText)
				}
				if final.Usage == nil || final.Usage.TotalTokens == 0 {
					t.Errorf("interaction %d: usage %+v", i, final.Usage)
				}
			}
		})
	}
}

// checkStream decodes each event of an SSE body and checks the items of
// output_item.done and of the final response; it returns the final response.
func checkStream(t *testing.T, body string) *responses.Response {
	t.Helper()
	var final *responses.Response
	var lastSeq int64 = -1
	for j, data := range sseData(body) {
		var ev responses.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("event %d: %v: %s", j, err, data)
		}
		if !bytes.Equal(ev.Raw, data) || ev.Type == "" {
			t.Errorf("event %d: type %q, raw %s", j, ev.Type, ev.Raw)
		}
		if bytes.Contains(data, []byte(`"sequence_number"`)) {
			if ev.SequenceNumber != lastSeq+1 {
				t.Errorf("event %d: sequence_number %d after %d", j, ev.SequenceNumber, lastSeq)
			}
			lastSeq = ev.SequenceNumber
		}
		switch ev.Type {
		case responses.EventOutputItemAdded, responses.EventOutputItemDone:
			var raw struct {
				Item json.RawMessage `json:"item"`
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			checkItems(t, ev.Type, []json.RawMessage{raw.Item}, []responses.Item{*ev.Item})
		case responses.EventResponseCompleted, responses.EventResponseIncomplete:
			var raw struct {
				Response rawOutput `json:"response"`
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			checkItems(t, ev.Type, raw.Response.Output, ev.Response.Output)
			final = ev.Response
		case responses.EventOutputTextDelta, responses.EventFunctionCallArgumentsDelta, responses.EventReasoningSummaryTextDelta:
			if ev.Delta == "" || ev.ItemID == "" {
				t.Errorf("event %d: delta %q item %q", j, ev.Delta, ev.ItemID)
			}
		}
	}
	return final
}

// TestCassetteErrors decodes the recorded HTTP 400 bodies: into the
// documented {"error":{message,type,param,code}} shape, and through the
// client, which returns them as *responses.Error.
func TestCassetteErrors(t *testing.T) {
	n := 0
	for _, c := range loadCassettes(t) {
		for i, in := range c.Interactions {
			if in.Response.Status < 400 {
				continue
			}
			n++
			var body struct {
				Error *struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Param   *string `json:"param"`
					Code    *string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(in.Response.Body), &body); err != nil || body.Error == nil {
				t.Fatalf("%s/%d: %v: %s", c.Name, i, err, in.Response.Body)
			}
			if body.Error.Message == "" || body.Error.Type != "invalid_request_error" || body.Error.Param == nil {
				t.Errorf("%s/%d: %+v", c.Name, i, body.Error)
			}

			srv := responsestest.NewServer(&responsestest.Options{Steps: []responsestest.Step{in.Step()}, NoHistoryCheck: true})
			client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
			var req responses.Request
			if err := json.Unmarshal(in.Request.Body, &req); err != nil {
				t.Fatal(err)
			}
			var err error
			if req.Stream {
				_, err = responses.Collect(client.Stream(context.Background(), &req))
			} else {
				_, err = client.Create(context.Background(), &req)
			}
			srv.Close()
			var e *responses.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s/%d: err = %v", c.Name, i, err)
			}
			want := &responses.Error{StatusCode: in.Response.Status, Type: body.Error.Type, Message: body.Error.Message,
				Param: *body.Error.Param}
			if body.Error.Code != nil {
				want.Code = *body.Error.Code
			}
			got := &responses.Error{StatusCode: e.StatusCode, Type: e.Type, Code: e.Code, Param: e.Param, Message: e.Message}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(responses.Error{})); diff != "" {
				t.Errorf("%s/%d: (-want +got):\n%s", c.Name, i, diff)
			}
			if e.Retryable() {
				t.Errorf("%s/%d: a 400 is retryable", c.Name, i)
			}
		}
	}
	if n == 0 {
		t.Error("no error bodies in the cassettes")
	}
}
