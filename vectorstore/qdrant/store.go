package qdrant

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/agentloop/agentloop/vectorstore"
	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Vector names in every data collection.
const (
	denseVector  = "dense" // cosine; only in collections of an embedder
	sparseVector = "bm25"  // BM25 term weights, IDF modifier
)

// Store is a [vectorstore.Store] kept in Qdrant. It is safe for concurrent
// use.
//
// Each embedder (StoreSpec.Embedder and Dims) gets one collection, shared
// by all the stores built with it, so a search over several stores is one
// request; lexical-only stores share a collection with only the sparse
// vector. A small registry collection ("<prefix>stores") records each
// store's spec, so a Store reopened on the same server finds its stores.
// Each Store caches the registry entries it has read: a store deleted or
// recreated through another Store value (or process) may stay visible to
// this one, with its old spec, until it is reopened.
type Store struct {
	client *qc.Client
	addr   string // host:port, when New dialled it
	own    bool   // Close closes client
	set    settings

	ensureMu sync.Mutex // serialises EnsureStore
	avgMu    sync.Mutex // serialises fixing stores' average chunk length

	mu      sync.Mutex
	closed  bool
	stores  map[string]storeInfo // registry cache
	ready   map[string]bool      // collections known to exist, with their base indexes
	indexed map[string]bool      // collection + "\x00" + field: index requested
}

type storeInfo struct {
	spec       vectorstore.StoreSpec
	collection string
	avgTerms   float64 // BM25 average chunk length; 0 until known
	terms      int     // vectorstore.TermsVersion of the sparse vectors
}

// checkTerms fails with ErrEmbedderMismatch when the store's sparse
// vectors were built by another version of vectorstore.Terms than this
// build's (or, with version 0, before versions were recorded): its lexical
// index would no longer match the queries' terms.
func (info storeInfo) checkTerms() error {
	if info.terms != vectorstore.TermsVersion {
		return fmt.Errorf("%w: store %q: its lexical index was built with terms version %d, this build's is %d; delete the store and ingest it again",
			vectorstore.ErrEmbedderMismatch, info.spec.ID, info.terms, vectorstore.TermsVersion)
	}
	return nil
}

// New returns a Store talking to the Qdrant server at addr over gRPC. addr
// takes the forms of QDRANT_URL: "http://host:6334", "https://host:6334"
// (TLS), "host:port", "host", or "" for localhost; a missing port is 6334,
// Qdrant's gRPC port (not 6333, its REST port). New does not contact the
// server: the first call does. Close the Store when done.
func New(addr string, opts *Options) (*Store, error) {
	ep, err := parseAddr(addr)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	cfg := &qc.Config{
		Host:   ep.host,
		Port:   ep.port,
		UseTLS: ep.tls || opts.TLSConfig != nil,
		// The client's version check calls the server from NewClient and
		// logs through slog.Default; New starts nothing and logs nothing.
		SkipCompatibilityCheck: true,
		TLSConfig:              opts.TLSConfig,
		PoolSize:               uint(max(opts.PoolSize, 0)),
		GrpcOptions:            slices.Clone(opts.GRPCOptions),
	}
	if opts.APIKey != "" {
		// Sent by our own interceptor rather than Config.APIKey, with
		// which the client logs a warning through slog.Default when TLS
		// is off.
		key := opts.APIKey
		cfg.GrpcOptions = append(cfg.GrpcOptions, grpc.WithChainUnaryInterceptor(
			func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, o ...grpc.CallOption) error {
				return invoker(metadata.AppendToOutgoingContext(ctx, "api-key", key), method, req, reply, cc, o...)
			}))
	}
	client, err := qc.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("qdrant: %w", err)
	}
	s := NewFromClient(client, opts)
	s.own = true
	s.addr = net.JoinHostPort(ep.host, strconv.Itoa(ep.port))
	return s, nil
}

// NewFromClient returns a Store using a client the caller configured and
// keeps ownership of: Close does not close it. Options' connection fields
// (APIKey, TLSConfig, PoolSize, GRPCOptions) are ignored.
func NewFromClient(client *qc.Client, opts *Options) *Store {
	return &Store{
		client:  client,
		set:     newSettings(opts),
		stores:  map[string]storeInfo{},
		ready:   map[string]bool{},
		indexed: map[string]bool{},
	}
}

// Close implements [vectorstore.Store]. Data stays on the server. Close is
// idempotent; other methods fail with vectorstore.ErrClosed afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.own {
		if err := s.client.Close(); err != nil {
			return fmt.Errorf("qdrant: close: %w", err)
		}
	}
	return nil
}

func (s *Store) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return vectorstore.ErrClosed
	}
	return nil
}

// CollectionName returns the collection that holds the chunks of stores
// with spec's embedder and dimension: "<prefix>lexical" without an
// embedder, else "<prefix>d<dims>_<embedder, sanitised>_<hash>".
func (s *Store) CollectionName(spec vectorstore.StoreSpec) string {
	if spec.Embedder == "" {
		return s.set.prefix + "lexical"
	}
	var b strings.Builder
	for _, r := range spec.Embedder {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 48 {
			break
		}
	}
	sum := sha256.Sum256([]byte(spec.Embedder))
	return s.set.prefix + "d" + strconv.Itoa(spec.Dims) + "_" + b.String() + "_" + hex.EncodeToString(sum[:4])
}

func (s *Store) registryName() string { return s.set.prefix + "stores" }

// uuidOf derives a UUID (version 8) from a SHA-256 of parts.
func uuidOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func registryID(storeID string) *qc.PointId { return qc.NewIDUUID(uuidOf("agentloop-store", storeID)) }

func isNotFound(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.NotFound
}

// ensureCollection creates a data (dims >= 0) or registry (dims < 0)
// collection if it does not exist, with its base payload indexes.
func (s *Store) ensureCollection(ctx context.Context, name string, dims int) error {
	s.mu.Lock()
	ok := s.ready[name]
	s.mu.Unlock()
	if ok {
		return nil
	}
	var exists bool
	err := s.set.retry(ctx, "exists", func(ctx context.Context) error {
		var err error
		exists, err = s.client.CollectionExists(ctx, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("qdrant: collection %s: %w", name, err)
	}
	if exists && dims >= 0 {
		if err := s.checkLayout(ctx, name, dims); err != nil {
			return err
		}
	}
	if !exists {
		req := &qc.CreateCollection{CollectionName: name}
		if dims < 0 {
			// The registry holds one point per store, found by id; Qdrant
			// wants a vector, so each carries a one-entry sparse vector.
			req.SparseVectorsConfig = qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{"marker": {}})
		} else {
			req.SparseVectorsConfig = qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{
				sparseVector: {Modifier: qc.Modifier_Idf.Enum()},
			})
			if dims > 0 {
				req.VectorsConfig = qc.NewVectorsConfigMap(map[string]*qc.VectorParams{
					denseVector: {Size: uint64(dims), Distance: qc.Distance_Cosine},
				})
			}
		}
		err := s.set.retry(ctx, "create collection", func(ctx context.Context) error {
			return s.client.CreateCollection(ctx, req)
		})
		if err != nil {
			// Another writer may have created it meanwhile (Qdrant
			// answers "already exists" as a plain invalid argument).
			again, err2 := s.client.CollectionExists(ctx, name)
			if err2 != nil || !again {
				return fmt.Errorf("qdrant: create collection %s: %w", name, err)
			}
		}
	}
	if dims >= 0 {
		wait := true
		for _, ix := range []*qc.CreateFieldIndexCollection{
			{CollectionName: name, Wait: &wait, FieldName: keyStoreID, FieldType: qc.FieldType_FieldTypeKeyword.Enum(),
				FieldIndexParams: qc.NewPayloadIndexParamsKeyword(&qc.KeywordIndexParams{IsTenant: qc.PtrOf(true)})},
			{CollectionName: name, Wait: &wait, FieldName: keyFileID, FieldType: qc.FieldType_FieldTypeKeyword.Enum()},
		} {
			err := s.set.retry(ctx, "create index", func(ctx context.Context) error {
				_, err := s.client.CreateFieldIndex(ctx, ix)
				return err
			})
			if err != nil {
				return fmt.Errorf("qdrant: index %s on %s: %w", ix.FieldName, name, err)
			}
		}
	}
	s.mu.Lock()
	s.ready[name] = true
	s.mu.Unlock()
	return nil
}

// checkLayout verifies that an existing data collection has the vectors
// this package creates: "bm25" sparse and, when dims > 0, "dense" of dims
// with cosine distance. It guards against a collection of the same name
// made by something else.
func (s *Store) checkLayout(ctx context.Context, name string, dims int) error {
	var info *qc.CollectionInfo
	err := s.set.retry(ctx, "get collection", func(ctx context.Context) error {
		var err error
		info, err = s.client.GetCollectionInfo(ctx, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("qdrant: collection %s: %w", name, err)
	}
	params := info.GetConfig().GetParams()
	if _, ok := params.GetSparseVectorsConfig().GetMap()[sparseVector]; !ok {
		return fmt.Errorf("%w: qdrant: collection %s exists without the %q sparse vector; use another CollectionPrefix",
			vectorstore.ErrInvalid, name, sparseVector)
	}
	if dims > 0 {
		v := params.GetVectorsConfig().GetParamsMap().GetMap()[denseVector]
		if v.GetSize() != uint64(dims) || v.GetDistance() != qc.Distance_Cosine {
			return fmt.Errorf("%w: qdrant: collection %s exists without a %d-dims cosine %q vector; use another CollectionPrefix",
				vectorstore.ErrEmbedderMismatch, name, dims, denseVector)
		}
	}
	return nil
}

// lookup returns the registered stores among ids, from the cache or the
// registry; missing ones are absent from the map.
func (s *Store) lookup(ctx context.Context, ids ...string) (map[string]storeInfo, error) {
	found := map[string]storeInfo{}
	var ask []*qc.PointId
	asked := map[string]bool{}
	s.mu.Lock()
	for _, id := range ids {
		if info, ok := s.stores[id]; ok {
			found[id] = info
		} else if !asked[id] {
			asked[id] = true
			ask = append(ask, registryID(id))
		}
	}
	s.mu.Unlock()
	if len(ask) == 0 {
		return found, nil
	}
	var pts []*qc.RetrievedPoint
	err := s.set.retry(ctx, "get stores", func(ctx context.Context) error {
		var err error
		pts, err = s.client.Get(ctx, &qc.GetPoints{CollectionName: s.registryName(), Ids: ask, WithPayload: qc.NewWithPayload(true)})
		return err
	})
	if isNotFound(err) {
		return found, nil // no registry yet: no stores
	}
	if err != nil {
		return nil, fmt.Errorf("qdrant: look up stores: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pts {
		pl := p.GetPayload()
		info := storeInfo{
			spec: vectorstore.StoreSpec{
				ID:       pl[keyStoreID].GetStringValue(),
				Embedder: pl["embedder"].GetStringValue(),
				Dims:     payloadInt(pl, "dims"),
			},
			collection: pl["collection"].GetStringValue(),
			avgTerms:   pl[keyAvgTerms].GetDoubleValue(),
			terms:      payloadInt(pl, keyTermsVersion),
		}
		if info.spec.ID == "" || info.collection == "" {
			continue
		}
		s.stores[info.spec.ID] = info
		found[info.spec.ID] = info
	}
	return found, nil
}

// need returns the infos of ids, failing with ErrNotFound for a missing
// one.
func (s *Store) need(ctx context.Context, ids ...string) (map[string]storeInfo, error) {
	found, err := s.lookup(ctx, ids...)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			return nil, fmt.Errorf("%w: store %q", vectorstore.ErrNotFound, id)
		}
	}
	return found, nil
}

// EnsureStore implements [vectorstore.Store]. It creates the embedder's
// collection (with the tenant index on vector_store_id and a keyword index
// on file_id) if needed and records the store in the registry.
func (s *Store) EnsureStore(ctx context.Context, spec vectorstore.StoreSpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	s.ensureMu.Lock()
	defer s.ensureMu.Unlock()
	found, err := s.lookup(ctx, spec.ID)
	if err != nil {
		return err
	}
	if old, ok := found[spec.ID]; ok {
		if old.spec.Embedder != spec.Embedder || old.spec.Dims != spec.Dims {
			return fmt.Errorf("%w: store %q exists with embedder %q (%d dims), not %q (%d dims)",
				vectorstore.ErrEmbedderMismatch, spec.ID, old.spec.Embedder, old.spec.Dims, spec.Embedder, spec.Dims)
		}
		return nil
	}
	info := storeInfo{spec: spec, collection: s.CollectionName(spec), terms: vectorstore.TermsVersion}
	if err := s.ensureCollection(ctx, info.collection, spec.Dims); err != nil {
		return err
	}
	if err := s.ensureCollection(ctx, s.registryName(), -1); err != nil {
		return err
	}
	wait := true
	pt := &qc.PointStruct{
		Id:      registryID(spec.ID),
		Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"marker": qc.NewVectorSparse([]uint32{0}, []float32{1})}),
		Payload: map[string]*qc.Value{
			keyStoreID:      qc.NewValueString(spec.ID),
			"embedder":      qc.NewValueString(spec.Embedder),
			"dims":          qc.NewValueInt(int64(spec.Dims)),
			"collection":    qc.NewValueString(info.collection),
			keyTermsVersion: qc.NewValueInt(vectorstore.TermsVersion),
		},
	}
	err = s.set.retry(ctx, "register store", func(ctx context.Context) error {
		_, err := s.client.Upsert(ctx, &qc.UpsertPoints{CollectionName: s.registryName(), Wait: &wait, Points: []*qc.PointStruct{pt}})
		return err
	})
	if err != nil {
		return fmt.Errorf("qdrant: register store %q: %w", spec.ID, err)
	}
	s.mu.Lock()
	s.stores[spec.ID] = info
	s.mu.Unlock()
	return nil
}

var (
	_ vectorstore.Store      = (*Store)(nil)
	_ vectorstore.SpecReader = (*Store)(nil)
)

// Spec implements [vectorstore.SpecReader]: the spec storeID was created
// with, from the registry (cached after the first read).
func (s *Store) Spec(ctx context.Context, storeID string) (vectorstore.StoreSpec, error) {
	if err := s.checkOpen(); err != nil {
		return vectorstore.StoreSpec{}, err
	}
	found, err := s.need(ctx, storeID)
	if err != nil {
		return vectorstore.StoreSpec{}, err
	}
	return found[storeID].spec, nil
}

// DeleteStore implements [vectorstore.Store]: it deletes the store's points
// by filter and its registry entry. The collection stays (other stores of
// the embedder may use it).
func (s *Store) DeleteStore(ctx context.Context, storeID string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	found, err := s.lookup(ctx, storeID)
	if err != nil {
		return err
	}
	info, ok := found[storeID]
	if !ok {
		return nil
	}
	if err := s.deletePoints(ctx, info.collection, storeFilter(storeID)); err != nil {
		return fmt.Errorf("qdrant: delete store %q: %w", storeID, err)
	}
	wait := true
	err = s.set.retry(ctx, "unregister store", func(ctx context.Context) error {
		_, err := s.client.Delete(ctx, &qc.DeletePoints{CollectionName: s.registryName(), Wait: &wait,
			Points: qc.NewPointsSelector(registryID(storeID))})
		return err
	})
	if err != nil {
		return fmt.Errorf("qdrant: delete store %q: %w", storeID, err)
	}
	s.mu.Lock()
	delete(s.stores, storeID)
	s.mu.Unlock()
	return nil
}

func storeFilter(storeID string) *qc.Filter {
	return &qc.Filter{Must: []*qc.Condition{qc.NewMatchKeyword(keyStoreID, storeID)}}
}

func fileFilter(storeID, fileID string) *qc.Filter {
	return &qc.Filter{Must: []*qc.Condition{qc.NewMatchKeyword(keyStoreID, storeID), qc.NewMatchKeyword(keyFileID, fileID)}}
}

func (s *Store) deletePoints(ctx context.Context, collection string, f *qc.Filter) error {
	wait := true
	return s.set.retry(ctx, "delete", func(ctx context.Context) error {
		_, err := s.client.Delete(ctx, &qc.DeletePoints{CollectionName: collection, Wait: &wait, Points: qc.NewPointsSelectorFilter(f)})
		return err
	})
}

// Upsert implements [vectorstore.Store]. Point ids are the chunks'
// vectorstore.ChunkID (a UUID), so upserting again overwrites. Points go in
// batches of Options.BatchSize, each applied before the next is sent (wait);
// then each file touched gets the filename, file hash and attributes of its
// last chunk in chunks on all its points: set_payload operations by filter,
// Options.BatchSize files per UpdateBatch request.
func (s *Store) Upsert(ctx context.Context, chunks []vectorstore.Chunk) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if len(chunks) == 0 {
		return nil
	}
	var ids []string
	for i := range chunks {
		if err := chunks[i].Validate(); err != nil {
			return err
		}
		ids = append(ids, chunks[i].StoreID)
	}
	found, err := s.need(ctx, ids...)
	if err != nil {
		return err
	}
	for _, info := range found {
		if err := info.checkTerms(); err != nil {
			return err
		}
	}
	for i := range chunks {
		c := &chunks[i]
		info := found[c.StoreID]
		switch {
		case info.spec.Dims == 0 && len(c.Vector) > 0:
			return fmt.Errorf("%w: chunk %s/%s#%d has a vector but the store has no embedder", vectorstore.ErrInvalid, c.StoreID, c.FileID, c.Ordinal)
		case info.spec.Dims > 0 && len(c.Vector) != info.spec.Dims:
			return fmt.Errorf("%w: chunk %s/%s#%d: vector of %d dims, store %q (%s) has %d",
				vectorstore.ErrInvalid, c.StoreID, c.FileID, c.Ordinal, len(c.Vector), c.StoreID, info.spec.Embedder, info.spec.Dims)
		}
	}
	avg, err := s.avgTerms(ctx, found, chunks)
	if err != nil {
		return err
	}

	type fileKey struct{ store, file string }
	last := map[fileKey]int{}
	var files []fileKey
	byColl := map[string][]*qc.PointStruct{}
	var colls []string
	for i := range chunks {
		c := &chunks[i]
		k := fileKey{c.StoreID, c.FileID}
		if _, ok := last[k]; !ok {
			files = append(files, k)
		}
		last[k] = i
		coll := found[c.StoreID].collection
		if _, ok := byColl[coll]; !ok {
			colls = append(colls, coll)
		}
		byColl[coll] = append(byColl[coll], point(c, avg[c.StoreID]))
	}
	wait := true
	for _, coll := range colls {
		pts := byColl[coll]
		for start := 0; start < len(pts); start += s.set.batch {
			batch := pts[start:min(start+s.set.batch, len(pts))]
			err := s.set.retry(ctx, "upsert", func(ctx context.Context) error {
				_, err := s.client.Upsert(ctx, &qc.UpsertPoints{CollectionName: coll, Wait: &wait, Points: batch})
				return err
			})
			if err != nil {
				return fmt.Errorf("qdrant: upsert %d points into %s: %w", len(batch), coll, err)
			}
		}
	}

	// The file-level fields, from each file's last chunk, on all its points.
	ops := map[string][]*qc.PointsUpdateOperation{}
	for _, k := range files {
		c := &chunks[last[k]]
		coll := found[k.store].collection
		ops[coll] = append(ops[coll], qc.NewPointsUpdateSetPayload(&qc.PointsUpdateOperation_SetPayload{
			Payload: map[string]*qc.Value{
				keyFilename:   qc.NewValueString(c.Filename),
				keyFileHash:   qc.NewValueString(c.FileHash),
				keyAttributes: attrsValue(c.Attributes),
			},
			PointsSelector: qc.NewPointsSelectorFilter(fileFilter(k.store, k.file)),
		}))
	}
	for _, coll := range colls {
		all := ops[coll]
		for start := 0; start < len(all); start += s.set.batch {
			batch := all[start:min(start+s.set.batch, len(all))]
			err := s.set.retry(ctx, "update batch", func(ctx context.Context) error {
				_, err := s.client.UpdateBatch(ctx, &qc.UpdateBatchPoints{CollectionName: coll, Wait: &wait, Operations: batch})
				return err
			})
			if err != nil {
				return fmt.Errorf("qdrant: set file payloads in %s: %w", coll, err)
			}
		}
	}
	return nil
}

// avgTerms returns the BM25 average chunk length of each store in found:
// Options.AvgChunkTerms when set; else the store's recorded one; else, for
// a store without one yet, the mean term count of its chunks in chunks,
// which is then recorded in the registry.
func (s *Store) avgTerms(ctx context.Context, found map[string]storeInfo, chunks []vectorstore.Chunk) (map[string]float64, error) {
	avg := map[string]float64{}
	if s.set.avgChunkTerms > 0 {
		for id := range found {
			avg[id] = s.set.avgChunkTerms
		}
		return avg, nil
	}
	s.avgMu.Lock()
	defer s.avgMu.Unlock()
	sum, n := map[string]int{}, map[string]int{}
	for i := range chunks {
		c := &chunks[i]
		s.mu.Lock()
		known := s.stores[c.StoreID].avgTerms
		s.mu.Unlock()
		if known > 0 {
			avg[c.StoreID] = known
			continue
		}
		sum[c.StoreID] += len(vectorstore.Terms(c.Text))
		n[c.StoreID]++
	}
	for id, total := range sum {
		if total == 0 {
			continue // no terms yet: nothing to normalise
		}
		a := float64(total) / float64(n[id])
		wait := true
		err := s.set.retry(ctx, "record average", func(ctx context.Context) error {
			_, err := s.client.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: s.registryName(), Wait: &wait,
				Payload:        map[string]*qc.Value{keyAvgTerms: qc.NewValueDouble(a)},
				PointsSelector: qc.NewPointsSelector(registryID(id))})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("qdrant: store %q: record average chunk length: %w", id, err)
		}
		s.mu.Lock()
		if info, ok := s.stores[id]; ok {
			info.avgTerms = a
			s.stores[id] = info
		}
		s.mu.Unlock()
		avg[id] = a
	}
	return avg, nil
}

func point(c *vectorstore.Chunk, avgTerms float64) *qc.PointStruct {
	id := vectorstore.ChunkID(c.StoreID, c.FileID, c.Ordinal)
	sv := docVector(c.Text, avgTerms)
	vecs := map[string]*qc.Vector{sparseVector: qc.NewVectorSparse(sv.indices, sv.values)}
	if len(c.Vector) > 0 {
		vecs[denseVector] = qc.NewVectorDense(c.Vector) // only read, while Upsert runs
	}
	return &qc.PointStruct{
		Id:      qc.NewIDUUID(id),
		Vectors: qc.NewVectorsMap(vecs),
		Payload: map[string]*qc.Value{
			keyChunkID:    qc.NewValueString(id),
			keyStoreID:    qc.NewValueString(c.StoreID),
			keyFileID:     qc.NewValueString(c.FileID),
			keyFilename:   qc.NewValueString(c.Filename),
			keyOrdinal:    qc.NewValueInt(int64(c.Ordinal)),
			keyText:       qc.NewValueString(c.Text),
			keyFileHash:   qc.NewValueString(c.FileHash),
			keyAttributes: attrsValue(c.Attributes),
		},
	}
}

func (s *Store) setPayload(ctx context.Context, collection string, f *qc.Filter, payload map[string]*qc.Value) error {
	wait := true
	return s.set.retry(ctx, "set payload", func(ctx context.Context) error {
		_, err := s.client.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: collection, Wait: &wait,
			Payload: payload, PointsSelector: qc.NewPointsSelectorFilter(f)})
		return err
	})
}

// DeleteFile implements [vectorstore.Store] with a delete by filter.
func (s *Store) DeleteFile(ctx context.Context, storeID, fileID string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	found, err := s.need(ctx, storeID)
	if err != nil {
		return err
	}
	if err := s.deletePoints(ctx, found[storeID].collection, fileFilter(storeID, fileID)); err != nil {
		return fmt.Errorf("qdrant: delete file %s/%s: %w", storeID, fileID, err)
	}
	return nil
}

// SetAttributes implements [vectorstore.Store]: it replaces the
// "attributes" payload object of the file's points (set_payload by filter)
// after checking the file exists (an exact count).
func (s *Store) SetAttributes(ctx context.Context, storeID, fileID string, attrs vectorstore.Attributes) error {
	if err := attrs.Validate(); err != nil {
		return fmt.Errorf("%w: file %s/%s: %w", vectorstore.ErrInvalid, storeID, fileID, err)
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	found, err := s.need(ctx, storeID)
	if err != nil {
		return err
	}
	coll := found[storeID].collection
	var n uint64
	err = s.set.retry(ctx, "count", func(ctx context.Context) error {
		var err error
		n, err = s.client.Count(ctx, &qc.CountPoints{CollectionName: coll, Filter: fileFilter(storeID, fileID), Exact: qc.PtrOf(true)})
		return err
	})
	if err != nil {
		return fmt.Errorf("qdrant: set attributes of %s/%s: %w", storeID, fileID, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: file %q in store %q", vectorstore.ErrNotFound, fileID, storeID)
	}
	if err := s.setPayload(ctx, coll, fileFilter(storeID, fileID), map[string]*qc.Value{keyAttributes: attrsValue(attrs)}); err != nil {
		return fmt.Errorf("qdrant: set attributes of %s/%s: %w", storeID, fileID, err)
	}
	return nil
}

// Files implements [vectorstore.Store] by scrolling the store's points.
func (s *Store) Files(ctx context.Context, storeID string) ([]vectorstore.File, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	found, err := s.need(ctx, storeID)
	if err != nil {
		return nil, err
	}
	coll := found[storeID].collection
	files := map[string]*vectorstore.File{}
	var offset *qc.PointId
	for {
		var pts []*qc.RetrievedPoint
		var next *qc.PointId
		err := s.set.retry(ctx, "scroll", func(ctx context.Context) error {
			var err error
			pts, next, err = s.client.ScrollAndOffset(ctx, &qc.ScrollPoints{
				CollectionName: coll,
				Filter:         storeFilter(storeID),
				Offset:         offset,
				Limit:          qc.PtrOf(uint32(s.set.batch)),
				WithPayload:    qc.NewWithPayloadInclude(keyFileID, keyFilename, keyAttributes, keyFileHash),
			})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("qdrant: files of %q: %w", storeID, err)
		}
		for _, p := range pts {
			pl := p.GetPayload()
			id := pl[keyFileID].GetStringValue()
			f := files[id]
			if f == nil {
				f = &vectorstore.File{ID: id, Filename: pl[keyFilename].GetStringValue(),
					Attributes: attrsFrom(pl[keyAttributes]), FileHash: pl[keyFileHash].GetStringValue()}
				files[id] = f
			}
			f.Chunks++
		}
		if next == nil || len(pts) == 0 {
			break
		}
		offset = next
	}
	out := make([]vectorstore.File, 0, len(files))
	for _, f := range files {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b vectorstore.File) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ensureIndexes requests, best effort and without waiting, the payload
// indexes a filter's keys want (keyword, float, bool or datetime). Qdrant
// keeps one index per field, so the first kind requested for a key stays.
// Failures are logged, not returned: filters work without indexes.
func (s *Store) ensureIndexes(ctx context.Context, collection string, want map[string]indexKind) {
	for path, kind := range want {
		k := collection + "\x00" + path
		s.mu.Lock()
		done := s.indexed[k]
		s.indexed[k] = true
		s.mu.Unlock()
		if done {
			continue
		}
		wait := false
		_, err := s.client.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{
			CollectionName: collection, Wait: &wait, FieldName: path, FieldType: kind.Enum()})
		if err != nil {
			// Try again on a later search only if the failure may pass
			// (not, say, with a read-only API key).
			if again, _ := retryable(err); again {
				s.mu.Lock()
				delete(s.indexed, k)
				s.mu.Unlock()
			}
			s.set.log.DebugContext(ctx, "qdrant: payload index not created", "collection", collection, "field", path, "err", err)
		}
	}
}

// Client returns the Qdrant client the Store uses.
func (s *Store) Client() *qc.Client { return s.client }

// CollectionPrefix returns the prefix of the Store's collection names.
func (s *Store) CollectionPrefix() string { return s.set.prefix }

// Addr returns the host:port New connected to ("" for NewFromClient).
func (s *Store) Addr() string { return s.addr }

// DBSystemName returns "qdrant", the db.system.name of the retrieval spans
// the file_search tool emits over this store.
func (s *Store) DBSystemName() string { return "qdrant" }

// ServerAddress returns the host and port New connected to ("" and 0 for
// NewFromClient), for the server.* attributes of retrieval spans.
func (s *Store) ServerAddress() (host string, port int) {
	h, p, err := net.SplitHostPort(s.addr)
	if err != nil {
		return "", 0
	}
	port, _ = strconv.Atoi(p)
	return h, port
}
