package responses_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentloop/agentloop/responses"
)

// reply is one scripted HTTP answer.
type reply struct {
	status int
	header map[string]string
	body   string
}

// scripted serves replies in order (the last one repeats) and records when
// each request arrived on the bubble's clock.
type scripted struct {
	mu      sync.Mutex
	replies []reply
	times   []time.Time
	bodies  []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.times)
	s.times = append(s.times, time.Now())
	s.bodies = append(s.bodies, string(body))
	rep := s.replies[min(n, len(s.replies)-1)]
	s.mu.Unlock()
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

// gaps returns the delays between consecutive requests.
func (s *scripted) gaps() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(s.times); i++ {
		out = append(out, s.times[i].Sub(s.times[i-1]))
	}
	return out
}

const (
	okBody    = responseJSON
	rateLimit = `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`
)

func TestCreateRetries(t *testing.T) {
	date := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }
	type delay struct{ min, max time.Duration }
	exact := func(d time.Duration) delay { return delay{d, d} }
	jittered := func(d time.Duration) delay { return delay{d - d/4, d} }
	tests := []struct {
		name    string
		opts    responses.Options
		replies func() []reply // built inside the bubble, for HTTP dates
		delays  []delay        // one per retry
		wantErr int            // the final error's status, 0 for success
	}{
		{
			name:    "5xx then success",
			replies: func() []reply { return []reply{{503, nil, ""}, {502, nil, "<html>bad</html>"}, {200, nil, okBody}} },
			delays:  []delay{jittered(500 * time.Millisecond), jittered(time.Second)},
		},
		{
			name:    "retries exhausted",
			replies: func() []reply { return []reply{{500, nil, `{"error":{"message":"boom","type":"server_error"}}`}} },
			delays:  []delay{jittered(500 * time.Millisecond), jittered(time.Second)},
			wantErr: 500,
		},
		{
			name: "more retries, capped backoff",
			opts: responses.Options{MaxRetries: 5, RetryBaseDelay: time.Second, MaxRetryDelay: 3 * time.Second},
			replies: func() []reply {
				return []reply{{408, nil, ""}, {409, nil, ""}, {429, nil, rateLimit}, {504, nil, ""}, {200, nil, okBody}}
			},
			delays: []delay{jittered(time.Second), jittered(2 * time.Second), jittered(3 * time.Second), jittered(3 * time.Second)},
		},
		{
			name: "retry-after-ms",
			replies: func() []reply {
				return []reply{{429, map[string]string{"Retry-After-Ms": "1500", "Retry-After": "9"}, rateLimit}, {200, nil, okBody}}
			},
			delays: []delay{exact(1500 * time.Millisecond)},
		},
		{
			name:    "retry-after seconds",
			replies: func() []reply { return []reply{{503, map[string]string{"Retry-After": "3"}, ""}, {200, nil, okBody}} },
			delays:  []delay{exact(3 * time.Second)},
		},
		{
			name: "retry-after date",
			replies: func() []reply {
				return []reply{{503, map[string]string{"Retry-After": date(5 * time.Second)}, ""}, {200, nil, okBody}}
			},
			delays: []delay{exact(5 * time.Second)},
		},
		{
			name: "server delay capped",
			replies: func() []reply {
				return []reply{{429, map[string]string{"Retry-After": "600"}, rateLimit}, {200, nil, okBody}}
			},
			delays: []delay{exact(60 * time.Second)},
		},
		{
			name: "try again in the message",
			replies: func() []reply {
				return []reply{{429, nil, `{"error":{"message":"Please try again in 11.054s.","code":"rate_limit_exceeded"}}`}, {200, nil, okBody}}
			},
			delays: []delay{exact(11054 * time.Millisecond)},
		},
		{
			name: "x-should-retry true",
			replies: func() []reply {
				return []reply{{400, map[string]string{"X-Should-Retry": "true"}, ""}, {200, nil, okBody}}
			},
			delays: []delay{jittered(500 * time.Millisecond)},
		},
		{
			name:    "x-should-retry false",
			replies: func() []reply { return []reply{{503, map[string]string{"X-Should-Retry": "false"}, ""}} },
			wantErr: 503,
		},
		{name: "400", replies: func() []reply { return []reply{{400, nil, `{"error":{"message":"bad"}}`}} }, wantErr: 400},
		{name: "401", replies: func() []reply { return []reply{{401, nil, `{"error":"invalid api key"}`}} }, wantErr: 401},
		{name: "403", replies: func() []reply { return []reply{{403, nil, ``}} }, wantErr: 403},
		{name: "404", replies: func() []reply { return []reply{{404, nil, ``}} }, wantErr: 404},
		{name: "413", replies: func() []reply { return []reply{{413, nil, ``}} }, wantErr: 413},
		{name: "422", replies: func() []reply { return []reply{{422, nil, ``}} }, wantErr: 422},
		{
			name: "insufficient_quota",
			replies: func() []reply {
				return []reply{{429, nil, `{"error":{"code":"insufficient_quota","message":"quota"}}`}}
			},
			wantErr: 429,
		},
		{
			name:    "retries disabled",
			opts:    responses.Options{MaxRetries: -1},
			replies: func() []reply { return []reply{{503, nil, ""}} },
			wantErr: 503,
		},
		{
			name: "failed response with a retryable code",
			replies: func() []reply {
				return []reply{{200, nil, `{"id":"r","status":"failed","error":{"code":"server_error","message":"oops"}}`}, {200, nil, okBody}}
			},
			delays: []delay{jittered(500 * time.Millisecond)},
		},
		{
			name: "failed response at capacity",
			replies: func() []reply {
				return []reply{{200, nil, `{"id":"r","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"Selected model is at capacity. Please try a different model."}}`}, {200, nil, okBody}}
			},
			delays: []delay{jittered(500 * time.Millisecond)},
		},
		{
			name: "failed response with a bad parameter",
			replies: func() []reply {
				return []reply{{200, nil, `{"id":"r","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"Invalid value for 'text.format'."}}`}}
			},
			wantErr: 200,
		},
		{
			name: "misalignment never retried",
			replies: func() []reply {
				return []reply{{403, map[string]string{"X-Should-Retry": "true"}, `{"error":{"message":"Stopped for review.","type":"invalid_request_error","code":"misalignment_policy_violation","misalignment":{"error_type":"potentially_unintended_data_access"}}}`}}
			},
			wantErr: 403,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := &scripted{replies: tt.replies()}
				srv, hc := newPipeServer(t, h)
				var infos []responses.RetryInfo
				opts := tt.opts
				opts.OnRetry = func(ctx context.Context, info responses.RetryInfo) { infos = append(infos, info) }
				c := newTestClient(srv, hc, &opts)
				resp, err := c.Create(context.Background(), &responses.Request{Model: "m", Input: responses.InputText("hi")})
				if tt.wantErr == 0 {
					if err != nil || resp.OutputText() != "Hello, world" {
						t.Fatalf("got %+v, %v", resp, err)
					}
				} else {
					var apiErr *responses.Error
					if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantErr {
						t.Fatalf("err = %v, want an *Error with status %d", err, tt.wantErr)
					}
				}
				for i, b := range h.bodies {
					if b != h.bodies[0] || !strings.Contains(b, `"input":"hi"`) {
						t.Errorf("attempt %d sent %s, want the same body as attempt 1: %s", i+1, b, h.bodies[0])
					}
				}
				gaps := h.gaps()
				if len(gaps) != len(tt.delays) || len(infos) != len(tt.delays) {
					t.Fatalf("%d attempts, %d OnRetry calls; want %d attempts", len(gaps)+1, len(infos), len(tt.delays)+1)
				}
				for i, d := range tt.delays {
					if gaps[i] < d.min || gaps[i] > d.max {
						t.Errorf("retry %d after %v, want %v to %v", i+1, gaps[i], d.min, d.max)
					}
					if infos[i].Delay != gaps[i] || infos[i].Attempt != i+1 || infos[i].Err == nil {
						t.Errorf("OnRetry %d = %+v, want Delay %v", i+1, infos[i], gaps[i])
					}
				}
			})
		})
	}
}

func TestRequestTimeoutRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		srv, hc := newPipeServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			n++
			if n == 1 {
				<-r.Context().Done() // too slow: the attempt times out
				return
			}
			io.WriteString(w, okBody)
		}))
		var infos []responses.RetryInfo
		c := newTestClient(srv, hc, &responses.Options{RequestTimeout: 10 * time.Second,
			OnRetry: func(_ context.Context, info responses.RetryInfo) { infos = append(infos, info) }})
		start := time.Now()
		resp, err := c.Create(context.Background(), &responses.Request{Model: "m"})
		if err != nil || resp.OutputText() != "Hello, world" {
			t.Fatalf("got %+v, %v", resp, err)
		}
		if d := time.Since(start); d < 10*time.Second || d > 11*time.Second {
			t.Errorf("took %v, want the 10s timeout plus a short backoff", d)
		}
		if len(infos) != 1 || !strings.Contains(infos[0].Err.Error(), "RequestTimeout (10s)") {
			t.Errorf("retries = %+v, want one after the attempt timeout", infos)
		}
	})
}

func TestCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &scripted{replies: []reply{{503, map[string]string{"Retry-After": "30"}, ""}}}
		srv, hc := newPipeServer(t, h)
		c := newTestClient(srv, hc, nil)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(2*time.Second, cancel)
		start := time.Now()
		_, err := c.Create(ctx, &responses.Request{Model: "m"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("returned after %v, want 2s", d)
		}
		if len(h.times) != 1 {
			t.Errorf("%d attempts, want 1", len(h.times))
		}
		// The same for a stream.
		start = time.Now()
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		_, err = responses.Collect(c.Stream(ctx, &responses.Request{Model: "m"}))
		if !errors.Is(err, context.Canceled) || time.Since(start) != time.Second {
			t.Fatalf("stream: err = %v after %v, want context.Canceled after 1s", err, time.Since(start))
		}
	})
}

// streamScript serves one SSE attempt per call: each attempt is a list of
// events; "<cut>" ends the response there without a terminal event,
// "<sleep N>" sleeps N seconds (on the bubble's clock), "<ping>" writes a
// comment line, "<hang>" waits until the client goes away.
type streamScript struct {
	mu       sync.Mutex
	attempts [][]string
	n        int
	bodies   []string
}

func (s *streamScript) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	events := s.attempts[min(s.n, len(s.attempts)-1)]
	s.n++
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Request-Id", "req_stream")
	flush := w.(http.Flusher).Flush
	for _, ev := range events {
		switch {
		case ev == "<cut>":
			return
		case ev == "<hang>":
			<-r.Context().Done()
			return
		case ev == "<ping>":
			io.WriteString(w, ": PING\n\n")
			flush()
		case strings.HasPrefix(ev, "<sleep "):
			var n int
			fmt.Sscanf(ev, "<sleep %d>", &n)
			time.Sleep(time.Duration(n) * time.Second)
		default:
			sse(w, ev)
		}
	}
}

func (s *streamScript) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func TestStreamRetries(t *testing.T) {
	failedCapacity := `{"type":"response.failed","sequence_number":1,"response":{"id":"resp_x","status":"failed","error":{"type":"invalid_request_error","code":null,"message":"Selected model is at capacity. Please try a different model."}}}`
	relayTimeout := `{"type":"error","error":{"code":"request_timeout","type":"invalid_request_error","message":"stream disconnected before completion: idle timeout waiting for SSE"}}`
	failedRate := `{"type":"response.failed","sequence_number":3,"response":{"id":"resp_x","status":"failed","error":{"code":"rate_limit_exceeded","message":"Rate limit reached for gpt-5. Please try again in 20ms. Visit https://platform.openai.com/account/rate-limits"},"usage":null}}`
	tests := []struct {
		name     string
		opts     responses.Options
		attempts [][]string
		// want is the sequence of event types, "retry" for EventRetry, and
		// "err" for a final error.
		want     []string
		wantErr  error // errors.Is target of the final error, if any
		wantCode string
		delays   []time.Duration // exact OnRetry delays, nil to skip
	}{
		{
			name:     "cut after some events",
			attempts: [][]string{{evCreated, evItemAdded, "<cut>"}, helloStream},
			want: []string{"response.created", "response.output_item.added", "retry",
				"response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name:     "cut before any event: no retry event",
			attempts: [][]string{{"<cut>"}, helloStream},
			want: []string{"response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name:     "always cut",
			attempts: [][]string{{evCreated, "<cut>"}},
			want:     []string{"response.created", "retry", "response.created", "retry", "response.created", "err"},
			wantErr:  responses.ErrStreamTruncated,
		},
		{
			name:     "done without a terminal event",
			attempts: [][]string{{evCreated, `[DONE]`}},
			opts:     responses.Options{MaxRetries: -1},
			want:     []string{"response.created", "err"},
			wantErr:  responses.ErrStreamTruncated,
		},
		{
			name:     "failed with a rate limit",
			attempts: [][]string{{evCreated, failedRate}, helloStream},
			want: []string{"response.created", "retry", "response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
			delays: []time.Duration{20 * time.Millisecond},
		},
		{
			name: "retryable error events",
			attempts: [][]string{
				{`{"type":"error","code":"server_error","message":"The server had an error"}`},
				{`{"type":"error","error":{"code":"server_is_overloaded","message":"busy"}}`},
				helloStream,
			},
			opts: responses.Options{MaxRetries: 3},
			want: []string{"response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name:     "done without a terminal event, retried",
			attempts: [][]string{{evCreated, evItemAdded, `[DONE]`}, helloStream},
			want: []string{"response.created", "response.output_item.added", "retry",
				"response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name:     "failed at capacity",
			attempts: [][]string{{evCreated, failedCapacity}, helloStream},
			want: []string{"response.created", "retry", "response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name: "overloaded error event before any event",
			attempts: [][]string{
				{`{"type":"error","error":{"type":"invalid_request_error","code":null,"message":"Our servers are currently overloaded. Please try again later.","param":null}}`},
				helloStream,
			},
			want: []string{"response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name:     "relay request_timeout mid-stream",
			attempts: [][]string{{evCreated, evItemAdded, evPartAdded, evDelta1, relayTimeout}, helloStream},
			want: []string{"response.created", "response.output_item.added", "response.content_part.added", "response.output_text.delta", "retry",
				"response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name:     "invalid_request_error event not retried",
			attempts: [][]string{{evCreated, `{"type":"error","error":{"type":"invalid_request_error","code":null,"message":"Invalid value: 'xhigh'.","param":"reasoning.effort"}}`}},
			want:     []string{"response.created", "err"},
			wantCode: "invalid_request_error",
		},
		{
			name:     "misalignment event not retried",
			attempts: [][]string{{evCreated, evItemAdded, `{"type":"error","error":{"type":"invalid_request_error","code":"misalignment_policy_violation","message":"Stopped for review."}}`}},
			want:     []string{"response.created", "response.output_item.added", "err"},
			wantCode: "misalignment_policy_violation",
		},
		{
			name:     "error event not retried",
			attempts: [][]string{{evCreated, `{"type":"error","code":"context_length_exceeded","message":"too long"}`}},
			want:     []string{"response.created", "err"},
			wantCode: "context_length_exceeded",
		},
		{
			name:     "idle timeout",
			opts:     responses.Options{StreamIdleTimeout: 10 * time.Second, MaxRetries: -1},
			attempts: [][]string{{evCreated, "<hang>"}},
			want:     []string{"response.created", "err"},
			wantErr:  responses.ErrStreamTruncated,
		},
		{
			name:     "idle timeout before headers, then retried",
			opts:     responses.Options{StreamIdleTimeout: 10 * time.Second},
			attempts: [][]string{{"<sleep 60>"}, helloStream},
			want: []string{"response.created", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"},
		},
		{
			name: "pings keep a slow stream alive",
			opts: responses.Options{StreamIdleTimeout: 10 * time.Second, MaxRetries: -1},
			attempts: [][]string{{evCreated, "<sleep 8>", "<ping>", "<sleep 8>", "<ping>", "<sleep 8>", evItemAdded,
				"<sleep 9>", evCompletedEmpty}},
			want: []string{"response.created", "response.output_item.added", "response.completed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := &streamScript{attempts: tt.attempts}
				srv, hc := newPipeServer(t, h)
				var infos []responses.RetryInfo
				opts := tt.opts
				opts.OnRetry = func(ctx context.Context, info responses.RetryInfo) { infos = append(infos, info) }
				c := newTestClient(srv, hc, &opts)
				var got []string
				var final error
				var last *responses.Event
				for ev, err := range c.Stream(context.Background(), &responses.Request{Model: "m"}) {
					if err != nil {
						got = append(got, "err")
						final = err
						continue
					}
					last = ev
					if ev.Type == responses.EventRetry {
						got = append(got, "retry")
						if ev.Retry == nil || ev.Retry.Err == nil {
							t.Errorf("retry event without info: %+v", ev)
						}
						continue
					}
					got = append(got, ev.Type)
				}
				if strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Errorf("events:\n got %q\nwant %q", got, tt.want)
				}
				if tt.wantErr != nil && !errors.Is(final, tt.wantErr) {
					t.Errorf("err = %v, want %v", final, tt.wantErr)
				}
				if tt.wantCode != "" {
					var apiErr *responses.Error
					if !errors.As(final, &apiErr) || apiErr.Code != tt.wantCode || apiErr.RequestID != "req_stream" {
						t.Errorf("err = %#v, want code %s", final, tt.wantCode)
					}
				}
				if final == nil && (last == nil || last.Response.OutputText() != "Hello, world" && len(last.Response.Output) != 1) {
					t.Errorf("last event %+v does not carry the final response", last)
				}
				if h.count()-1 != len(infos) {
					t.Errorf("%d attempts but %d OnRetry calls", h.count(), len(infos))
				}
				if tt.delays != nil {
					for i, d := range tt.delays {
						if i >= len(infos) || infos[i].Delay != d {
							t.Errorf("retry %d: %+v, want delay %v", i+1, infos, d)
						}
					}
				}
			})
		})
	}
}

func TestIdleTimeoutMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &streamScript{attempts: [][]string{{evCreated, "<hang>"}}}
		srv, hc := newPipeServer(t, h)
		c := newTestClient(srv, hc, &responses.Options{StreamIdleTimeout: 30 * time.Second, MaxRetries: -1})
		start := time.Now()
		_, err := responses.Collect(c.Stream(context.Background(), &responses.Request{Model: "m"}))
		if !errors.Is(err, responses.ErrStreamTruncated) || !strings.Contains(err.Error(), "silent for 30s") {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d != 30*time.Second {
			t.Errorf("gave up after %v, want 30s", d)
		}
	})
}

func TestStreamOpenAfterTerminal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &streamScript{attempts: [][]string{append(append([]string(nil), helloStream...), "<hang>")}}
		srv, hc := newPipeServer(t, h)
		c := newTestClient(srv, hc, nil)
		start := time.Now()
		resp, err := responses.Collect(c.Stream(context.Background(), &responses.Request{Model: "m"}))
		if err != nil || resp.OutputText() != "Hello, world" {
			t.Fatalf("got %+v, %v", resp, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("returned after %v, want at most 100ms", d)
		}
	})
}

func TestRetryLogging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const key = "sk-log-secret-0123456789"
		h := &scripted{replies: []reply{
			{501, nil, `{"error":{"message":"bad key ` + key + `","type":"server_error"}}`},
			{200, nil, okBody},
		}}
		srv, hc := newPipeServer(t, h)
		var buf strings.Builder
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c := newTestClient(srv, hc, &responses.Options{APIKey: key, Logger: logger})
		if _, err := c.Create(context.Background(), &responses.Request{Model: "m"}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, "level=INFO msg=\"responses: retrying\" attempt=1") || !strings.Contains(out, "status=501") ||
			strings.Count(out, "level=DEBUG") != 2 {
			t.Errorf("log:\n%s", out)
		}
		if strings.Contains(out, key) {
			t.Errorf("the log carries the key:\n%s", out)
		}
	})
}
