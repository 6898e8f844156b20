package responses

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxServerRetryDelay caps a delay the server asks for (retry-after-ms,
// retry-after, "try again in …") unless Options.MaxRetryDelay is larger.
const maxServerRetryDelay = 60 * time.Second

// retryAfterHeader reads the delay a response asks for: retry-after-ms (a
// number of milliseconds), then retry-after (seconds, or an HTTP date
// relative to now). Zero when absent or not positive.
func retryAfterHeader(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil {
			return clampDuration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		return clampDuration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// clampDuration converts nanoseconds to a Duration: 0 for NaN and values
// that are not positive, at most 24 hours.
func clampDuration(ns float64) time.Duration {
	if math.IsNaN(ns) || ns <= 0 {
		return 0
	}
	if ns > float64(24*time.Hour) {
		return 24 * time.Hour
	}
	return time.Duration(ns)
}

var tryAgainIn = regexp.MustCompile(`(?i)try again in\s+(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b`)

// retryHintInMessage reads a rate-limit hint such as "Please try again in
// 11.054s." or "try again in 20ms" from an error message.
func retryHintInMessage(msg string) time.Duration {
	if !strings.Contains(msg, "again in") && !strings.Contains(msg, "AGAIN IN") {
		return 0
	}
	m := tryAgainIn.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0
	}
	unit := float64(time.Second)
	switch u := strings.ToLower(m[2]); {
	case strings.HasPrefix(u, "ms"), strings.HasPrefix(u, "milli"):
		unit = float64(time.Millisecond)
	case strings.HasPrefix(u, "m"):
		unit = float64(time.Minute)
	}
	return clampDuration(n * unit)
}

// transientError marks a failure to talk to the server (a network error, a
// per-attempt timeout, a body cut while reading): worth retrying.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// isRetryable reports whether err, returned by one attempt, is worth
// retrying.
func isRetryable(err error) bool {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	if errors.Is(err, ErrStreamTruncated) {
		return true
	}
	var te *transientError
	return errors.As(err, &te)
}

// backoff returns the delay before retry number attempt (1 for the first):
// the server's hint when it gave one (capped at maxServerRetryDelay or
// MaxRetryDelay, whichever is larger), else RetryBaseDelay·2^(attempt-1)
// capped at MaxRetryDelay, minus up to 25% of jitter.
func (c *Client) backoff(attempt int, err error) time.Duration {
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return min(apiErr.RetryAfter, max(maxServerRetryDelay, c.maxRetryDelay))
	}
	d := c.retryBaseDelay
	for i := 1; i < attempt && d < c.maxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, c.maxRetryDelay)
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// retrier plans the retries of one call: retries with the request's model,
// then, for a model that cannot serve the request, one attempt with each
// fallback model.
type retrier struct {
	c         *Client
	attempts  int      // retries made, fallbacks included
	retries   int      // retries made with the current model
	fallbacks []string // fallback models not tried yet
	fellBack  bool     // the current model is a fallback
}

func (c *Client) newRetrier(ctx context.Context, req *Request) retrier {
	models := c.fallbackModels
	if m, ok := ctx.Value(fallbackKey{}).([]string); ok {
		models = m
	}
	var fb []string
	for _, m := range models {
		if m != "" && m != req.Model && !slices.Contains(fb, m) {
			fb = append(fb, m)
		}
	}
	return retrier{c: c, fallbacks: fb}
}

// next decides whether to send the request again after an attempt failed
// with err. When it does, it reports the retry to the logger, OnRetry and
// the context's observer (WithRetryObserver) and returns its description;
// its FallbackModel says when the request is to be sent to another model.
func (r *retrier) next(ctx context.Context, err error) (RetryInfo, bool) {
	if ctx.Err() != nil || isFinal(err) {
		return RetryInfo{}, false
	}
	info := RetryInfo{Attempt: r.attempts + 1, Err: err}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		info.StatusCode = apiErr.StatusCode
	}
	if !r.fellBack && r.retries < r.c.maxRetries {
		info.Retryable = isRetryable(err)
		info.Delay = r.c.backoff(r.retries+1, err)
		if r.decide(ctx, &info) {
			r.retries++
			r.attempts++
			r.c.reportRetry(ctx, info)
			return info, true
		}
	}
	if len(r.fallbacks) > 0 && apiErr != nil && apiErr.ModelUnavailable() {
		info.Retryable, info.Delay, info.FallbackModel = true, 0, r.fallbacks[0]
		r.fallbacks = r.fallbacks[1:]
		if r.decide(ctx, &info) {
			r.fellBack = true
			r.attempts++
			r.c.reportRetry(ctx, info)
			return info, true
		}
	}
	return RetryInfo{}, false
}

// decide applies the retry policy to info, whose Retryable and Delay hold
// the default decision, and sets info.Delay to the policy's.
func (r *retrier) decide(ctx context.Context, info *RetryInfo) bool {
	if r.c.retryPolicy == nil {
		return info.Retryable
	}
	retry, d := r.c.retryPolicy(ctx, *info)
	info.Delay = max(d, 0)
	return retry
}

// isFinal reports whether err must never be retried, whatever the policy:
// a misalignment_policy_violation.
func isFinal(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.final()
}

func (c *Client) reportRetry(ctx context.Context, info RetryInfo) {
	if c.logger != nil {
		attrs := []slog.Attr{slog.Int("attempt", info.Attempt), slog.Duration("delay", info.Delay),
			slog.Int("status", info.StatusCode), slog.String("error", info.Err.Error())}
		if info.FallbackModel != "" {
			attrs = append(attrs, slog.String("fallback_model", info.FallbackModel))
		}
		c.logger.LogAttrs(ctx, slog.LevelInfo, "responses: retrying", attrs...)
	}
	if c.onRetry != nil {
		c.onRetry(ctx, info)
	}
	observeRetry(ctx, info)
}

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctxErr(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctxErr(ctx)
	case <-t.C:
		return nil
	}
}

// ctxErr returns ctx's error wrapped with the package prefix, or nil.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &ctxError{err}
	}
	return nil
}

type ctxError struct{ err error }

func (e *ctxError) Error() string { return "responses: " + e.err.Error() }
func (e *ctxError) Unwrap() error { return e.err }
