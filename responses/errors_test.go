package responses

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNewHTTPError(t *testing.T) {
	const key = "sk-test-secret-key-1234567890"
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   *Error
	}{
		{
			name:   "openai object",
			status: 400,
			header: http.Header{"X-Request-Id": {"req_1"}},
			body:   `{"error":{"message":"Invalid 'temperature': decimal below minimum value.","type":"invalid_request_error","param":"temperature","code":"decimal_below_min_value"}}`,
			want: &Error{StatusCode: 400, Type: "invalid_request_error", Code: "decimal_below_min_value",
				Param: "temperature", Message: "Invalid 'temperature': decimal below minimum value.", RequestID: "req_1"},
		},
		{
			name:   "null code and param",
			status: 400,
			body:   `{"error":{"message":"Item 'rs_1' of type 'reasoning' was provided without its required following item.","type":"invalid_request_error","param":null,"code":null}}`,
			want: &Error{StatusCode: 400, Type: "invalid_request_error",
				Message: "Item 'rs_1' of type 'reasoning' was provided without its required following item."},
		},
		{
			name:   "numeric code",
			status: 500,
			body:   `{"error":{"message":"upstream error","type":"new_api_error","param":"","code":500}}`,
			header: http.Header{"X-Oneapi-Request-Id": {"20261125abc"}},
			want: &Error{StatusCode: 500, Type: "new_api_error", Code: "500", Message: "upstream error",
				GatewayRequestID: "20261125abc"},
		},
		{
			name:   "error string",
			status: 401,
			body:   `{"error":"invalid api key"}`,
			want:   &Error{StatusCode: 401, Message: "invalid api key"},
		},
		{
			name:   "top-level message",
			status: 429,
			body:   `{"message":"Too many requests, try again in 20ms","code":"rate_limited"}`,
			want: &Error{StatusCode: 429, Code: "rate_limited", Message: "Too many requests, try again in 20ms",
				RetryAfter: 20 * time.Millisecond},
		},
		{
			name:   "detail",
			status: 404,
			body:   `{"detail":"Not Found"}`,
			want:   &Error{StatusCode: 404, Message: "Not Found"},
		},
		{
			name:   "html 502",
			status: 502,
			body:   "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			want:   &Error{StatusCode: 502, Message: "502 Bad Gateway"},
		},
		{
			name:   "html without title",
			status: 503,
			body:   "<body><p>Service\n temporarily   unavailable</p></body>",
			want:   &Error{StatusCode: 503, Message: "Service temporarily unavailable"},
		},
		{
			name:   "plain text",
			status: 503,
			body:   "upstream connect error or disconnect/reset before headers\n",
			want:   &Error{StatusCode: 503, Message: "upstream connect error or disconnect/reset before headers"},
		},
		{
			name:   "empty body",
			status: 504,
			want:   &Error{StatusCode: 504},
		},
		{
			name:   "invalid json",
			status: 500,
			body:   `{"error":`,
			want:   &Error{StatusCode: 500, Message: `{"error":`},
		},
		{
			name:   "retry-after-ms wins",
			status: 429,
			header: http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"9"}},
			body:   `{"error":{"message":"Rate limit reached. Please try again in 11.054s.","type":"requests","code":"rate_limit_exceeded"}}`,
			want: &Error{StatusCode: 429, Type: "requests", Code: "rate_limit_exceeded",
				Message: "Rate limit reached. Please try again in 11.054s.", RetryAfter: 1500 * time.Millisecond},
		},
		{
			name:   "retry-after seconds",
			status: 503,
			header: http.Header{"Retry-After": {"3"}},
			body:   `{"error":{"message":"overloaded"}}`,
			want:   &Error{StatusCode: 503, Message: "overloaded", RetryAfter: 3 * time.Second},
		},
		{
			name:   "retry hint in message",
			status: 429,
			body:   `{"error":{"message":"Rate limit reached. Please try again in 11.054s.","code":"rate_limit_exceeded"}}`,
			want: &Error{StatusCode: 429, Code: "rate_limit_exceeded",
				Message: "Rate limit reached. Please try again in 11.054s.", RetryAfter: 11054 * time.Millisecond},
		},
		{
			name:   "key echoed by a gateway",
			status: 401,
			body:   `{"error":{"message":"invalid token ` + key + ` (request id: 2026)","type":"new_api_error"}}`,
			want:   &Error{StatusCode: 401, Type: "new_api_error", Message: "invalid token [redacted] (request id: 2026)"},
		},
		{
			name:   "other key-like text",
			status: 401,
			body:   `{"error":{"message":"Incorrect API key provided: sk-proj-abcdefghijklmnop.","type":"invalid_request_error","code":"invalid_api_key"}}`,
			want: &Error{StatusCode: 401, Type: "invalid_request_error", Code: "invalid_api_key",
				Message: "Incorrect API key provided: sk-[redacted]."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newHTTPError(tt.status, tt.header, []byte(tt.body), key)
			if got.Body != redactKey(tt.body, key) {
				t.Errorf("Body = %q", got.Body)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(Error{}), cmpopts.IgnoreFields(Error{}, "Body", "Response")); diff != "" {
				t.Errorf("newHTTPError (-want +got):\n%s", diff)
			}
			msg := got.Error()
			if strings.Contains(msg, key) || strings.Contains(got.Body, key) || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("Error() = %q: contains the key or a newline", msg)
			}
		})
	}
}

func TestErrorBodyTruncated(t *testing.T) {
	body := strings.Repeat("é", 5000)
	e := newHTTPError(502, nil, []byte(body), "")
	if len(e.Body) > maxErrorBody+len("…") || !strings.HasSuffix(e.Body, "…") {
		t.Errorf("Body has %d bytes, want at most %d and a … suffix", len(e.Body), maxErrorBody)
	}
	if len(e.Message) > 210 {
		t.Errorf("Message has %d bytes", len(e.Message))
	}
}

// TestKeyAcrossTheCut echoes a key where the error's text is cut: at the
// end of Body's 4 KiB, and of a plain-text Message's 200 bytes. No part of
// it may stay.
func TestKeyAcrossTheCut(t *testing.T) {
	const key = "gw-7f3a9c2e1b5d4a60"
	for _, at := range []int{maxErrorBody - 12, 200 - 12} {
		body := strings.Repeat("a", at) + " " + key + " " + strings.Repeat("z", maxErrorBody)
		e := newHTTPError(401, nil, []byte(body), key)
		for _, s := range []string{e.Body, e.Message, e.Error()} {
			if strings.Contains(s, key[:8]) {
				t.Errorf("key cut at %d: its start %q is in %q", at, key[:8], s[max(0, len(s)-40):])
			}
		}
		if len(e.Body) > maxErrorBody+len("…") || !strings.HasSuffix(e.Body, "…") {
			t.Errorf("Body has %d bytes, want at most %d and a … suffix", len(e.Body), maxErrorBody)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{StatusCode: 400, Type: "invalid_request_error", Code: "decimal_below_min_value", Param: "temperature",
			Message: "Invalid 'temperature'.", RequestID: "req_1"},
			"responses: HTTP 400 decimal_below_min_value (invalid_request_error): Invalid 'temperature'. [param temperature, request id req_1]"},
		{&Error{StatusCode: 401, Message: "invalid api key", GatewayRequestID: "g1"},
			"responses: HTTP 401: invalid api key [gateway request id g1]"},
		{&Error{StatusCode: 502}, "responses: HTTP 502: Bad Gateway"},
		{&Error{StatusCode: 200, Code: "server_error", Message: "An error\noccurred."},
			"responses: response failed server_error: An error occurred."},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant       %q", got, tt.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   bool
	}{
		{"400", 400, nil, `{"error":{"message":"bad"}}`, false},
		{"401", 401, nil, `{"error":"invalid api key"}`, false},
		{"403", 403, nil, ``, false},
		{"404", 404, nil, ``, false},
		{"413", 413, nil, ``, false},
		{"422", 422, nil, ``, false},
		{"408", 408, nil, ``, true},
		{"409", 409, nil, ``, true},
		{"429 rate limit", 429, nil, `{"error":{"code":"rate_limit_exceeded","message":"slow down"}}`, true},
		{"429 insufficient_quota", 429, nil, `{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}`, false},
		{"429 insufficient_user_quota", 429, nil, `{"error":{"code":"insufficient_user_quota","message":"quota"}}`, false},
		{"500", 500, nil, ``, true},
		{"502 html", 502, nil, `<html>bad gateway</html>`, true},
		{"503", 503, nil, ``, true},
		{"504", 504, nil, ``, true},
		{"400 context_length_exceeded", 400, nil, `{"error":{"code":"context_length_exceeded"}}`, false},
		{"x-should-retry true", 400, http.Header{"X-Should-Retry": {"true"}}, ``, true},
		{"x-should-retry false", 503, http.Header{"X-Should-Retry": {"false"}}, ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newHTTPError(tt.status, tt.header, []byte(tt.body), "").Retryable(); got != tt.want {
				t.Errorf("Retryable() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEventErrorShapes(t *testing.T) {
	h := http.Header{"X-Request-Id": {"req_s"}}
	tests := []struct {
		name      string
		data      string
		want      *Error
		retryable bool
	}{
		{
			name:      "top level",
			data:      `{"type":"error","code":"server_error","message":"The server had an error.","param":null,"sequence_number":4}`,
			want:      &Error{StatusCode: 200, Code: "server_error", Message: "The server had an error.", RequestID: "req_s"},
			retryable: true,
		},
		{
			name: "nested",
			data: `{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"Your input exceeds the context window.","param":"input"},"sequence_number":2}`,
			want: &Error{StatusCode: 200, Type: "invalid_request_error", Code: "context_length_exceeded",
				Message: "Your input exceeds the context window.", Param: "input", RequestID: "req_s"},
		},
		{
			name:      "bare",
			data:      `{"error":{"type":"server_is_overloaded","message":"Overloaded"}}`,
			want:      &Error{StatusCode: 200, Code: "server_is_overloaded", Message: "Overloaded", RequestID: "req_s"},
			retryable: true,
		},
		{
			name: "bare string",
			data: `{"error":"upstream stream error"}`,
			want: &Error{StatusCode: 200, Message: "upstream stream error", RequestID: "req_s"},
		},
		{
			name: "failed rate limit",
			data: `{"type":"response.failed","sequence_number":3,"response":{"id":"resp_1","status":"failed","error":{"code":"rate_limit_exceeded","message":"Rate limit reached for gpt-5. Please try again in 11.054s. Visit …"},"usage":null}}`,
			want: &Error{StatusCode: 200, Code: "rate_limit_exceeded",
				Message:    "Rate limit reached for gpt-5. Please try again in 11.054s. Visit …",
				RetryAfter: 11054 * time.Millisecond, RequestID: "req_s"},
			retryable: true,
		},
		{
			name: "failed invalid prompt",
			data: `{"type":"response.failed","response":{"status":"failed","error":{"code":"invalid_prompt","message":"flagged"}}}`,
			want: &Error{StatusCode: 200, Code: "invalid_prompt", Message: "flagged", RequestID: "req_s"},
		},
		{
			name:      "slow_down",
			data:      `{"type":"error","code":"slow_down","message":"slow down"}`,
			want:      &Error{StatusCode: 200, Code: "slow_down", Message: "slow down", RequestID: "req_s"},
			retryable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev Event
			if err := ev.UnmarshalJSON([]byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			if !ev.IsTerminal() {
				t.Fatalf("event type %q is not terminal", ev.Type)
			}
			got := newEventError(&ev, 200, h, "")
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(Error{}), cmpopts.IgnoreFields(Error{}, "Body", "Response")); diff != "" {
				t.Errorf("newEventError (-want +got):\n%s", diff)
			}
			if got.Body != tt.data {
				t.Errorf("Body = %q", got.Body)
			}
			if got.Retryable() != tt.retryable {
				t.Errorf("Retryable() = %v, want %v", got.Retryable(), tt.retryable)
			}
		})
	}
}

func TestRetryHints(t *testing.T) {
	tests := []struct {
		msg  string
		want time.Duration
	}{
		{"Please try again in 11.054s.", 11054 * time.Millisecond},
		{"try again in 20ms", 20 * time.Millisecond},
		{"Try again in 2 seconds", 2 * time.Second},
		{"try again in 1m", time.Minute},
		{"try again later", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := retryHintInMessage(tt.msg); got != tt.want {
			t.Errorf("retryHintInMessage(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	headers := []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		{http.Header{"Retry-After-Ms": {"12.5"}}, 12500 * time.Microsecond},
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second},
		{http.Header{"Retry-After": {now.Add(7 * time.Second).Format(http.TimeFormat)}}, 7 * time.Second},
		{http.Header{"Retry-After": {now.Add(-7 * time.Second).Format(http.TimeFormat)}}, 0},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{"Retry-After": {"-1"}}, 0},
		{http.Header{"Retry-After": {"1e30"}}, 24 * time.Hour},
		{http.Header{}, 0},
	}
	for _, tt := range headers {
		if got := retryAfterHeader(tt.h, now); got != tt.want {
			t.Errorf("retryAfterHeader(%v) = %v, want %v", tt.h, got, tt.want)
		}
	}
}

// TestFailedErrorKeepsResponse: a failed response still has an id and
// usage (a failed turn is billed); the error carries it.
func TestFailedErrorKeepsResponse(t *testing.T) {
	var ev Event
	err := ev.UnmarshalJSON([]byte(`{"type":"response.failed","sequence_number":3,"response":{"id":"resp_9","status":"failed","error":{"code":"server_error","message":"boom"},"usage":{"input_tokens":12,"output_tokens":0,"total_tokens":12}}}`))
	if err != nil {
		t.Fatal(err)
	}
	e := newEventError(&ev, 200, nil, "")
	if e.Response == nil || e.Response.ID != "resp_9" || e.Response.Usage == nil || e.Response.Usage.InputTokens != 12 {
		t.Errorf("Response = %+v", e.Response)
	}
	if e2 := newHTTPError(500, nil, []byte(`{"error":{"message":"x"}}`), ""); e2.Response != nil {
		t.Error("an HTTP error has no response")
	}
}

// TestFailureShapes classifies the failures servers and gateways send, in
// all three forms: an HTTP error body, a stream event over HTTP 200, and a
// non-streaming response whose status is "failed".
func TestFailureShapes(t *testing.T) {
	const (
		capacity   = "Selected model is at capacity. Please try a different model."
		overloaded = "Our servers are currently overloaded. Please try again later."
		badParam   = `Invalid value: 'xhigh'. Supported values are: 'low', 'medium', and 'high'.`
	)
	misalignment := `"misalignment":{"error_type":"potentially_unintended_data_access","detailed_explanation":"The agent read credentials outside the task.","review_target":{"type":"response","id":"resp_1"},"steer":{"message":"Ask before reading secrets."}}`
	tests := []struct {
		name   string
		form   string // "http", "event" or "failed"
		status int    // for "http"
		header http.Header
		body   string
		// what Error holds and how it is classified
		code, typ   string
		retryable   bool
		unavailable bool
		misaligned  bool
	}{
		// Capacity and overload, sent as invalid_request_error with no code.
		{name: "failed event, model at capacity", form: "event",
			body: `{"type":"response.failed","sequence_number":2,"response":{"id":"resp_1","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"` + capacity + `"}}}`,
			typ:  "invalid_request_error", retryable: true, unavailable: true},
		{name: "error event, model at capacity", form: "event",
			body: `{"type":"error","sequence_number":4,"error":{"type":"invalid_request_error","code":null,"message":"` + capacity + `","param":null}}`,
			code: "invalid_request_error", retryable: true, unavailable: true},
		{name: "flat error event, servers overloaded", form: "event",
			body:      `{"type":"error","code":null,"message":"` + overloaded + `","param":null}`,
			retryable: true, unavailable: true},
		{name: "failed event, server_is_overloaded", form: "event",
			body: `{"type":"response.failed","response":{"status":"failed","error":{"code":"server_is_overloaded","message":"busy"}}}`,
			code: "server_is_overloaded", retryable: true, unavailable: true},
		{name: "failed response, servers overloaded", form: "failed",
			body: `{"id":"resp_2","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"` + overloaded + `"},"output":[]}`,
			typ:  "invalid_request_error", retryable: true, unavailable: true},
		{name: "failed response, numeric code", form: "failed",
			body: `{"id":"resp_2","status":"failed","error":{"code":500,"message":"upstream"}}`,
			code: "500"},
		{name: "HTTP 400, model at capacity", form: "http", status: 400,
			body: `{"error":{"message":"` + capacity + `","type":"invalid_request_error","param":null,"code":null}}`,
			typ:  "invalid_request_error", retryable: true, unavailable: true},
		{name: "HTTP 503, engine overloaded", form: "http", status: 503,
			body: `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error"}}`,
			typ:  "server_error", retryable: true, unavailable: true},
		{name: "HTTP 404, model_not_found", form: "http", status: 404,
			body: `{"error":{"message":"The model 'gpt-9' does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
			code: "model_not_found", typ: "invalid_request_error", unavailable: true},

		// A relay's in-band report of a cut stream.
		{name: "relay request_timeout", form: "event",
			body: `{"type":"error","error":{"code":"request_timeout","type":"invalid_request_error","message":"stream disconnected before completion: idle timeout waiting for SSE"}}`,
			code: "request_timeout", typ: "invalid_request_error", retryable: true},
		{name: "relay cut without a code", form: "event",
			body: `{"type":"error","error":{"type":"invalid_request_error","message":"stream disconnected before completion"}}`,
			code: "invalid_request_error", retryable: true},

		// Ordinary client errors stay final.
		{name: "error event, bad parameter", form: "event",
			body: `{"type":"error","error":{"type":"invalid_request_error","code":null,"message":"` + badParam + `","param":"reasoning.effort"}}`,
			code: "invalid_request_error"},
		{name: "failed event, invalid_value", form: "event",
			body: `{"type":"response.failed","response":{"status":"failed","error":{"type":"invalid_request_error","code":"invalid_value","message":"` + badParam + `","param":"reasoning.effort"}}}`,
			code: "invalid_value", typ: "invalid_request_error"},
		{name: "failed response, bad parameter", form: "failed",
			body: `{"id":"resp_3","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"` + badParam + `"}}`,
			typ:  "invalid_request_error"},
		{name: "HTTP 400, bad parameter", form: "http", status: 400,
			body: `{"error":{"message":"` + badParam + `","type":"invalid_request_error","param":"reasoning.effort","code":null}}`,
			typ:  "invalid_request_error"},
		{name: "HTTP 400, another resource at capacity", form: "http", status: 400,
			body: `{"error":{"message":"Vector store vs_1 is at capacity: file limit reached.","type":"invalid_request_error"}}`,
			typ:  "invalid_request_error"},
		{name: "quota with an overload message", form: "http", status: 429,
			body: `{"error":{"message":"Servers are currently overloaded for free accounts; add credits.","code":"insufficient_quota"}}`,
			code: "insufficient_quota"},

		// Misalignment is final, whatever the headers say.
		{name: "HTTP 403, misalignment", form: "http", status: 403,
			header: http.Header{"X-Should-Retry": {"true"}},
			body:   `{"error":{"message":"This request was blocked by our safety systems.","type":"invalid_request_error","param":null,"code":"misalignment_policy_violation",` + misalignment + `}}`,
			code:   "misalignment_policy_violation", typ: "invalid_request_error", misaligned: true},
		{name: "error event, misalignment", form: "event",
			body: `{"type":"error","error":{"type":"invalid_request_error","code":"misalignment_policy_violation","message":"Stopped for review.",` + misalignment + `}}`,
			code: "misalignment_policy_violation", typ: "invalid_request_error", misaligned: true},
		{name: "failed event, misalignment", form: "event",
			body: `{"type":"response.failed","response":{"id":"resp_4","status":"failed","error":{"type":"invalid_request_error","code":"misalignment_policy_violation","message":"Stopped for review.",` + misalignment + `}}}`,
			code: "misalignment_policy_violation", typ: "invalid_request_error", misaligned: true},
		{name: "failed response, misalignment", form: "failed",
			body: `{"id":"resp_5","status":"failed","error":{"code":"misalignment_policy_violation","message":"Stopped for review.",` + misalignment + `}}`,
			code: "misalignment_policy_violation", misaligned: true},
	}
	wantMisalignment := &Misalignment{ErrorType: "potentially_unintended_data_access",
		DetailedExplanation: "The agent read credentials outside the task.",
		ReviewTarget:        []byte(`{"type":"response","id":"resp_1"}`), Steer: "Ask before reading secrets."}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *Error
			switch tt.form {
			case "http":
				e = newHTTPError(tt.status, tt.header, []byte(tt.body), "")
			case "event":
				var ev Event
				if err := ev.UnmarshalJSON([]byte(tt.body)); err != nil {
					t.Fatal(err)
				}
				e = newEventError(&ev, 200, http.Header{"X-Should-Retry": {"false"}}, "")
			case "failed":
				var r Response
				if err := r.UnmarshalJSON([]byte(tt.body)); err != nil {
					t.Fatal(err)
				}
				e = newFailedError(&r, nil, "")
			}
			type class struct {
				Code, Type             string
				Retryable, Unavailable bool
			}
			want := class{tt.code, tt.typ, tt.retryable, tt.unavailable}
			got := class{e.Code, e.Type, e.Retryable(), e.ModelUnavailable()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: (-want +got):\n%s", e, diff)
			}
			var wantM *Misalignment
			if tt.misaligned {
				wantM = wantMisalignment
			}
			if diff := cmp.Diff(wantM, e.Misalignment); diff != "" {
				t.Errorf("Misalignment (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMisalignmentLenient(t *testing.T) {
	tests := []struct {
		in   string
		want *Misalignment
	}{
		{`null`, nil},
		{`"text"`, nil},
		{`{}`, &Misalignment{}},
		{`{"error_type":null,"steer":"Ask first.","review_target":null}`, &Misalignment{Steer: "Ask first."}},
		{`{"steer":{"message":null},"detailed_explanation":["a","b"]}`, &Misalignment{DetailedExplanation: `["a","b"]`}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, decodeMisalignment([]byte(tt.in))); diff != "" {
			t.Errorf("decodeMisalignment(%s) (-want +got):\n%s", tt.in, diff)
		}
	}
	e := newHTTPError(403, nil, []byte(`{"error":{"message":"Stopped.","code":"misalignment_policy_violation","misalignment":{"error_type":"potentially_unintended_data_transfer"}}}`), "")
	if got, want := e.Error(), "responses: HTTP 403 misalignment_policy_violation: Stopped. [misalignment potentially_unintended_data_transfer]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
