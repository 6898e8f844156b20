package responsestest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/agentloop/agentloop/responses"
)

// Step is one scripted answer of a [Server]: the server answers each
// request with the next step of its queue. Build steps with [Reply], [Fail],
// [APIError], [HTML], [Raw] or [Func], and adjust them with the methods,
// which return a changed copy:
//
//	responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)).
//		Usage(responses.Usage{InputTokens: 12, OutputTokens: 5, TotalTokens: 17})
//	responsestest.Fail(429, `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`).
//		Header("retry-after-ms", "20")
//
// The zero Step is a reply with no output items.
type Step struct {
	kind stepKind

	// reply
	items      []responses.Item
	status     string // "" means completed
	reason     string // incomplete_details.reason
	errCode    string // response.failed error, or the error event
	errMessage string
	errType    string // the error's "type"; with errorEvent, the nested form
	errorEvent bool
	done       bool // "data: [DONE]" after the events sent
	usage      *responses.Usage
	model      string
	transforms []responses.InputTransformation
	compaction bool // a compaction item first, as context_management makes
	stream     int8 // 0: as the request asks, 1: SSE, -1: JSON
	cutAfter   int  // -1: not cut
	stallAfter int  // -1: no stall
	delay      time.Duration
	pace       time.Duration
	header     http.Header

	// fail, raw
	httpStatus  int
	contentType string
	body        []byte

	fn func(*Received) Step
}

type stepKind uint8

const (
	kindReply stepKind = iota
	kindRaw
	kindFunc
)

// Reply returns a step that answers with a response holding items as its
// output, status "completed". It streams when the request asks for it (see
// [Step.Stream] to force either form).
//
// Items built in code (see [Message], [FunctionCall] and the other helpers)
// get server-like ids when their ID is empty (msg_…, fc_…, rs_…), and a
// call_id when a call's CallID is empty. Items decoded from JSON are sent as
// their bytes.
func Reply(items ...responses.Item) Step {
	return Step{kind: kindReply, items: items, cutAfter: -1, stallAfter: -1}
}

// Fail returns a step that answers with an HTTP error: status and body as
// given, with Content-Type application/json when the body starts with '{'
// and text/plain otherwise. Add headers such as retry-after-ms with
// [Step.Header].
func Fail(status int, body string) Step {
	ct := "text/plain; charset=utf-8"
	if len(body) > 0 && body[0] == '{' {
		ct = "application/json"
	}
	return Raw(status, ct, []byte(body))
}

// APIError returns a step that answers with an HTTP error in OpenAI's shape:
// {"error":{"message":…,"type":…,"param":null,"code":…}}. The type is
// "invalid_request_error" for 4xx statuses and "server_error" otherwise; an
// empty code is sent as null.
func APIError(status int, code, message string) Step {
	typ := "server_error"
	if status >= 400 && status < 500 {
		typ = "invalid_request_error"
	}
	return Raw(status, "application/json", errorBody(nil, typ, code, message, ""))
}

// HTML returns a step that answers with status and the HTML error page a
// reverse proxy sends (such as nginx's 502 Bad Gateway).
func HTML(status int) Step {
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	return Raw(status, "text/html", []byte(body))
}

// Raw returns a step that answers with exactly these bytes, status and
// Content-Type, for instance a recorded response body (see [Cassette]).
//
// When status is 200, the server reads the output items from the body (a
// response object, or the last response.completed / response.incomplete
// event of an SSE body, and every response.output_item.done event) and
// expects them replayed in later requests, as it does for [Reply].
func Raw(status int, contentType string, body []byte) Step {
	return Step{kind: kindRaw, httpStatus: status, contentType: contentType, body: body,
		cutAfter: -1, stallAfter: -1}
}

// Func returns a step computed from the request when it arrives, for
// answers that depend on what the client sent (echoing tool outputs, say).
// f runs on the server's handler goroutine and may call the server's
// methods. The step it returns is used as if it had been queued.
func Func(f func(r *Received) Step) Step {
	return Step{kind: kindFunc, fn: f, cutAfter: -1, stallAfter: -1}
}

// Usage sets the usage the response reports. By default the server reports
// an estimate: a token per 4 bytes of request body and of output items.
func (s Step) Usage(u responses.Usage) Step {
	s.usage = &u
	return s
}

// Incomplete makes the response end with status "incomplete" and this
// incomplete_details.reason (max_output_tokens, content_filter,
// max_messages, steered); when streaming, the terminal event is
// response.incomplete. The items are sent as given, so a function_call whose
// Arguments are cut short stands for the truncated call the API sends.
func (s Step) Incomplete(reason string) Step {
	s.status = responses.StatusIncomplete
	s.reason = reason
	return s
}

// Failed makes the response end with status "failed" and this error (code
// such as server_error or rate_limit_exceeded); when streaming, the terminal
// event is response.failed, sent with HTTP 200 as the API does.
func (s Step) Failed(code, message string) Step {
	s.status = responses.StatusFailed
	s.errCode = code
	s.errMessage = message
	return s
}

// ErrorEvent ends a stream with an "error" event carrying code and message
// instead of the terminal response event. With [Step.CutAfter], the error
// event follows the events sent. A non-streaming reply becomes an HTTP 500
// with that error in OpenAI's shape.
func (s Step) ErrorEvent(code, message string) Step {
	s.errorEvent = true
	s.errCode = code
	s.errMessage = message
	return s
}

// ErrorType sets the "type" of the error that [Step.Failed] or
// [Step.ErrorEvent] sends, such as "invalid_request_error", which OpenAI
// sends with no code for a model at capacity:
//
//	responsestest.Reply().Failed("", "Selected model is at capacity. Please try a different model.").
//		ErrorType("invalid_request_error")
//
// With ErrorEvent, the event takes the nested form relays send,
// {"type":"error","error":{"type":…,"code":…,"message":…,"param":null}}, and
// a non-streaming reply is an HTTP 500 of that type. An empty code is sent
// as null.
func (s Step) ErrorType(typ string) Step {
	s.errType = typ
	return s
}

// Done ends a stream with "data: [DONE]" after the events it sends. With
// [Step.CutAfter] it stands for a relay that hides a cut: a clean end of the
// stream with no terminal event, as if it had finished. A non-streaming
// reply is unchanged.
func (s Step) Done() Step {
	s.done = true
	return s
}

// InputTransformations makes the final response report these
// input_transformations: input items the API withheld from the model, such
// as a reasoning item made under another organization:
//
//	responsestest.Reply(responsestest.Message("Hi.")).InputTransformations(responses.InputTransformation{
//		ID: "rs_1", Type: "reasoning", Action: responses.TransformRemoved, Reason: responses.TransformOrganizationMismatch})
func (s Step) InputTransformations(ts ...responses.InputTransformation) Step {
	s.transforms = ts
	return s
}

// Compaction makes the response start with a compaction item standing for
// the request's input, as a request whose context_management threshold was
// passed gets: a client must send none of the items before it again.
func (s Step) Compaction() Step {
	s.compaction = true
	return s
}

// Model sets the model the response reports; by default it echoes the
// request's model.
func (s Step) Model(model string) Step {
	s.model = model
	return s
}

// Stream forces the form of the answer: SSE when on, a JSON response object
// otherwise, whatever the request's "stream" says.
func (s Step) Stream(on bool) Step {
	s.stream = -1
	if on {
		s.stream = 1
	}
	return s
}

// CutAfter ends the answer early without any error: a stream after n events
// (so with no terminal event), or a JSON or raw body after n bytes.
func (s Step) CutAfter(n int) Step {
	s.cutAfter = max(n, 0)
	return s
}

// StallAfter sends the first n events of a stream (or n bytes of another
// body), flushes them, then sends nothing more and holds the connection open
// until the client goes away or the server is closed: what an idle timeout
// must catch.
func (s Step) StallAfter(n int) Step {
	s.stallAfter = max(n, 0)
	return s
}

// Delay waits d before answering (or until the client goes away or the
// server is closed, whichever comes first).
func (s Step) Delay(d time.Duration) Step {
	s.delay = d
	return s
}

// Pace sends a stream event by event, flushing each one and waiting d
// before the next (or until the client goes away or the server is closed),
// so that text appears progressively, as from a model. By default a stream is
// written at once.
func (s Step) Pace(d time.Duration) Step {
	s.pace = d
	return s
}

// Header adds a response header, such as retry-after-ms, x-request-id or
// x-should-retry.
func (s Step) Header(key, value string) Step {
	h := make(http.Header, len(s.header)+1)
	for k, v := range s.header {
		h[k] = v
	}
	h.Add(key, value)
	s.header = h
	return s
}
