package responses

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrStreamTruncated is wrapped by the error a stream returns when it ends
// (EOF, a cut connection, an idle timeout, a [DONE] too early) before a
// terminal event. Such a stream is retried; test with errors.Is.
var ErrStreamTruncated = errors.New("responses: stream ended without a terminal event")

// maxErrorBody is how much of an error body [Error.Body] keeps.
const maxErrorBody = 4 << 10

// Error is an error reported by the API or a gateway: a non-2xx HTTP
// response, an "error" event or a response.failed event in a stream, or a
// response whose status is "failed".
//
// Errors returned by [Client] wrap it; get it with errors.As. Its text never
// contains the API key.
type Error struct {
	// StatusCode is the HTTP status. Errors that arrive inside a stream or
	// inside a failed response have the status of that response, 200.
	StatusCode int
	Type       string // "invalid_request_error", "new_api_error", …; may be empty
	Code       string // "rate_limit_exceeded", "server_error", …; may be empty
	Param      string // the request parameter at fault, if any
	Message    string

	RequestID        string // the x-request-id response header
	GatewayRequestID string // the X-Oneapi-Request-Id header set by New API / One API gateways

	// Misalignment is the structured reason of a
	// misalignment_policy_violation error (the error object's
	// "misalignment"); nil for every other error. Such an error is final:
	// it is never retried, whatever the headers or Options.RetryPolicy say.
	Misalignment *Misalignment

	// Response is the failed response, for an error that came as one (a
	// response.failed event, or a response whose status is "failed"): its
	// id and usage, which a failed turn still bills. Nil otherwise.
	Response *Response

	// RetryAfter is the delay the server asked for: the retry-after-ms or
	// retry-after header, or a "try again in 1.5s" hint in the message. Zero
	// when there is none.
	RetryAfter time.Duration

	// Body is the start (at most 4 KiB) of the raw error body, or of the
	// event's JSON for an error inside a stream, with the API key redacted.
	Body string

	// shouldRetry is the x-should-retry header: +1 true, -1 false, 0 absent.
	shouldRetry int8
}

// Error returns the error on one line: status, code or type, message, and
// the request ids.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("responses: ")
	if e.StatusCode == http.StatusOK {
		b.WriteString("response failed")
	} else {
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
	}
	switch {
	case e.Code != "" && e.Type != "":
		b.WriteString(" " + e.Code + " (" + e.Type + ")")
	case e.Code != "":
		b.WriteString(" " + e.Code)
	case e.Type != "":
		b.WriteString(" " + e.Type)
	}
	msg := e.Message
	if msg == "" && e.StatusCode != http.StatusOK {
		msg = http.StatusText(e.StatusCode)
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(msg))
	}
	var extra []string
	if e.Misalignment != nil && e.Misalignment.ErrorType != "" {
		extra = append(extra, "misalignment "+oneLine(e.Misalignment.ErrorType))
	}
	if e.Param != "" {
		extra = append(extra, "param "+oneLine(e.Param))
	}
	if e.RequestID != "" {
		extra = append(extra, "request id "+oneLine(e.RequestID))
	}
	if e.GatewayRequestID != "" {
		extra = append(extra, "gateway request id "+oneLine(e.GatewayRequestID))
	}
	if len(extra) > 0 {
		b.WriteString(" [" + strings.Join(extra, ", ") + "]")
	}
	return b.String()
}

// oneLine collapses runs of white space (newlines included) into one space.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") && !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// CodeMisalignmentPolicyViolation is the error code of a request the API's
// misalignment monitoring stopped (HTTP 403 invalid_request_error, or an
// error event or failed response mid-stream). Match this code, not the
// message. The error is final: [Error.Retryable] is false, no fallback
// model is tried, and the conversation may not be resumable. Its reason is
// in [Error.Misalignment].
const CodeMisalignmentPolicyViolation = "misalignment_policy_violation"

// Retryable reports whether sending the same request again may succeed:
//   - 408, 409, 429 and 5xx statuses;
//   - the stream failure codes server_error, rate_limit_exceeded,
//     server_is_overloaded and slow_down;
//   - a model at capacity or servers overloaded, which OpenAI reports in a
//     response.failed or error event over HTTP 200 with type
//     invalid_request_error and no code: these are recognised by their
//     messages ("Selected model is at capacity", "servers are currently
//     overloaded");
//   - a stream a relay cut and reported in-band: the code request_timeout,
//     or the message "stream disconnected before completion".
//
// An x-should-retry header decides when present, except that a
// misalignment_policy_violation is never retried. Quota errors
// (insufficient_quota, insufficient_user_quota), context_length_exceeded,
// invalid_prompt, the other 4xx statuses and the other failures over HTTP
// 200 (an invalid_request_error about a parameter, say) are not retried.
func (e *Error) Retryable() bool {
	if e.final() {
		return false
	}
	if e.shouldRetry != 0 {
		return e.shouldRetry > 0
	}
	if e.hopeless() {
		return false
	}
	if e.Code == "request_timeout" || e.overloaded() || containsFold(e.Message, cutPhrases[:]) {
		return true
	}
	if e.StatusCode == http.StatusOK || e.StatusCode == 0 {
		for _, c := range [...]string{e.Code, e.Type} {
			switch c {
			case "server_error", "rate_limit_exceeded", "slow_down":
				return true
			}
		}
		return false
	}
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests:
		return true
	}
	return e.StatusCode >= 500
}

// ModelUnavailable reports whether the error says that the requested model
// cannot serve the request, so that another model might: the model is at
// capacity or the servers are overloaded (server_is_overloaded, or the
// messages [Error.Retryable] lists), or the model does not exist or the key
// has no access to it (model_not_found). [Options].FallbackModels are tried
// after such an error.
func (e *Error) ModelUnavailable() bool {
	return !e.final() && !e.hopeless() && (e.Code == "model_not_found" || e.overloaded())
}

// hopeless reports whether the error's code says that sending the request
// again cannot help: a quota used up, an input too long, a prompt refused.
func (e *Error) hopeless() bool {
	switch e.Code {
	case "insufficient_quota", "insufficient_user_quota", "context_length_exceeded", "invalid_prompt":
		return true
	}
	return false
}

// final reports whether the error must never be retried.
func (e *Error) final() bool {
	return e.Code == CodeMisalignmentPolicyViolation || e.Misalignment != nil
}

// overloaded reports whether the error says the model is at capacity or
// the servers are overloaded.
func (e *Error) overloaded() bool {
	return e.Code == "server_is_overloaded" || e.Type == "server_is_overloaded" ||
		containsFold(e.Message, capacityPhrases[:])
}

// capacityPhrases are the messages of capacity and overload failures, which
// OpenAI sends as invalid_request_error with no code ("Selected model is at
// capacity. Please try a different model.", "Our servers are currently
// overloaded. Please try again later.", "The engine is currently
// overloaded"). Lower case.
var capacityPhrases = [...]string{"model is at capacity", "currently overloaded"}

// cutPhrases are the messages of a stream a relay cut and reported in-band
// ({"type":"error","error":{"code":"request_timeout","type":
// "invalid_request_error","message":"stream disconnected before
// completion…"}}). Lower case.
var cutPhrases = [...]string{"stream disconnected before completion"}

// containsFold reports whether s holds one of phrases, ignoring ASCII case.
func containsFold(s string, phrases []string) bool {
	if s == "" {
		return false
	}
	s = strings.ToLower(s)
	for _, p := range phrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// newHTTPError builds the error for a non-2xx response (or a 2xx one whose
// body is not what was expected) from its status, headers and body.
func newHTTPError(status int, h http.Header, body []byte, apiKey string) *Error {
	e := &Error{StatusCode: status}
	e.fromHeader(h)
	decodeErrorBody(e, body, apiKey)
	e.redact(apiKey)
	e.Body = truncateBody(body, apiKey)
	if e.RetryAfter == 0 {
		e.RetryAfter = retryHintInMessage(e.Message)
	}
	return e
}

func (e *Error) fromHeader(h http.Header) {
	if h == nil {
		return
	}
	e.RequestID = h.Get("X-Request-Id")
	e.GatewayRequestID = h.Get("X-Oneapi-Request-Id")
	e.RetryAfter = retryAfterHeader(h, time.Now())
	switch strings.ToLower(strings.TrimSpace(h.Get("X-Should-Retry"))) {
	case "true":
		e.shouldRetry = 1
	case "false":
		e.shouldRetry = -1
	}
}

// decodeErrorBody fills the fields of e from a body in any of the shapes
// servers and gateways use: {"error":{…}}, {"error":"text"},
// {"message":…}, {"detail":…}, or not JSON at all (an HTML page). The
// caller redacts the fields; a snippet of text is redacted before it is cut,
// so that no part of a key is left.
func decodeErrorBody(e *Error, body []byte, apiKey string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var w struct {
			Error   json.RawMessage `json:"error"`
			Message json.RawMessage `json:"message"`
			Detail  json.RawMessage `json:"detail"`
			Type    json.RawMessage `json:"type"`
			Code    json.RawMessage `json:"code"`
			Param   json.RawMessage `json:"param"`
		}
		if json.Unmarshal(trimmed, &w) == nil {
			switch {
			case !isNull(w.Error) && w.Error[0] == '{':
				var inner struct {
					Message      json.RawMessage `json:"message"`
					Type         json.RawMessage `json:"type"`
					Code         json.RawMessage `json:"code"`
					Param        json.RawMessage `json:"param"`
					Misalignment json.RawMessage `json:"misalignment"`
				}
				if json.Unmarshal(w.Error, &inner) == nil {
					e.Message = looseText(inner.Message)
					e.Type = looseString(inner.Type)
					e.Code = looseString(inner.Code)
					e.Param = looseString(inner.Param)
					e.Misalignment = decodeMisalignment(inner.Misalignment)
					return
				}
			case !isNull(w.Error) && w.Error[0] == '"':
				e.Message = looseString(w.Error)
				e.Type = looseString(w.Type)
				e.Code = looseString(w.Code)
				return
			case !isNull(w.Message) || !isNull(w.Detail):
				e.Message = looseText(w.Message)
				if e.Message == "" {
					e.Message = looseText(w.Detail)
				}
				e.Type = looseString(w.Type)
				e.Code = looseString(w.Code)
				e.Param = looseString(w.Param)
				return
			}
		}
	}
	e.Message = textSnippet(trimmed, apiKey)
}

// looseText reads a JSON string, or keeps any other JSON value as its text
// (some gateways send a message array or object).
func looseText(b json.RawMessage) string {
	if isNull(b) {
		return ""
	}
	if b[0] == '"' {
		return looseString(b)
	}
	return string(bytes.TrimSpace(b))
}

var (
	htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// textSnippet returns a short, one-line text for a non-JSON body: an HTML
// page's title, or its text without tags, with the API key redacted.
func textSnippet(b []byte, apiKey string) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > 64<<10 {
		b = b[:64<<10]
	}
	s := string(b)
	if m := htmlTitle.FindStringSubmatch(s); m != nil && strings.TrimSpace(m[1]) != "" {
		s = m[1]
	} else if strings.Contains(s, "<") {
		s = htmlTag.ReplaceAllString(s, " ")
	}
	s = strings.Join(strings.Fields(s), " ")
	return truncateUTF8(redactKey(s, apiKey), 200)
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// truncateBody returns the start of body, at most maxErrorBody bytes, with
// the API key redacted. It redacts before it cuts, so that a key across the
// cut leaves no part behind.
func truncateBody(body []byte, apiKey string) string {
	const margin = 512 // longer than any key
	cut := len(body) > maxErrorBody
	if cut {
		body = body[:min(len(body), maxErrorBody+margin)]
	}
	s := redactKey(string(body), apiKey)
	if cut {
		s = truncateUTF8(s[:min(len(s), maxErrorBody)], min(len(s), maxErrorBody)-1)
	}
	return s
}

var (
	// secretLike matches OpenAI-style keys (sk-…, sk-proj-…) that a
	// gateway may echo back in a message.
	secretLike = regexp.MustCompile(`sk-[A-Za-z0-9_\-*]{8,}`)
	// bearerToken matches the token of an echoed Authorization header.
	bearerToken = regexp.MustCompile(`(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}`)
)

// redactKey removes the API key, and anything that looks like one (an
// sk-… key, a "Bearer <token>"), from s.
func redactKey(s, apiKey string) string {
	if apiKey != "" && len(apiKey) >= 4 && strings.Contains(s, apiKey) {
		s = strings.ReplaceAll(s, apiKey, "[redacted]")
	}
	if strings.Contains(s, "sk-") {
		s = secretLike.ReplaceAllString(s, "sk-[redacted]")
	}
	return bearerToken.ReplaceAllString(s, "$1 [redacted]")
}

// redactError returns err, or when its text holds the API key or something
// like one, an error with that text redacted that still wraps err (for
// errors.Is and errors.As). Every error a Client returns, or reports to
// OnRetry and the logger, goes through it: whatever built the text (a
// transport error quoting a URL, a decoder quoting the body), the key
// never leaves in it.
func redactError(err error, apiKey string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := redactKey(msg, apiKey); r != msg {
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

func (e *Error) redact(apiKey string) {
	e.Message = redactKey(e.Message, apiKey)
	e.Param = redactKey(e.Param, apiKey)
	e.Type = redactKey(e.Type, apiKey)
	e.Code = redactKey(e.Code, apiKey)
	if m := e.Misalignment; m != nil {
		c := *m // m may belong to e.Response
		c.DetailedExplanation = redactKey(c.DetailedExplanation, apiKey)
		c.Steer = redactKey(c.Steer, apiKey)
		e.Misalignment = &c
	}
}

// newEventError builds the error for an "error" or response.failed event of
// a stream whose HTTP response had status and header h.
func newEventError(ev *Event, status int, h http.Header, apiKey string) *Error {
	e := &Error{StatusCode: status}
	e.fromHeader(h)
	e.shouldRetry = 0 // the header was about the HTTP response, not this event
	e.RetryAfter = 0
	switch ev.Type {
	case EventResponseFailed:
		e.Response = ev.Response
		if ev.Response != nil {
			e.fromResponseError(ev.Response.Error)
		}
		if e.Message == "" && e.Code == "" {
			e.Message = "the response failed without an error"
		}
	default:
		e.Code, e.Message, e.Param = ev.Code, ev.Message, ev.Param
		var w struct {
			Misalignment json.RawMessage `json:"misalignment"`
			Error        *struct {
				Type         json.RawMessage `json:"type"`
				Misalignment json.RawMessage `json:"misalignment"`
			} `json:"error"`
		}
		if json.Unmarshal(ev.Raw, &w) == nil {
			e.Misalignment = decodeMisalignment(w.Misalignment)
			if w.Error != nil {
				e.Type = looseString(w.Error.Type)
				if e.Type == e.Code {
					e.Type = ""
				}
				if m := decodeMisalignment(w.Error.Misalignment); m != nil {
					e.Misalignment = m
				}
			}
		}
	}
	e.redact(apiKey)
	e.Body = truncateBody(ev.Raw, apiKey)
	e.RetryAfter = retryHintInMessage(e.Message)
	return e
}

// newFailedError builds the error for a response with status "failed"
// returned by a non-streaming request.
func newFailedError(r *Response, h http.Header, apiKey string) *Error {
	e := &Error{StatusCode: http.StatusOK}
	e.fromHeader(h)
	e.shouldRetry = 0
	e.RetryAfter = 0
	e.fromResponseError(r.Error)
	if e.Message == "" && e.Code == "" {
		e.Message = "the response failed without an error"
	}
	e.redact(apiKey)
	e.Body = truncateBody(r.Raw, apiKey)
	e.RetryAfter = retryHintInMessage(e.Message)
	e.Response = r
	return e
}

// fromResponseError copies the error of a failed response.
func (e *Error) fromResponseError(re *ResponseError) {
	if re == nil {
		return
	}
	e.Code, e.Type, e.Param, e.Message = re.Code, re.Type, re.Param, re.Message
	e.Misalignment = re.Misalignment
}
