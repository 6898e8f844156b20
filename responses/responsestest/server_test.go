package responsestest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
)

func TestReplyJSON(t *testing.T) {
	srv := NewServer(&Options{Now: fixedNow, Steps: []Step{
		Reply(Reasoning("", ""), FunctionCall("call_a", "get_weather", `{"city":"Paris"}`)).
			Usage(responses.Usage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15,
				OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: 3}}),
	}})
	defer srv.Close()
	status, h, body := post(t, srv, `{"model":"gpt-test","input":"hi","instructions":"Be brief."}`)
	if status != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", status, h.Get("Content-Type"))
	}
	want := `{"id":"resp_0001","object":"response","created_at":1750000000,"status":"completed","error":null,` +
		`"incomplete_details":null,"instructions":"Be brief.","model":"gpt-test","output":[` +
		`{"type":"reasoning","id":"rs_0002","summary":[]},` +
		`{"type":"function_call","id":"fc_0003","call_id":"call_a","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}` +
		`],"parallel_tool_calls":true,"previous_response_id":null,"tools":[],"usage":{"input_tokens":10,` +
		`"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":15}}`
	if diff := cmp.Diff(want, string(body)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if r := decodeResponse(t, body); r.Status != responses.StatusCompleted || len(r.Output) != 2 {
		t.Errorf("decoded %+v", r)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].ResponseID != "resp_0001" || reqs[0].Request.Model != "gpt-test" {
		t.Errorf("Requests() = %+v", reqs)
	}
	if err := srv.Err(); err != nil {
		t.Error(err)
	}
}

// TestReplyUsage: the newer usage counts are sent when set, and decode
// back to what was scripted.
func TestReplyUsage(t *testing.T) {
	u := responses.Usage{InputTokens: 100, OutputTokens: 20, TotalTokens: 120,
		InputTokensDetails: responses.InputTokensDetails{CachedTokens: 30, CacheWriteTokens: 50,
			CacheWriteTokensDetails: responses.CacheWriteTokensDetails{TTL30mTokens: 40, TTL12hTokens: 10}},
		ToolUsage: responses.ToolUsage{ImageGen: responses.ImageGenUsage{InputTokens: 7, OutputTokens: 1000, TotalTokens: 1007},
			WebSearch: responses.WebSearchUsage{NumRequests: 3}}}
	srv := Start(t, Reply(Message("hi")).Usage(u))
	_, _, body := post(t, srv, `{"model":"m","input":"hi"}`)
	if diff := cmp.Diff(&u, decodeResponse(t, body).Usage); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

func TestReplyStream(t *testing.T) {
	srv := Start(t, Reply(
		Reasoning("Thinking about the weather in Paris.", "gAAAA-secret"),
		Message("The weather in Paris is sunny, 18°C — enjoy it."),
		FunctionCall("", "get_weather", `{"city":"Paris","unit":"c"}`),
		CustomToolCall("call_c", "run_sql", "SELECT 1"),
		ComputerCall("call_d", responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 1, Y: 2}),
		FileSearchCall([]string{"refunds"}, nil),
		WebSearchCall("weather paris"),
		Refusal("I can't help with that."),
	))
	status, h, body := post(t, srv, `{"model":"m","input":"hi","stream":true}`)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, content type %q", status, h.Get("Content-Type"))
	}
	raw := readSSE(t, body)
	evs := decodeEvents(t, raw)
	for i, e := range evs {
		if e.SequenceNumber != int64(i) {
			t.Errorf("event %d has sequence_number %d", i, e.SequenceNumber)
		}
		if raw[i].Name != e.Type {
			t.Errorf("event %d: event: %q, type %q", i, raw[i].Name, e.Type)
		}
	}
	// Collapse runs of deltas, whose number depends on chunking.
	var got []string
	for _, typ := range types(evs) {
		if strings.HasSuffix(typ, ".delta") && len(got) > 0 && got[len(got)-1] == typ+"*" {
			continue
		}
		if strings.HasSuffix(typ, ".delta") {
			typ += "*"
		}
		got = append(got, typ)
	}
	want := []string{
		"response.created", "response.in_progress",
		"response.output_item.added",
		"response.reasoning_summary_part.added", "response.reasoning_summary_text.delta*",
		"response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
		"response.output_item.done",
		"response.output_item.added", "response.content_part.added", "response.output_text.delta*",
		"response.output_text.done", "response.content_part.done", "response.output_item.done",
		"response.output_item.added", "response.function_call_arguments.delta*",
		"response.function_call_arguments.done", "response.output_item.done",
		"response.output_item.added", "response.custom_tool_call_input.delta*",
		"response.custom_tool_call_input.done", "response.output_item.done",
		"response.output_item.added", "response.output_item.done",
		"response.output_item.added", "response.file_search_call.in_progress",
		"response.file_search_call.searching", "response.file_search_call.completed", "response.output_item.done",
		"response.output_item.added", "response.web_search_call.in_progress",
		"response.web_search_call.searching", "response.web_search_call.completed", "response.output_item.done",
		"response.output_item.added", "response.content_part.added", "response.refusal.delta*",
		"response.refusal.done", "response.content_part.done", "response.output_item.done",
		"response.completed",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("event order (-want +got):\n%s", diff)
	}

	// Deltas add up to the done text; done items are the completed output.
	deltas := map[string]string{}
	var done [][]byte
	for _, e := range evs {
		switch {
		case strings.HasSuffix(e.Type, ".delta"):
			deltas[e.ItemID] += e.Delta
		case e.Type == responses.EventOutputTextDone || e.Type == responses.EventReasoningSummaryTextDone:
			if deltas[e.ItemID] != e.Text {
				t.Errorf("%s: deltas %q, done %q", e.Type, deltas[e.ItemID], e.Text)
			}
		case e.Type == responses.EventFunctionCallArgumentsDone:
			if deltas[e.ItemID] != e.Arguments || e.Name != "get_weather" {
				t.Errorf("%s: deltas %q, done %q (name %q)", e.Type, deltas[e.ItemID], e.Arguments, e.Name)
			}
		case e.Type == responses.EventCustomToolCallInputDone:
			if deltas[e.ItemID] != e.Input {
				t.Errorf("%s: deltas %q, done %q", e.Type, deltas[e.ItemID], e.Input)
			}
		case e.Type == responses.EventOutputItemAdded:
			if e.Item.Type == responses.ItemMessage && (e.Item.Content == nil || len(e.Item.Content) != 0) {
				t.Errorf("added message has content %s", e.Item.Raw())
			}
			if e.Item.Type == responses.ItemFunctionCall && (e.Item.Arguments != "" || e.Item.Status != "in_progress") {
				t.Errorf("added function call %s", e.Item.Raw())
			}
			if e.Item.Type == responses.ItemReasoning && (e.Item.Summary == nil || e.Item.EncryptedContent != "") {
				t.Errorf("added reasoning %s", e.Item.Raw())
			}
		case e.Type == responses.EventOutputItemDone:
			done = append(done, e.Item.Raw())
		}
	}
	last := evs[len(evs)-1].Response
	if len(last.Output) != len(done) {
		t.Fatalf("completed has %d items, %d were done", len(last.Output), len(done))
	}
	for i := range done {
		if !bytes.Equal(done[i], last.Output[i].Raw()) {
			t.Errorf("item %d: done %s, completed %s", i, done[i], last.Output[i].Raw())
		}
	}
	if last.Usage == nil || last.Usage.TotalTokens == 0 {
		t.Errorf("completed usage %+v", last.Usage)
	}
	if got := last.Output[1].Text(); got != "The weather in Paris is sunny, 18°C — enjoy it." {
		t.Errorf("message text %q", got)
	}
	if last.Output[2].CallID == "" || !strings.HasPrefix(last.Output[2].ID, "fc_") {
		t.Errorf("function call ids %q %q", last.Output[2].ID, last.Output[2].CallID)
	}
	if evs[0].Response.Usage != nil || len(evs[0].Response.Output) != 0 || evs[0].Response.Status != "in_progress" {
		t.Errorf("created %s", raw[0].Data)
	}
}

// TestConversation runs a two-turn tool loop the way a correct client does,
// stateless and with previous_response_id, streaming or not.
func TestConversation(t *testing.T) {
	for _, stream := range []bool{false, true} {
		for _, stateful := range []bool{false, true} {
			name := map[bool]string{false: "json", true: "sse"}[stream] + map[bool]string{false: "/stateless", true: "/stateful"}[stateful]
			t.Run(name, func(t *testing.T) {
				srv := Start(t,
					Reply(Reasoning("Need weather.", "enc"), FunctionCall("", "get_weather", `{"city":"Paris"}`),
						FunctionCall("", "get_weather", `{"city":"Rome"}`)),
					Func(func(r *Received) Step {
						var outs []string
						for _, it := range r.Request.Input.Items {
							if it.Type == responses.ItemFunctionCallOutput {
								outs = append(outs, it.Output.String())
							}
						}
						return Reply(Message("Got " + strings.Join(outs, ", ")))
					}),
				)
				input := []responses.Item{responses.UserMessage("Weather in Paris and Rome?")}
				req := &responses.Request{Model: "m", Input: responses.InputItems(input...), Stream: stream}
				out, id := turn(t, srv, req)
				if len(out) != 3 {
					t.Fatalf("turn 1 output %d items", len(out))
				}
				outs := []responses.Item{
					responses.FunctionCallOutput(out[1].CallID, "sunny"),
					responses.FunctionCallOutput(out[2].CallID, "rainy"),
				}
				if stateful {
					req = &responses.Request{Model: "m", PreviousResponseID: id, Input: responses.InputItems(outs...), Stream: stream}
				} else {
					input = append(append(input, out...), outs...)
					req = &responses.Request{Model: "m", Input: responses.InputItems(input...), Stream: stream}
				}
				out, _ = turn(t, srv, req)
				if len(out) != 1 || out[0].Text() != "Got sunny, rainy" {
					t.Fatalf("turn 2 output %+v", out)
				}
			})
		}
	}
}

// turn sends req and returns the output items, read from output_item.done
// events when streaming, and the response id.
func turn(t *testing.T, srv *Server, req *responses.Request) ([]responses.Item, string) {
	t.Helper()
	status, _, body := post(t, srv, requestJSON(t, req))
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if !req.Stream {
		r := decodeResponse(t, body)
		return r.Output, r.ID
	}
	var items []responses.Item
	var id string
	for _, e := range decodeEvents(t, readSSE(t, body)) {
		switch e.Type {
		case responses.EventOutputItemDone:
			items = append(items, *e.Item)
		case responses.EventResponseCompleted:
			id = e.Response.ID
		}
	}
	return items, id
}

// TestViolations checks each rule: the request is refused as the API would
// and the violation is recorded.
func TestViolations(t *testing.T) {
	first := Reply(Reasoning("", "enc"), FunctionCall("call_1", "f", `{}`), Message("hi"))
	// turn1 returns the output of the first step, as JSON items.
	turn1 := func(t *testing.T, srv *Server) []responses.Item {
		_, _, body := postCtx(t, context.Background(), srv.URL()+"/responses", "Bearer k", `{"model":"m","input":"go"}`)
		return decodeResponse(t, body).Output
	}
	user := responses.UserMessage("go")
	tests := []struct {
		name   string
		setup  func(t *testing.T, srv *Server) (url, auth, body string)
		status int
		want   string
	}{
		{"path", func(t *testing.T, srv *Server) (string, string, string) {
			return srv.URL() + "/chat/completions", "Bearer k", `{}`
		}, 404, "Invalid URL (POST /v1/chat/completions)"},
		{"no key", func(t *testing.T, srv *Server) (string, string, string) {
			return srv.URL() + "/responses", "", `{}`
		}, 401, "no API key"},
		{"wrong key", func(t *testing.T, srv *Server) (string, string, string) {
			return srv.URL() + "/responses", "Bearer other", `{}`
		}, 401, "Incorrect API key"},
		{"body", func(t *testing.T, srv *Server) (string, string, string) {
			return srv.URL() + "/responses", "Bearer k", `{"model":`
		}, 400, "not a Responses request"},
		{"missing output", func(t *testing.T, srv *Server) (string, string, string) {
			out := turn1(t, srv)
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{
				Input: responses.InputItems(append([]responses.Item{user}, out...)...)})
		}, 400, "No tool output found for function_call call_1"},
		{"orphan output", func(t *testing.T, srv *Server) (string, string, string) {
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{
				Input: responses.InputItems(user, responses.FunctionCallOutput("call_x", "1"))})
		}, 400, `No tool call found for function_call_output with call_id "call_x"`},
		{"two outputs", func(t *testing.T, srv *Server) (string, string, string) {
			out := turn1(t, srv)
			in := append([]responses.Item{user}, out...)
			in = append(in, responses.FunctionCallOutput("call_1", "1"), responses.FunctionCallOutput("call_1", "2"))
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{Input: responses.InputItems(in...)})
		}, 400, "function_call call_1 has 2 outputs"},
		{"wrong output type", func(t *testing.T, srv *Server) (string, string, string) {
			out := turn1(t, srv)
			in := append([]responses.Item{user}, out...)
			in = append(in, responses.Item{Type: responses.ItemCustomToolCallOutput, CallID: "call_1",
				Output: &responses.ToolOutput{Text: "1"}})
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{Input: responses.InputItems(in...)})
		}, 400, `custom_tool_call_output with call_id "call_1" answers a function_call`},
		{"dropped reasoning", func(t *testing.T, srv *Server) (string, string, string) {
			out := turn1(t, srv)
			in := append([]responses.Item{user}, out[1:]...)
			in = append(in, responses.FunctionCallOutput("call_1", "1"))
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{Input: responses.InputItems(in...)})
		}, 400, "the input lacks reasoning rs_0002 that response resp_0001 sent"},
		{"changed bytes", func(t *testing.T, srv *Server) (string, string, string) {
			out := turn1(t, srv)
			out[1].ClearRaw() // re-encoded from fields: key order and fields differ
			out[1].Status = ""
			in := append([]responses.Item{user}, out...)
			in = append(in, responses.FunctionCallOutput("call_1", "1"))
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{Input: responses.InputItems(in...)})
		}, 400, "function_call fc_0003 is not replayed byte for byte"},
		{"call without id", func(t *testing.T, srv *Server) (string, string, string) {
			out := turn1(t, srv)
			out[1] = responses.Item{Type: responses.ItemFunctionCall, CallID: "call_1", Name: "f", Arguments: "{}"}
			in := append([]responses.Item{user}, out...)
			in = append(in, responses.FunctionCallOutput("call_1", "1"))
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{Input: responses.InputItems(in...)})
		}, 400, "function_call fc_0003 is not replayed byte for byte"},
		{"unacknowledged safety check", func(t *testing.T, srv *Server) (string, string, string) {
			call := ComputerCall("call_c", responses.ComputerAction{Type: responses.ActionScreenshot})
			call.PendingSafetyChecks = []responses.SafetyCheck{{ID: "cu_sc_1", Code: "malicious_instructions", Message: "?"}}
			srv.Add(Reply(call))
			turn1(t, srv)
			_, _, body := postCtx(t, context.Background(), srv.URL()+"/responses", "Bearer k", `{"model":"m","input":"go"}`)
			out := decodeResponse(t, body).Output
			in := append([]responses.Item{user}, out...)
			in = append(in, responses.Item{Type: responses.ItemComputerCallOutput, CallID: "call_c",
				Screenshot: &responses.ComputerScreenshot{ImageURL: "data:image/png;base64,AAAA"}})
			return srv.URL() + "/responses", "Bearer k", requestJSON(t, &responses.Request{Input: responses.InputItems(in...)})
		}, 400, "computer_call_output for call_c does not acknowledge the pending safety checks cu_sc_1."},
		{"unknown previous response", func(t *testing.T, srv *Server) (string, string, string) {
			return srv.URL() + "/responses", "Bearer k", `{"model":"m","previous_response_id":"resp_x","input":"hi"}`
		}, 400, "Previous response with id 'resp_x' not found."},
		{"queue empty", func(t *testing.T, srv *Server) (string, string, string) {
			turn1(t, srv)
			return srv.URL() + "/responses", "Bearer k", `{"model":"m","input":"again"}`
		}, 500, "no scripted step left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(&Options{APIKey: "k", Steps: []Step{first}})
			defer srv.Close()
			url, auth, body := tt.setup(t, srv)
			status, _, resp := postCtx(t, context.Background(), url, auth, body)
			if status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, resp)
			}
			var e struct {
				Error struct {
					Message string `json:"message"`
					Type    string `json:"type"`
				} `json:"error"`
			}
			if err := json.Unmarshal(resp, &e); err != nil || !strings.Contains(e.Error.Message, tt.want) {
				t.Errorf("body %s (%v), want a message containing %q", resp, err, tt.want)
			}
			if got := errorsOf(srv); !strings.Contains(got, tt.want) {
				t.Errorf("Err() = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestNoHistoryCheck(t *testing.T) {
	srv := NewServer(&Options{NoHistoryCheck: true, Steps: []Step{
		Reply(Reasoning("", "enc"), FunctionCall("call_1", "f", `{}`)), Reply(Message("done")),
	}})
	defer srv.Close()
	_, _, body := post(t, srv, `{"model":"m","input":"go"}`)
	out := decodeResponse(t, body).Output
	req := &responses.Request{Input: responses.InputItems(responses.UserMessage("go"), out[1],
		responses.FunctionCallOutput("call_1", "1"))}
	if status, _, body := post(t, srv, requestJSON(t, req)); status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if err := srv.Err(); err != nil {
		t.Error(err)
	}
}

func TestCheck(t *testing.T) {
	srv := NewServer(&Options{Steps: []Step{Reply(), Reply()}})
	post(t, srv, `{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":"x"}]}`)
	srv.Close()
	rec := &tbRecorder{TB: t}
	srv.Check(rec)
	want := []string{
		`responsestest: request 1: No tool call found for function_call_output with call_id "c".`,
		"responsestest: 2 scripted step(s) never used (1 requests received)",
	}
	if diff := cmp.Diff(want, rec.errs); diff != "" {
		t.Errorf("Check (-want +got):\n%s", diff)
	}
}

func TestErrorSteps(t *testing.T) {
	tests := []struct {
		name       string
		step       Step
		status     int
		ctype      string
		body       string
		headerKey  string
		headerWant string
	}{
		{"fail json", Fail(429, `{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}`).
			Header("retry-after-ms", "20"), 429, "application/json",
			`{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, "Retry-After-Ms", "20"},
		{"fail gateway string", Fail(401, `{"error":"invalid api key"}`), 401, "application/json", `{"error":"invalid api key"}`, "", ""},
		{"fail text", Fail(503, "upstream overloaded"), 503, "text/plain; charset=utf-8", "upstream overloaded", "", ""},
		{"api error", APIError(400, "decimal_below_min_value", "Invalid 'temperature'"), 400, "application/json",
			`{"error":{"message":"Invalid 'temperature'","type":"invalid_request_error","param":null,"code":"decimal_below_min_value"}}`, "", ""},
		{"api error null code", APIError(500, "", "boom"), 500, "application/json",
			`{"error":{"message":"boom","type":"server_error","param":null,"code":null}}`, "", ""},
		{"html", HTML(502), 502, "text/html",
			"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", "", ""},
		{"raw", Raw(200, "text/event-stream", []byte("data: [DONE]\n\n")).Header("x-request-id", "req_1"),
			200, "text/event-stream", "data: [DONE]\n\n", "X-Request-Id", "req_1"},
		{"error event non-stream", Reply().ErrorEvent("server_error", "oops"), 500, "application/json",
			`{"error":{"message":"oops","type":"server_error","param":null,"code":"server_error"}}`, "", ""},
		{"cut json", Reply(Message("hello")).CutAfter(10), 200, "application/json", `{"id":"res`, "", ""},
		{"error event of a type, non-stream", Reply().ErrorEvent("", "Selected model is at capacity.").ErrorType("invalid_request_error"),
			500, "application/json",
			`{"error":{"message":"Selected model is at capacity.","type":"invalid_request_error","param":null,"code":null}}`, "", ""},
		{"done, non-stream", Reply(Message("hello")).CutAfter(10).Done(), 200, "application/json", `{"id":"res`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t, tt.step)
			status, h, body := post(t, srv, `{"model":"m","input":"hi"}`)
			if status != tt.status || h.Get("Content-Type") != tt.ctype {
				t.Errorf("status %d %q, want %d %q", status, h.Get("Content-Type"), tt.status, tt.ctype)
			}
			if diff := cmp.Diff(tt.body, string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if tt.headerKey != "" && h.Get(tt.headerKey) != tt.headerWant {
				t.Errorf("header %s = %q, want %q", tt.headerKey, h.Get(tt.headerKey), tt.headerWant)
			}
		})
	}
}

func TestStreamEndings(t *testing.T) {
	call := FunctionCall("call_1", "f", `{"a":`)
	tests := []struct {
		name     string
		step     Step
		wantLast string // type of the last event
		wantN    int    // number of events, 0: any
		check    func(t *testing.T, last responses.Event)
	}{
		{"incomplete", Reply(call).Incomplete("max_output_tokens"), responses.EventResponseIncomplete, 0,
			func(t *testing.T, e responses.Event) {
				if e.Response.Status != "incomplete" || e.Response.IncompleteDetails.Reason != "max_output_tokens" ||
					e.Response.Output[0].Arguments != `{"a":` {
					t.Errorf("incomplete event %s", e.Raw)
				}
			}},
		{"failed", Reply().Failed("rate_limit_exceeded", "Please try again in 11.054s."), responses.EventResponseFailed, 3,
			func(t *testing.T, e responses.Event) {
				if e.Response.Status != "failed" || e.Response.Error.Code != "rate_limit_exceeded" {
					t.Errorf("failed event %s", e.Raw)
				}
			}},
		{"error event", Reply(Message("hello")).ErrorEvent("server_error", "boom"), responses.EventError, 0,
			func(t *testing.T, e responses.Event) {
				if e.Code != "server_error" || e.Message != "boom" {
					t.Errorf("error event %s", e.Raw)
				}
			}},
		{"cut", Reply(Message("hello")).CutAfter(4), responses.EventContentPartAdded, 4, nil},
		{"cut then error", Reply(Message("hello")).CutAfter(3).ErrorEvent("server_error", "boom"), responses.EventError, 4,
			func(t *testing.T, e responses.Event) {
				if e.SequenceNumber != 3 {
					t.Errorf("error event sequence %d", e.SequenceNumber)
				}
			}},
		{"failed of a type", Reply().Failed("", "Selected model is at capacity.").ErrorType("invalid_request_error"),
			responses.EventResponseFailed, 3,
			func(t *testing.T, e responses.Event) {
				want := &responses.ResponseError{Message: "Selected model is at capacity.", Type: "invalid_request_error"}
				if diff := cmp.Diff(want, e.Response.Error); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				if !bytes.Contains(e.Raw, []byte(`"code":null`)) {
					t.Errorf("failed event %s", e.Raw)
				}
			}},
		{"nested error event", Reply(Message("hello")).CutAfter(5).
			ErrorEvent("request_timeout", "stream disconnected before completion").ErrorType("invalid_request_error"),
			responses.EventError, 6,
			func(t *testing.T, e responses.Event) {
				const want = `{"type":"error","sequence_number":5,"error":{"type":"invalid_request_error","code":"request_timeout","message":"stream disconnected before completion","param":null}}`
				if string(e.Raw) != want || e.Code != "request_timeout" {
					t.Errorf("error event %s\nwant %s", e.Raw, want)
				}
			}},
		{"forced json", Reply(Message("hello")).Stream(false), "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t, tt.step)
			_, h, body := post(t, srv, `{"model":"m","input":"hi","stream":true}`)
			if tt.wantLast == "" {
				if h.Get("Content-Type") != "application/json" {
					t.Fatalf("content type %q", h.Get("Content-Type"))
				}
				decodeResponse(t, body)
				return
			}
			evs := decodeEvents(t, readSSE(t, body))
			last := evs[len(evs)-1]
			if last.Type != tt.wantLast || (tt.wantN > 0 && len(evs) != tt.wantN) {
				t.Errorf("%d events, last %s; want %d, %s", len(evs), last.Type, tt.wantN, tt.wantLast)
			}
			if tt.check != nil {
				tt.check(t, last)
			}
		})
	}
	t.Run("done", func(t *testing.T) {
		for _, tt := range []struct {
			step Step
			want []string
		}{
			{Reply(Message("hello")).CutAfter(2).Done(), []string{responses.EventResponseCreated, responses.EventResponseInProgress}},
			{Reply().Done(), []string{responses.EventResponseCreated, responses.EventResponseInProgress, responses.EventResponseCompleted}},
		} {
			srv := Start(t, tt.step)
			_, _, body := post(t, srv, `{"model":"m","input":"hi","stream":true}`)
			if !bytes.HasSuffix(body, []byte("}\n\ndata: [DONE]\n\n")) {
				t.Errorf("body does not end with [DONE]:\n%s", body)
			}
			evs := readSSE(t, body)
			if string(evs[len(evs)-1].Data) != "[DONE]" {
				t.Fatalf("last event %s", evs[len(evs)-1].Data)
			}
			if diff := cmp.Diff(tt.want, types(decodeEvents(t, evs[:len(evs)-1]))); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		}
	})
	t.Run("forced sse", func(t *testing.T) {
		srv := Start(t, Reply(Message("hello")).Stream(true))
		_, h, _ := post(t, srv, `{"model":"m","input":"hi"}`)
		if !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") {
			t.Errorf("content type %q", h.Get("Content-Type"))
		}
	})
}

func TestStallAndDelay(t *testing.T) {
	srv := Start(t, Reply(Message("hello")).StallAfter(2), Reply(Message("late")).Delay(time.Hour))
	// Stall: the first two events arrive, then nothing until the client gives up.
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/responses", strings.NewReader(`{"model":"m","input":"hi","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req = req.WithContext(ctx)
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 4096)
	for bytes.Count(got, []byte("\n\n")) < 2 {
		n, err := resp.Body.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("read: %v after %q", err, got)
		}
	}
	if n := len(readSSE(t, got)); n != 2 {
		t.Errorf("%d events before the stall", n)
	}
	cancel()
	resp.Body.Close()

	// Delay: the client's deadline ends the wait.
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/responses", strings.NewReader(`{"model":"m","input":"hi"}`))
	req.Header.Set("Authorization", "Bearer k")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("a delayed answer arrived")
	}
}

func TestCloseEndsStall(t *testing.T) {
	srv := NewServer(&Options{Steps: []Step{Reply().StallAfter(1)}})
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/responses", strings.NewReader(`{"stream":true}`))
		req.Header.Set("Authorization", "Bearer k")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
		}
		done <- err
	}()
	for len(srv.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	srv.Close() // must not hang
	<-done
}

func TestFallback(t *testing.T) {
	srv := NewServer(&Options{Fallback: func(r *Received) Step {
		return Reply(Message("echo: " + r.Request.Input.Text))
	}})
	defer srv.Close()
	for _, in := range []string{"a", "b"} {
		_, _, body := post(t, srv, `{"model":"m","input":"`+in+`"}`)
		if got := decodeResponse(t, body).OutputText(); got != "echo: "+in {
			t.Errorf("got %q", got)
		}
	}
	if err := srv.Err(); err != nil {
		t.Error(err)
	}
}

func TestConcurrentConversations(t *testing.T) {
	const n = 16
	srv := NewServer(&Options{Fallback: func(r *Received) Step {
		for _, it := range r.Request.Input.Items {
			if it.Type == responses.ItemFunctionCallOutput {
				return Reply(Message("done"))
			}
		}
		return Reply(FunctionCall("", "f", `{}`))
	}})
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in := []responses.Item{responses.UserMessage("go")}
			req := &responses.Request{Input: responses.InputItems(in...), Stream: i%2 == 0}
			out, _ := turn(t, srv, req)
			in = append(append(in, out...), answers(out)...)
			req = &responses.Request{Input: responses.InputItems(in...), Stream: i%2 == 0}
			if out, _ := turn(t, srv, req); len(out) != 1 || out[0].Text() != "done" {
				t.Errorf("turn 2: %+v", out)
			}
		})
	}
	wg.Wait()
	if err := srv.Err(); err != nil {
		t.Error(err)
	}
	if got := len(srv.Requests()); got != 2*n {
		t.Errorf("%d requests", got)
	}
}

func TestSplit(t *testing.T) {
	for _, s := range []string{"", "a", "héllo wörld, ça va? ✓✓✓✓", strings.Repeat("x", 100)} {
		parts := split(s, 3)
		if strings.Join(parts, "") != s {
			t.Errorf("split(%q) = %q", s, parts)
		}
		if len(parts) > 4 {
			t.Errorf("split(%q) has %d parts", s, len(parts))
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", "quote \" back \\ nl \n tab \t cr \r ctl \x01", "<a&b>", "é✓", "bad \xff utf8", "\u2028"} {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%q encodes as invalid JSON %s: %v", s, b, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if got != want {
			t.Errorf("%q round-trips as %q", s, got)
		}
	}
}

func TestPace(t *testing.T) {
	srv := Start(t, Reply(Message("hello there, this is paced")).Pace(time.Millisecond),
		Reply(Message("cut")).Pace(time.Millisecond).CutAfter(3).ErrorEvent("server_error", "x"))
	start := time.Now()
	_, _, body := post(t, srv, `{"model":"m","input":"hi","stream":true}`)
	evs := decodeEvents(t, readSSE(t, body))
	if last := evs[len(evs)-1]; last.Type != responses.EventResponseCompleted {
		t.Errorf("last event %s", last.Type)
	}
	if d := time.Since(start); d < time.Duration(len(evs)-1)*time.Millisecond {
		t.Errorf("%d events in %v", len(evs), d)
	}
	_, _, body = post(t, srv, `{"model":"m","input":"hi","stream":true}`)
	if got := types(decodeEvents(t, readSSE(t, body))); len(got) != 4 || got[3] != responses.EventError {
		t.Errorf("cut paced stream: %v", got)
	}
}

// TestSafetyChecks answers a computer_call with pending safety checks,
// acknowledging them, with and without previous_response_id.
func TestSafetyChecks(t *testing.T) {
	for _, stateful := range []bool{false, true} {
		call := ComputerCall("", responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 1, Y: 2})
		call.PendingSafetyChecks = []responses.SafetyCheck{{ID: "cu_sc_1", Code: "malicious_instructions", Message: "?"}}
		srv := Start(t, Reply(call), Reply(Message("done")))
		input := []responses.Item{responses.UserMessage("click")}
		out, id := turn(t, srv, &responses.Request{Input: responses.InputItems(input...)})
		answer := responses.Item{Type: responses.ItemComputerCallOutput, CallID: out[0].CallID,
			AcknowledgedSafetyChecks: out[0].PendingSafetyChecks,
			Screenshot:               &responses.ComputerScreenshot{ImageURL: "data:image/png;base64,AAAA"}}
		req := &responses.Request{Input: responses.InputItems(append(append(input, out...), answer)...)}
		if stateful {
			req = &responses.Request{PreviousResponseID: id, Input: responses.InputItems(answer)}
		}
		if out, _ := turn(t, srv, req); out[0].Text() != "done" {
			t.Errorf("stateful %v: %+v", stateful, out)
		}
	}
}

// TestMCPApprovals checks that an mcp_approval_response answers the
// mcp_approval_request whose id is its approval_request_id, statelessly
// and chained, and that a request left unanswered, or an answer to no
// request, is refused as the API does.
func TestMCPApprovals(t *testing.T) {
	for _, stateful := range []bool{false, true} {
		srv := Start(t, Reply(MCPListTools("wiki", json.RawMessage(`[{"name":"ask","input_schema":{}}]`)),
			MCPApprovalRequest("wiki", "ask", `{"q":"x"}`)),
			Func(func(r *Received) Step {
				for _, it := range r.Request.Input.Items {
					if it.Type == responses.ItemMCPApprovalResponse {
						return Reply(MCPCall("wiki", "ask", `{"q":"x"}`, "42", it.ApprovalRequestID), Message("42"))
					}
				}
				return Reply(Message("?"))
			}))
		input := []responses.Item{responses.UserMessage("ask")}
		out, id := turn(t, srv, &responses.Request{Input: responses.InputItems(input...)})
		if len(out) != 2 || out[1].Type != responses.ItemMCPApprovalRequest || out[1].CallID != "" || !strings.HasPrefix(out[1].ID, "mcpr_") {
			t.Fatalf("stateful %v: turn 1 output %+v", stateful, out)
		}
		answer := responses.MCPApprovalResponse(out[1].ID, true, "")
		req := &responses.Request{Input: responses.InputItems(append(append(input, out...), answer)...)}
		if stateful {
			req = &responses.Request{PreviousResponseID: id, Input: responses.InputItems(answer)}
		}
		out2, _ := turn(t, srv, req)
		if len(out2) != 2 || out2[0].ApprovalRequestID != out[1].ID || out2[1].Text() != "42" {
			t.Errorf("stateful %v: turn 2 output %+v", stateful, out2)
		}
		if err := srv.Err(); err != nil {
			t.Errorf("stateful %v: %v", stateful, err)
		}
	}

	srv := NewServer(&Options{Steps: []Step{Reply(MCPApprovalRequest("wiki", "ask", `{}`))}})
	defer srv.Close()
	input := []responses.Item{responses.UserMessage("ask")}
	out, _ := turn(t, srv, &responses.Request{Input: responses.InputItems(input...)})
	tests := []struct {
		name  string
		input []responses.Item
		want  string
	}{
		{"unanswered", append(append([]responses.Item{}, input...), out...), "No tool output found for mcp_approval_request " + out[0].ID},
		{"answer to nothing", append(append([]responses.Item{}, input...), responses.MCPApprovalResponse("mcpr_x", true, "")),
			`No mcp_approval_request found for mcp_approval_response with approval_request_id "mcpr_x"`},
	}
	for _, tt := range tests {
		status, _, body := post(t, srv, requestJSON(t, &responses.Request{Input: responses.InputItems(tt.input...)}))
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &e); status != 400 || err != nil || !strings.Contains(e.Error.Message, tt.want) {
			t.Errorf("%s: status %d, body %s; want 400 with %q", tt.name, status, body, tt.want)
		}
	}
}
