package qdrant

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestBackoffBounds(t *testing.T) {
	s := newSettings(&Options{RetryBaseDelay: 100 * time.Millisecond, RetryMaxDelay: time.Second})
	for _, tc := range []struct {
		attempt     int
		after       time.Duration
		lo, hi      time.Duration
		mustBeleast time.Duration
	}{
		{0, 0, 50 * time.Millisecond, 100 * time.Millisecond, 0},
		{1, 0, 100 * time.Millisecond, 200 * time.Millisecond, 0},
		{3, 0, 400 * time.Millisecond, 800 * time.Millisecond, 0},
		{4, 0, 500 * time.Millisecond, time.Second, 0}, // capped
		{40, 0, 500 * time.Millisecond, time.Second, 0},
		{0, 3 * time.Second, 3 * time.Second, 3 * time.Second, 0}, // retry-after wins
	} {
		for range 200 {
			d := s.backoff(tc.attempt, tc.after)
			if d < tc.lo || d > tc.hi {
				t.Fatalf("backoff(%d, %v) = %v, want in [%v, %v]", tc.attempt, tc.after, d, tc.lo, tc.hi)
			}
		}
	}
}

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err   error
		ok    bool
		after time.Duration
	}{
		{status.Error(codes.Unavailable, "down"), true, 0},
		{fmt.Errorf("wrapped: %w", status.Error(codes.Unavailable, "down")), true, 0},
		{status.Error(codes.DeadlineExceeded, "slow"), true, 0},
		{status.Error(codes.ResourceExhausted, "busy"), true, 0},
		{fmt.Errorf("Upsert() failed: %w", &qc.QdrantResourceExhaustedError{Reason: "rate", RetryAfterS: 7}), true, 7 * time.Second},
		{status.Error(codes.InvalidArgument, "bad"), false, 0},
		{status.Error(codes.NotFound, "gone"), false, 0},
		{status.Error(codes.Unauthenticated, "key"), false, 0},
		{errors.New("plain"), false, 0},
	} {
		ok, after := retryable(tc.err)
		if ok != tc.ok || after != tc.after {
			t.Errorf("retryable(%v) = %v, %v; want %v, %v", tc.err, ok, after, tc.ok, tc.after)
		}
	}
}

// TestRetry checks the schedule in a synctest bubble, where time only moves
// when every goroutine waits, so the delays are exact and instant.
func TestRetry(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "down")
	t.Run("SucceedsAfterFailures", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSettings(&Options{MaxRetries: 5, RetryBaseDelay: time.Second, RetryMaxDelay: 8 * time.Second})
			start := time.Now()
			var at []time.Duration
			err := s.retry(t.Context(), "op", func(context.Context) error {
				at = append(at, time.Since(start))
				if len(at) < 4 {
					return unavailable
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(at) != 4 {
				t.Fatalf("%d calls, want 4", len(at))
			}
			// Gaps are jittered in [d/2, d] for d = 1s, 2s, 4s.
			for i, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
				gap := at[i+1] - at[i]
				if gap < d/2 || gap > d {
					t.Errorf("gap %d = %v, want in [%v, %v]", i, gap, d/2, d)
				}
			}
		})
	})
	t.Run("GivesUp", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSettings(&Options{MaxRetries: 2})
			calls := 0
			err := s.retry(t.Context(), "op", func(context.Context) error { calls++; return unavailable })
			if calls != 3 || !errors.Is(err, unavailable) {
				t.Fatalf("calls = %d, err = %v; want 3 calls and the last error", calls, err)
			}
		})
	})
	t.Run("Disabled", func(t *testing.T) {
		s := newSettings(&Options{MaxRetries: -1})
		calls := 0
		_ = s.retry(t.Context(), "op", func(context.Context) error { calls++; return unavailable })
		if calls != 1 {
			t.Fatalf("calls = %d, want 1", calls)
		}
	})
	t.Run("NotRetryable", func(t *testing.T) {
		s := newSettings(nil)
		calls := 0
		bad := status.Error(codes.InvalidArgument, "bad")
		err := s.retry(t.Context(), "op", func(context.Context) error { calls++; return bad })
		if calls != 1 || !errors.Is(err, bad) {
			t.Fatalf("calls = %d, err = %v", calls, err)
		}
	})
	t.Run("HonoursRetryAfter", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSettings(&Options{RetryBaseDelay: 10 * time.Millisecond})
			start := time.Now()
			calls := 0
			err := s.retry(t.Context(), "op", func(context.Context) error {
				calls++
				if calls == 1 {
					return &qc.QdrantResourceExhaustedError{Reason: "rate", RetryAfterS: 30}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := time.Since(start); got != 30*time.Second {
				t.Errorf("waited %v, want the server's 30s", got)
			}
		})
	})
	t.Run("CancelStopsBackoff", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSettings(&Options{RetryBaseDelay: time.Hour, RetryMaxDelay: time.Hour})
			ctx, cancel := context.WithCancel(t.Context())
			start := time.Now()
			done := make(chan error)
			go func() {
				done <- s.retry(ctx, "op", func(context.Context) error { return unavailable })
			}()
			time.Sleep(time.Minute) // well inside the first backoff
			cancel()
			err := <-done
			if !errors.Is(err, context.Canceled) || !errors.Is(err, unavailable) {
				t.Errorf("err = %v, want context.Canceled wrapping the last error", err)
			}
			if got := time.Since(start); got != time.Minute {
				t.Errorf("returned after %v, want at once on cancel (1m)", got)
			}
		})
	})
	t.Run("DeadlineNotRetried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSettings(nil)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			calls := 0
			err := s.retry(ctx, "op", func(ctx context.Context) error {
				calls++
				<-ctx.Done()
				return status.Error(codes.DeadlineExceeded, "context deadline exceeded")
			})
			if calls != 1 || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("calls = %d, err = %v; want 1 call and the context's deadline", calls, err)
			}
		})
	})
}
