package qdrant_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
	"github.com/agentloop/agentloop/vectorstore/qdrant/internal/fakeqdrant"
	"github.com/google/go-cmp/cmp"
	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func newFakeStore(t *testing.T, srvOpts *fakeqdrant.Options, opts *qdrant.Options) (*fakeqdrant.Server, *qdrant.Store) {
	t.Helper()
	srv := startFake(t, srvOpts)
	s, err := qdrant.New("http://"+srv.Addr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore(t, s) })
	return srv, s
}

func TestLayout(t *testing.T) {
	srv, s := newFakeStore(t, nil, &qdrant.Options{CollectionPrefix: "app_"})
	ctx := t.Context()
	dense := vectorstore.StoreSpec{ID: "d", Embedder: "openai:text-embedding-3-small:512", Dims: 4}
	if err := s.EnsureStore(ctx, dense); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "l"}); err != nil {
		t.Fatal(err)
	}
	coll := s.CollectionName(dense)
	if want := "app_d4_openai_text-embedding-3-small_512_"; len(coll) != len(want)+8 || coll[:len(want)] != want {
		t.Errorf("collection name %q, want %q + 8 hex digits", coll, want)
	}
	if diff := cmp.Diff([]string{coll, "app_lexical", "app_stores"}, srv.Collections()); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
	ix := srv.Index(coll, "vector_store_id")
	if ix.GetFieldType() != qc.FieldType_FieldTypeKeyword || !ix.GetFieldIndexParams().GetKeywordIndexParams().GetIsTenant() {
		t.Errorf("vector_store_id index = %v, want keyword with is_tenant", ix)
	}
	if got := srv.Indexes(coll)["file_id"]; got != qc.FieldType_FieldTypeKeyword {
		t.Errorf("file_id index = %v, want keyword", got)
	}

	// A filtered search asks for indexes on the attributes it filters.
	err := s.Upsert(ctx, []vectorstore.Chunk{{StoreID: "l", FileID: "f", Text: "hello world",
		Attributes: vectorstore.Attributes{"kind": "a", "n": 1, "ok": true, "at": "2024-01-01T00:00:00Z"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := &vectorstore.Filter{Type: "and", Filters: []vectorstore.Filter{
		{Type: "in", Key: "kind", Value: []any{"a", "b"}},
		{Type: "gte", Key: "n", Value: 1},
		{Type: "eq", Key: "ok", Value: true},
		{Type: "lt", Key: "at", Value: "2025-01-01T00:00:00Z"},
	}}
	hits, err := s.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"l"}, Queries: []vectorstore.Query{{Text: "hello"}}, Filter: f})
	if err != nil || len(hits) != 1 {
		t.Fatalf("Search = %v, %v; want 1 hit", hits, err)
	}
	want := map[string]qc.FieldType{
		"vector_store_id": qc.FieldType_FieldTypeKeyword,
		"file_id":         qc.FieldType_FieldTypeKeyword,
		"attributes.kind": qc.FieldType_FieldTypeKeyword,
		"attributes.n":    qc.FieldType_FieldTypeFloat,
		"attributes.ok":   qc.FieldType_FieldTypeBool,
		"attributes.at":   qc.FieldType_FieldTypeDatetime,
	}
	if diff := cmp.Diff(want, srv.Indexes("app_lexical")); diff != "" {
		t.Errorf("indexes (-want +got):\n%s", diff)
	}
}

func TestOddAttributeKeys(t *testing.T) {
	_, s := newFakeStore(t, nil, nil)
	ctx := t.Context()
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "s"}); err != nil {
		t.Fatal(err)
	}
	attrs := vectorstore.Attributes{"a.b": "x", "with space": 2, "ünï-cödé": true, "[x]": "y"}
	err := s.Upsert(ctx, []vectorstore.Chunk{
		{StoreID: "s", FileID: "f1", Text: "alpha", Attributes: attrs},
		{StoreID: "s", FileID: "f2", Text: "alpha"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    vectorstore.Filter
		want []string
	}{
		{vectorstore.Filter{Type: "eq", Key: "a.b", Value: "x"}, []string{"f1"}},
		{vectorstore.Filter{Type: "gte", Key: "with space", Value: 2}, []string{"f1"}},
		{vectorstore.Filter{Type: "eq", Key: "ünï-cödé", Value: true}, []string{"f1"}},
		{vectorstore.Filter{Type: "eq", Key: "[x]", Value: "y"}, []string{"f1"}},
		{vectorstore.Filter{Type: "ne", Key: "a.b", Value: "x"}, []string{"f2"}},
		{vectorstore.Filter{Type: "eq", Key: "a", Value: "x"}, nil},
	} {
		hits, err := s.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"s"}, Queries: []vectorstore.Query{{Text: "alpha"}}, Filter: &tc.f})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.FileID)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.f, diff)
		}
	}
}

func TestAPIKey(t *testing.T) {
	srv := startFake(t, &fakeqdrant.Options{APIKey: "secret"})
	for _, tc := range []struct {
		key  string
		code codes.Code
	}{{"", codes.Unauthenticated}, {"wrong", codes.Unauthenticated}, {"secret", codes.OK}} {
		s, err := qdrant.New(srv.Addr(), &qdrant.Options{APIKey: tc.key, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		err = s.EnsureStore(t.Context(), vectorstore.StoreSpec{ID: "s"})
		if got := status.Code(unwrapStatus(err)); got != tc.code {
			t.Errorf("key %q: EnsureStore = %v, want code %v", tc.key, err, tc.code)
		}
		closeStore(t, s)
	}
}

// unwrapStatus returns the first error in err's chain carrying a gRPC
// status, or err.
func unwrapStatus(err error) error {
	var st interface{ GRPCStatus() *status.Status }
	if errors.As(err, &st) {
		return st.(error)
	}
	return err
}

// TestCallsPerOperation pins how many requests each operation makes:
// batched upserts, one QueryBatch and one Get per search.
func TestCallsPerOperation(t *testing.T) {
	srv, s := newFakeStore(t, nil, &qdrant.Options{BatchSize: 2})
	ctx := t.Context()
	emb := vectorstore.NewHashEmbedder(16)
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "s", Embedder: emb.ID(), Dims: emb.Dims()}); err != nil {
		t.Fatal(err)
	}
	texts := []string{"one apple", "two apples", "three pears", "four plums", "five figs"}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	var chunks []vectorstore.Chunk
	for i, text := range texts {
		chunks = append(chunks, vectorstore.Chunk{StoreID: "s", FileID: "f", Ordinal: i, Text: text, Vector: vecs[i]})
	}
	count := func(m string) int { return srv.Calls("/qdrant.Points/" + m) }
	up, ub, sp := count("Upsert"), count("UpdateBatch"), count("SetPayload")
	if err := s.Upsert(ctx, chunks); err != nil {
		t.Fatal(err)
	}
	if got := count("Upsert") - up; got != 3 {
		t.Errorf("5 chunks in batches of 2: %d upserts, want 3", got)
	}
	if got := count("UpdateBatch") - ub; got != 1 {
		t.Errorf("%d update batches for the file payloads, want 1", got)
	}
	if got := count("SetPayload") - sp; got != 1 {
		t.Errorf("%d set_payload calls, want 1 (recording the store's average chunk length)", got)
	}
	if err := s.Upsert(ctx, chunks); err != nil {
		t.Fatal(err)
	}
	if got := count("SetPayload") - sp; got != 1 {
		t.Errorf("%d set_payload calls after a second upsert, want still 1", got)
	}
	qb, get := count("QueryBatch"), count("Get")
	var qs []vectorstore.Query
	for _, q := range []string{"apple", "pear", "fig"} {
		v, _ := emb.Embed(ctx, []string{q})
		qs = append(qs, vectorstore.Query{Text: q, Vector: v[0]})
	}
	hits, err := s.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"s"}, Embedder: emb.ID(), Queries: qs})
	if err != nil || len(hits) == 0 {
		t.Fatalf("Search = %v, %v", hits, err)
	}
	if q, g := count("QueryBatch")-qb, count("Get")-get; q != 1 || g != 1 {
		t.Errorf("search made %d QueryBatch and %d Get calls, want 1 and 1", q, g)
	}
}

// TestForeignCollection refuses a collection of the expected name made by
// something else with another layout.
func TestForeignCollection(t *testing.T) {
	_, s := newFakeStore(t, nil, nil)
	ctx := t.Context()
	spec := vectorstore.StoreSpec{ID: "s", Embedder: "e", Dims: 8}
	err := s.Client().CreateCollection(ctx, &qc.CreateCollection{CollectionName: s.CollectionName(spec),
		VectorsConfig:       qc.NewVectorsConfigMap(map[string]*qc.VectorParams{"dense": {Size: 4, Distance: qc.Distance_Cosine}}),
		SparseVectorsConfig: qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{"bm25": {}})})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureStore(ctx, spec); !errors.Is(err, vectorstore.ErrEmbedderMismatch) {
		t.Errorf("EnsureStore = %v, want ErrEmbedderMismatch", err)
	}
	if err := s.Client().CreateCollection(ctx, &qc.CreateCollection{CollectionName: s.CollectionName(vectorstore.StoreSpec{ID: "l"}),
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "l"}); !errors.Is(err, vectorstore.ErrInvalid) {
		t.Errorf("EnsureStore = %v, want ErrInvalid", err)
	}
}

// TestTLS connects over TLS with a private CA given in Options.TLSConfig,
// sending the API key.
func TestTLS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fake qdrant"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	srv := startFake(t, &fakeqdrant.Options{APIKey: "k", TLSConfig: &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}})

	s, err := qdrant.New("https://"+srv.Addr(), &qdrant.Options{APIKey: "k", TLSConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13}})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	if err := s.EnsureStore(t.Context(), vectorstore.StoreSpec{ID: "s"}); err != nil {
		t.Fatalf("over TLS: %v", err)
	}

	// Plain text to a TLS server fails (and is not retried forever).
	plain, err := qdrant.New("http://"+srv.Addr(), &qdrant.Options{APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, plain)
	if err := plain.EnsureStore(t.Context(), vectorstore.StoreSpec{ID: "s"}); err == nil {
		t.Error("plain text to a TLS server succeeded")
	}
}

// TestConcurrentEnsure creates stores of one embedder from several Store
// values at once: they race to create the shared collection.
func TestConcurrentEnsure(t *testing.T) {
	srv := startFake(t, nil)
	var stores []*qdrant.Store
	for range 4 {
		s, err := qdrant.New(srv.Addr(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer closeStore(t, s)
		stores = append(stores, s)
	}
	errs := make(chan error, 2*len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			errs <- s.EnsureStore(t.Context(), vectorstore.StoreSpec{ID: fmt.Sprint("d", i), Embedder: "e", Dims: 3})
		})
		wg.Go(func() { errs <- s.EnsureStore(t.Context(), vectorstore.StoreSpec{ID: fmt.Sprint("l", i)}) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if diff := cmp.Diff([]string{"agentloop_d3_e_3f79bb7b", "agentloop_lexical", "agentloop_stores"}, srv.Collections()); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
	files, err := stores[0].Files(t.Context(), "d3")
	if err != nil || len(files) != 0 {
		t.Errorf("Files(d3) from another Store = %v, %v; want none and no error", files, err)
	}
}

// TestSpec reads specs back, from the cache and, through a second Store on
// the same server, from the registry.
func TestSpec(t *testing.T) {
	srv, s := newFakeStore(t, nil, nil)
	ctx := t.Context()
	specs := []vectorstore.StoreSpec{{ID: "d", Embedder: "hash:8", Dims: 8}, {ID: "l"}}
	for _, spec := range specs {
		if err := s.EnsureStore(ctx, spec); err != nil {
			t.Fatal(err)
		}
	}
	other, err := qdrant.New(srv.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, other)
	for _, st := range []*qdrant.Store{s, other} {
		for _, want := range specs {
			got, err := st.Spec(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Spec(%q) (-want +got):\n%s", want.ID, diff)
			}
		}
		if _, err := st.Spec(ctx, "missing"); !errors.Is(err, vectorstore.ErrNotFound) {
			t.Errorf("Spec(missing) error = %v, want ErrNotFound", err)
		}
	}
	if err := other.DeleteStore(ctx, "l"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Spec(ctx, "l"); !errors.Is(err, vectorstore.ErrNotFound) {
		t.Errorf("Spec after DeleteStore: error = %v, want ErrNotFound", err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Spec(ctx, "d"); !errors.Is(err, vectorstore.ErrClosed) {
		t.Errorf("Spec after Close: error = %v, want ErrClosed", err)
	}
}

// TestTermsVersion: a store whose registry entry records no (or another)
// terms version, as one indexed before the sparse vectors used
// vectorstore.Terms, refuses lexical searches and upserts with
// ErrEmbedderMismatch; dense-only searches still work.
func TestTermsVersion(t *testing.T) {
	srv, s := newFakeStore(t, nil, nil)
	ctx := t.Context()
	spec := vectorstore.StoreSpec{ID: "old", Embedder: "hash:4", Dims: 4}
	if err := s.EnsureStore(ctx, spec); err != nil {
		t.Fatal(err)
	}
	chunk := vectorstore.Chunk{StoreID: "old", FileID: "f", Text: "heated flows", Vector: []float32{1, 0, 0, 0}}
	if err := s.Upsert(ctx, []vectorstore.Chunk{chunk}); err != nil {
		t.Fatal(err)
	}
	// Rewrite the registry entry as an older build wrote it.
	wait := true
	_, err := s.Client().OverwritePayload(ctx, &qc.SetPayloadPoints{
		CollectionName: s.CollectionPrefix() + "stores",
		Wait:           &wait,
		Payload: map[string]*qc.Value{
			"vector_store_id": qc.NewValueString(spec.ID),
			"embedder":        qc.NewValueString(spec.Embedder),
			"dims":            qc.NewValueInt(int64(spec.Dims)),
			"collection":      qc.NewValueString(s.CollectionName(spec)),
		},
		PointsSelector: qc.NewPointsSelectorFilter(&qc.Filter{Must: []*qc.Condition{qc.NewMatchKeyword("vector_store_id", spec.ID)}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	old, err := qdrant.New(srv.Addr(), nil) // a fresh registry cache
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, old)
	_, err = old.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"old"}, Queries: []vectorstore.Query{{Text: "heat"}}})
	if !errors.Is(err, vectorstore.ErrEmbedderMismatch) {
		t.Errorf("lexical Search error = %v, want ErrEmbedderMismatch", err)
	}
	if err := old.Upsert(ctx, []vectorstore.Chunk{chunk}); !errors.Is(err, vectorstore.ErrEmbedderMismatch) {
		t.Errorf("Upsert error = %v, want ErrEmbedderMismatch", err)
	}
	hits, err := old.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"old"}, Embedder: spec.Embedder,
		Queries: []vectorstore.Query{{Text: "heat", Vector: []float32{1, 0, 0, 0}}}, EmbeddingWeight: 1})
	if err != nil || len(hits) != 1 {
		t.Errorf("dense Search = %v, %v; want 1 hit", hits, err)
	}
	// Deleting and recreating the store records this build's version.
	if err := old.DeleteStore(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	if err := old.EnsureStore(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if err := old.Upsert(ctx, []vectorstore.Chunk{chunk}); err != nil {
		t.Fatal(err)
	}
	hits, err = old.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"old"}, Queries: []vectorstore.Query{{Text: "heat"}}})
	if err != nil || len(hits) != 1 {
		t.Errorf("lexical Search after re-creating = %v, %v; want 1 hit", hits, err)
	}
}

func TestServerAddress(t *testing.T) {
	s, err := qdrant.New("http://qdrant.internal:6334", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if h, p := s.ServerAddress(); h != "qdrant.internal" || p != 6334 || s.DBSystemName() != "qdrant" {
		t.Errorf("ServerAddress = %q, %d; DBSystemName = %q", h, p, s.DBSystemName())
	}
}
