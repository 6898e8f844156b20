package responses

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"sync/atomic"
	"time"
)

// errStopped reports that the consumer stopped the iteration.
var errStopped = errors.New("responses: iteration stopped")

// Stream sends req with "stream":true and yields its events as they arrive,
// decoded from the server-sent events whatever their "event:" names.
//
// The stream ends after its terminal event. A response.completed or
// response.incomplete event is yielded with its Response replaced by the
// response the client accumulated, so the last event always carries the full
// final response (with its output, even from gateways that send an empty
// one); the event's Raw stays the bytes received. A response.failed or "error" event, a non-2xx status, a network
// error, or a stream that ends before its terminal event end the iteration
// with a non-nil error, which wraps an *[Error], the network error,
// [ErrStreamTruncated] or the context's error.
//
// Failures are retried as [Options] describes. When events were already
// yielded before a retryable failure, an [EventRetry] event is yielded before
// the request is sent again: state built from the earlier events should be
// discarded. Breaking out of the loop closes the connection.
func (c *Client) Stream(ctx context.Context, req *Request) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		body, err := encode(req, true, "")
		if err != nil {
			yield(nil, err)
			return
		}
		rt := c.newRetrier(ctx, req)
		for {
			n, err := c.streamOnce(ctx, body, yield)
			if err == nil || err == errStopped {
				return
			}
			err = redactError(err, c.apiKey)
			info, ok := rt.next(ctx, err)
			if !ok {
				if cerr := ctxErr(ctx); cerr != nil {
					err = cerr
				}
				yield(nil, err)
				return
			}
			if info.FallbackModel != "" {
				if body, err = encode(req, true, info.FallbackModel); err != nil {
					yield(nil, err)
					return
				}
			}
			if n > 0 && !yield(&Event{Type: EventRetry, Retry: &info}, nil) {
				return
			}
			if err := sleep(ctx, info.Delay); err != nil {
				yield(nil, err)
				return
			}
		}
	}
}

// Collect runs a stream to its end and returns the final response: the
// Response of its response.completed or response.incomplete event. It
// returns the stream's error, or an error wrapping [ErrStreamTruncated] when
// the stream ends without a terminal event.
func Collect(seq iter.Seq2[*Event, error]) (*Response, error) {
	var final *Response
	for ev, err := range seq {
		if err != nil {
			return nil, err
		}
		switch ev.Type {
		case EventResponseCompleted, EventResponseIncomplete:
			final = ev.Response
		case EventRetry:
			final = nil
		}
	}
	if final == nil {
		return nil, ErrStreamTruncated
	}
	return final, nil
}

// watchdog cancels an attempt when its stream stays silent for too long.
// Its goroutine is joined by stop.
type watchdog struct {
	d     time.Duration
	t     *time.Timer
	fired atomic.Bool
	quit  chan struct{}
	done  chan struct{}
}

func startWatchdog(d time.Duration, cancel context.CancelFunc) *watchdog {
	w := &watchdog{d: d, t: time.NewTimer(d), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		select {
		case <-w.t.C:
			w.fired.Store(true)
			cancel()
		case <-w.quit:
		}
	}()
	return w
}

// kick restarts the countdown.
func (w *watchdog) kick() {
	if w != nil {
		w.t.Reset(w.d)
	}
}

// stop ends the watchdog and waits for its goroutine.
func (w *watchdog) stop() {
	if w != nil {
		w.t.Stop()
		close(w.quit)
		<-w.done
	}
}

func (w *watchdog) idle() bool { return w != nil && w.fired.Load() }

func (w *watchdog) err(n int) error {
	return fmt.Errorf("responses: stream silent for %v after %d events: %w", w.d, n, ErrStreamTruncated)
}

// activityReader kicks the watchdog whenever bytes arrive.
type activityReader struct {
	r io.Reader
	w *watchdog
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.w.kick()
	}
	return n, err
}

// streamOnce makes one streaming attempt, yielding its events. It returns
// how many events it yielded, and nil after the terminal event, errStopped
// when the consumer stopped, or the attempt's error.
func (c *Client) streamOnce(ctx context.Context, body []byte, yield func(*Event, error) bool) (n int, err error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wd *watchdog
	if c.streamIdleTimeout > 0 {
		wd = startWatchdog(c.streamIdleTimeout, cancel)
		defer wd.stop()
	}
	hr, err := c.newHTTPRequest(actx, body, true)
	if err != nil {
		return 0, err
	}
	resp, err := c.do(ctx, hr)
	if err != nil {
		if wd.idle() {
			return 0, wd.err(0)
		}
		return 0, err
	}
	defer resp.Body.Close()
	c.logAttempt(ctx, resp, true)
	var r io.Reader = resp.Body
	if wd != nil {
		r = &activityReader{resp.Body, wd}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, rerr := readBody(r, 1<<20)
		if rerr != nil && len(b) < 1<<20 {
			if cerr := ctxErr(ctx); cerr != nil {
				return 0, cerr
			}
		}
		if mediaType(resp) == "text/event-stream" {
			// An error sent as an event with an error status.
			if data, err := newSSEReader(bytes.NewReader(b), len(b)).next(); err == nil {
				b = data
			}
		}
		return 0, newHTTPError(resp.StatusCode, resp.Header, b, c.apiKey)
	}
	switch mt := mediaType(resp); mt {
	case "text/event-stream", "":
	case "application/json":
		// An error body with a 2xx status, or a gateway that answered
		// without streaming.
		return c.jsonInsteadOfStream(ctx, resp, r, yield)
	default:
		// A proxy that mislabels the stream (text/plain): sniff it.
		br := bufio.NewReader(r)
		_, _ = br.Peek(1) // what the first read brings, without waiting for more
		head, _ := br.Peek(br.Buffered())
		if !looksLikeSSE(head) {
			b, _ := readBody(br, 64<<10)
			e := newHTTPError(resp.StatusCode, resp.Header, b, c.apiKey)
			e.Message = "unexpected content type " + mt + " for a stream: " + e.Message
			return 0, e
		}
		r = br
	}
	stopped := false
	err = c.readEvents(ctx, resp, r, wd, func(ev *Event) bool {
		n++
		if !yield(ev, nil) {
			stopped = true
			return false
		}
		return true
	})
	if stopped {
		return n, errStopped
	}
	if err == nil {
		// Read what follows the terminal event (the end of the chunked
		// body, a [DONE]) so the connection can be reused; give up quickly
		// on a server that keeps the stream open.
		t := time.AfterFunc(drainTimeout, cancel)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		t.Stop()
	}
	return n, err
}

// drainTimeout bounds the wait for the end of a stream after its terminal
// event.
const drainTimeout = 100 * time.Millisecond

// looksLikeSSE reports whether a body starts like an event stream.
func looksLikeSSE(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	for _, p := range []string{"data:", "event:", ":", "id:", "retry:"} {
		if bytes.HasPrefix(head, []byte(p)) {
			return true
		}
	}
	return false
}

// jsonInsteadOfStream handles a JSON body received for a stream request:
// an error, or a whole response, yielded as its terminal event.
func (c *Client) jsonInsteadOfStream(ctx context.Context, resp *http.Response, r io.Reader, yield func(*Event, error) bool) (int, error) {
	b, err := readBody(r, c.maxEventSize)
	if err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return 0, cerr
		}
		if len(b) == c.maxEventSize {
			return 0, err
		}
		return 0, &transientError{fmt.Errorf("responses: read response: %w", err)}
	}
	var out Response
	if out.decode(b) != nil || (out.ID == "" && out.Status == "" && out.Output == nil) {
		return 0, newHTTPError(resp.StatusCode, resp.Header, b, c.apiKey)
	}
	if out.Status == StatusFailed {
		return 0, newFailedError(&out, resp.Header, c.apiKey)
	}
	typ := EventResponseCompleted
	if out.Status == StatusIncomplete {
		typ = EventResponseIncomplete
	}
	if !yield(&Event{Type: typ, Response: &out, Raw: out.Raw}, nil) {
		return 1, errStopped
	}
	return 1, nil
}

// readEvents reads SSE events from r and passes each to emit until the
// terminal event (nil error), a failure event (an *Error), emit returning
// false (errStopped) or the end of the input (ErrStreamTruncated). The
// terminal event's Response is replaced by the accumulated response.
func (c *Client) readEvents(ctx context.Context, resp *http.Response, r io.Reader, wd *watchdog, emit func(*Event) bool) error {
	sr := newSSEReader(r, c.maxEventSize)
	var acc Accumulator
	n := 0
	for {
		data, err := sr.next()
		if err != nil {
			switch {
			case errors.Is(err, errEventTooLarge):
				return err
			case ctx.Err() != nil:
				return ctxErr(ctx)
			case wd.idle():
				return wd.err(n)
			case err == io.EOF:
				return fmt.Errorf("responses: stream ended after %d events: %w", n, ErrStreamTruncated)
			}
			return fmt.Errorf("responses: stream cut after %d events: %w: %w", n, ErrStreamTruncated, err)
		}
		ev := new(Event)
		// decode validates its input as it goes (no json.Unmarshal
		// pre-scan) and keeps the one copy of the event's bytes that every
		// raw field inside it aliases; data is the reader's buffer.
		if err := ev.decode(bytes.Clone(data)); err != nil {
			return fmt.Errorf("responses: decode event after %d events: %w", n, err)
		}
		if ev.Type == EventRetry {
			// The client's own event type: a server cannot send one (it
			// would make the consumer drop what it built).
			continue
		}
		n++
		if err := acc.Add(ev); err != nil {
			return err
		}
		switch ev.Type {
		case EventError, EventResponseFailed:
			return newEventError(ev, resp.StatusCode, resp.Header, c.apiKey)
		case EventResponseCompleted, EventResponseIncomplete:
			ev.Response = acc.Response()
			if !emit(ev) {
				return errStopped
			}
			return nil
		}
		if !emit(ev) {
			return errStopped
		}
	}
}
