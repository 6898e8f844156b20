package qdrant_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
	"github.com/agentloop/agentloop/vectorstore/qdrant/internal/fakeqdrant"
	"github.com/agentloop/agentloop/vectorstore/vectorstoretest"
)

// startFake starts an in-process fake Qdrant server, stopped at the end of
// the test.
func startFake(t *testing.T, opts *fakeqdrant.Options) *fakeqdrant.Server {
	t.Helper()
	srv, err := fakeqdrant.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestConformanceFake runs the vectorstore conformance suite against
// fakeqdrant, an in-process gRPC server built from the Qdrant client
// module's own generated service interfaces (qdrant.RegisterPointsServer,
// RegisterCollectionsServer, RegisterQdrantServer). No real Qdrant package
// exists for Debian and CI cannot download one (no container engine,
// release downloads blocked), so this is what CI can run; the fake follows
// Qdrant's documented filter, scoring and fusion semantics. The same suite
// runs against a real server in TestConformanceServer when QDRANT_URL is
// set.
func TestConformanceFake(t *testing.T) {
	vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
		srv := startFake(t, nil)
		s, err := qdrant.New("http://"+srv.Addr(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, &vectorstoretest.Options{Reopen: func(t *testing.T, s vectorstore.Store) vectorstore.Store {
		// The data lives in the server: a new client with the same
		// prefix finds it.
		addr := s.(*qdrant.Store).Addr()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := qdrant.New("http://"+addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s2
	}})
}

// TestConformanceServer runs the conformance suite against the real Qdrant
// server at QDRANT_URL (its gRPC port, such as http://localhost:6334; with
// QDRANT_API_KEY if it needs one). Each store uses its own collection
// prefix, whose collections are dropped at the end.
func TestConformanceServer(t *testing.T) {
	addr := os.Getenv("QDRANT_URL")
	if addr == "" {
		t.Skip("needs QDRANT_URL, which is not set: no real Qdrant server to test against (e.g. QDRANT_URL=http://localhost:6334)")
	}
	opts := func(prefix string) *qdrant.Options {
		return &qdrant.Options{APIKey: os.Getenv("QDRANT_API_KEY"), CollectionPrefix: prefix}
	}
	vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
		var b [6]byte
		_, _ = rand.Read(b[:])
		prefix := "agentloop_test_" + hex.EncodeToString(b[:]) + "_"
		s, err := qdrant.New(addr, opts(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dropCollections(t, addr, prefix) })
		return s
	}, &vectorstoretest.Options{Reopen: func(t *testing.T, s vectorstore.Store) vectorstore.Store {
		prefix := s.(*qdrant.Store).CollectionPrefix()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := qdrant.New(addr, opts(prefix))
		if err != nil {
			t.Fatal(err)
		}
		return s2
	}})
}

// dropCollections deletes the collections whose names start with prefix.
func dropCollections(t *testing.T, addr, prefix string) {
	t.Helper()
	s, err := qdrant.New(addr, &qdrant.Options{APIKey: os.Getenv("QDRANT_API_KEY")})
	if err != nil {
		t.Error(err)
		return
	}
	defer closeStore(t, s)
	ctx := context.Background()
	names, err := s.Client().ListCollections(ctx)
	if err != nil {
		t.Error(err)
		return
	}
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			if err := s.Client().DeleteCollection(ctx, n); err != nil {
				t.Error(err)
			}
		}
	}
}

// closeStore closes s, failing the test on error.
func closeStore(t testing.TB, s vectorstore.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}
