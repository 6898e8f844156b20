package qdrant_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
	"github.com/agentloop/agentloop/vectorstore/qdrant/internal/fakeqdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// failing makes the fake fail the named method: each call takes the next
// error of errs (nil lets it through); once errs run out calls succeed.
type failing struct {
	method string
	errs   []func(ctx context.Context) error
	n      atomic.Int32
}

func (f *failing) intercept(ctx context.Context, method string) error {
	if method != f.method {
		return nil
	}
	i := int(f.n.Add(1)) - 1
	if i < len(f.errs) && f.errs[i] != nil {
		return f.errs[i](ctx)
	}
	return nil
}

func unavailable(context.Context) error { return status.Error(codes.Unavailable, "try again") }

func exhausted(retryAfter string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_ = grpc.SetTrailer(ctx, metadata.Pairs("retry-after", retryAfter))
		return status.Error(codes.ResourceExhausted, "rate limited")
	}
}

// loadedStore returns a store on a fake server with intercept, joined by
// an in-memory pipe so that both run inside the synctest bubble of the
// calling test (a TCP connection would stall the bubble's clock), holding
// one lexical store "s" of two chunks. Both are closed at the end of the
// bubble.
func loadedStore(t *testing.T, f *failing, opts *qdrant.Options) *qdrant.Store {
	t.Helper()
	lis := fakeqdrant.NewPipeListener()
	srv, err := fakeqdrant.Start(&fakeqdrant.Options{Intercept: f.intercept, Listener: lis})
	if err != nil {
		t.Fatal(err)
	}
	o := *opts
	o.GRPCOptions = append(o.GRPCOptions, grpc.WithContextDialer(lis.DialContext))
	o.PoolSize = 1
	s, err := qdrant.New("127.0.0.1:1", &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		closeStore(t, s)
		srv.Close()
	})
	ctx := t.Context()
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "s"}); err != nil {
		t.Fatal(err)
	}
	err = s.Upsert(ctx, []vectorstore.Chunk{
		{StoreID: "s", FileID: "f1", Filename: "a.txt", Text: "retries with jittered backoff"},
		{StoreID: "s", FileID: "f2", Filename: "b.txt", Text: "nothing to see"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRetryAgainstServer injects Unavailable and ResourceExhausted (with a
// retry-after trailer, which the client turns into
// *qdrant.QdrantResourceExhaustedError) into the fake's QueryBatch; the
// search retries on the bubble's fake clock.
func TestRetryAgainstServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &failing{method: "/qdrant.Points/QueryBatch", errs: []func(context.Context) error{unavailable, exhausted("3"), unavailable}}
		s := loadedStore(t, f, &qdrant.Options{RetryBaseDelay: 100 * time.Millisecond, RetryMaxDelay: time.Second})
		start := time.Now()
		hits, err := s.Search(t.Context(), vectorstore.SearchRequest{StoreIDs: []string{"s"}, Queries: []vectorstore.Query{{Text: "backoff"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].FileID != "f1" {
			t.Errorf("hits = %+v, want f1", hits)
		}
		if got := f.n.Load(); got != 4 {
			t.Errorf("QueryBatch called %d times, want 4 (3 failures, 1 success)", got)
		}
		// 3s for the retry-after, plus two backoffs of at most 100ms and 400ms.
		if got := time.Since(start); got < 3*time.Second || got > 3*time.Second+500*time.Millisecond {
			t.Errorf("search took %v, want 3s to 3.5s", got)
		}
	})
}

func TestRetryGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &failing{method: "/qdrant.Points/Delete"}
		s := loadedStore(t, f, &qdrant.Options{MaxRetries: 2, RetryBaseDelay: time.Millisecond})
		f.errs = []func(context.Context) error{unavailable, unavailable, unavailable, unavailable}
		err := s.DeleteFile(t.Context(), "s", "f1")
		if !isUnavailable(err) {
			t.Fatalf("err = %v, want Unavailable", err)
		}
		if got := f.n.Load(); got != 3 {
			t.Errorf("Delete called %d times, want 3", got)
		}
	})
}

func isUnavailable(err error) bool {
	var st interface{ GRPCStatus() *status.Status }
	return errors.As(err, &st) && st.GRPCStatus().Code() == codes.Unavailable
}

// TestCancelDuringBackoff cancels a search waiting out a long retry-after.
func TestCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &failing{method: "/qdrant.Points/QueryBatch", errs: []func(context.Context) error{exhausted("3600")}}
		s := loadedStore(t, f, &qdrant.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		_, err := s.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"s"}, Queries: []vectorstore.Query{{Text: "backoff"}}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("returned after %v, want 1s (at cancellation)", got)
		}
	})
}
