package qdrant

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// retryable reports whether err is worth retrying and the least delay the
// server asked for: Unavailable, DeadlineExceeded and ResourceExhausted
// (whose retry-after the client turns into a *qc.QdrantResourceExhaustedError).
func retryable(err error) (ok bool, retryAfter time.Duration) {
	var re *qc.QdrantResourceExhaustedError
	if errors.As(err, &re) {
		return true, time.Duration(re.RetryAfterS) * time.Second
	}
	if st, isStatus := status.FromError(err); isStatus {
		switch st.Code() {
		case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded:
			return true, 0
		}
		return false, 0
	}
	return false, 0
}

// backoff is the delay before retry number attempt (from 0): uniformly
// jittered in [d/2, d] where d = base·2^attempt capped at max, and never
// less than the server's retry-after.
func (s settings) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := s.baseDelay
	for i := 0; i < attempt && d < s.maxDelay; i++ {
		d *= 2
	}
	d = min(d, s.maxDelay)
	d = d/2 + rand.N(d/2+1)
	return max(d, retryAfter)
}

// retry runs call until it succeeds, fails with an error not worth
// retrying, exhausts the retries, or ctx ends (which stops a backoff at
// once and returns ctx's error). op names the operation in logs.
func (s settings) retry(ctx context.Context, op string, call func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (last error: %w)", context.Cause(ctx), err)
		}
		ok, after := retryable(err)
		if !ok || attempt >= s.maxRetries {
			return err
		}
		d := s.backoff(attempt, after)
		s.log.DebugContext(ctx, "qdrant: retrying", "op", op, "attempt", attempt+1, "delay", d, "err", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last error: %w)", context.Cause(ctx), err)
		case <-t.C:
		}
	}
}
