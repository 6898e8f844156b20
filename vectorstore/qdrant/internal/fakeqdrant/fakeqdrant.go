// Package fakeqdrant is an in-process Qdrant server for tests, built from the
// gRPC service interfaces that github.com/qdrant/go-client generates
// (qdrant.RegisterPointsServer, RegisterCollectionsServer,
// RegisterQdrantServer). It listens on 127.0.0.1 and implements the subset
// of the API the vectorstore/qdrant backend uses: health check; collection
// create, exists, get, list and delete; field indexes; point upsert, get,
// delete (by ids or filter) and set payload (by ids or filter); and query /
// query batch with nested prefetches, nearest dense (cosine, dot) and
// sparse (dot product, with the IDF modifier computed over the collection)
// scoring, RRF (weighted, Qdrant's formula) and DBSF fusion, filters and
// score thresholds. Every other method answers codes.Unimplemented.
//
// It exists because no real Qdrant server can be installed where the
// project's tests run (no Debian package, no container engine, release
// downloads blocked), so the behaviours the backend relies on are
// reproduced here following Qdrant's own semantics, as documented in the
// comments next to each one.
package fakeqdrant

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Version is the server version the fake reports in its health check.
const Version = "1.17.0"

// Options configure a [Server]. A nil *Options is valid.
type Options struct {
	// Intercept, when set, runs before every call with the server-side
	// context and the full gRPC method name (such as
	// "/qdrant.Points/Upsert"). A non-nil error is returned to the client
	// instead of running the call, which lets tests inject failures; it
	// may set trailers with grpc.SetTrailer (Qdrant sends "retry-after"
	// with ResourceExhausted).
	Intercept func(ctx context.Context, method string) error

	// APIKey, when set, makes every call without a matching "api-key"
	// metadata value fail with codes.Unauthenticated, as Qdrant does.
	APIKey string

	// TLSConfig, when set, makes the server speak TLS with it (its
	// certificates).
	TLSConfig *tls.Config

	// Listener, when set, is served instead of a new TCP listener on
	// 127.0.0.1, such as a [PipeListener] for tests inside a
	// testing/synctest bubble. Close closes it.
	Listener net.Listener
}

// Server is a running fake Qdrant. It is safe for concurrent use.
type Server struct {
	opts Options
	lis  net.Listener
	grpc *grpc.Server
	done chan struct{}

	mu          sync.Mutex
	collections map[string]*collection
	calls       map[string]int
}

// Start starts a server on 127.0.0.1 on a free port. Close stops it.
func Start(opts *Options) (*Server, error) {
	s := &Server{done: make(chan struct{}), collections: map[string]*collection{}, calls: map[string]int{}}
	if opts != nil {
		s.opts = *opts
	}
	lis := s.opts.Listener
	if lis == nil {
		var err error
		lis, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("fakeqdrant: listen: %w", err)
		}
	}
	s.lis = lis
	sopts := []grpc.ServerOption{grpc.UnaryInterceptor(s.intercept)}
	if s.opts.TLSConfig != nil {
		sopts = append(sopts, grpc.Creds(credentials.NewTLS(s.opts.TLSConfig)))
	}
	s.grpc = grpc.NewServer(sopts...)
	qdrant.RegisterQdrantServer(s.grpc, qdrantService{})
	qdrant.RegisterCollectionsServer(s.grpc, collectionsService{s: s})
	qdrant.RegisterPointsServer(s.grpc, pointsService{s: s})
	go func() {
		defer close(s.done)
		_ = s.grpc.Serve(lis) // returns when Close stops the server
	}()
	return s, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// Close stops the server, closing open connections, and waits for it.
func (s *Server) Close() {
	s.grpc.Stop()
	<-s.done
}

// Calls returns how many times the named method (such as
// "/qdrant.Points/QueryBatch") was called, counting intercepted calls.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Collections returns the names of the existing collections, sorted.
func (s *Server) Collections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.collections))
	for n := range s.collections {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// PointCount returns the number of points in the named collection.
func (s *Server) PointCount(collection string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.collections[collection]; c != nil {
		return len(c.points)
	}
	return 0
}

// Indexes returns the field indexes of the named collection: field name to
// field type.
func (s *Server) Indexes(collection string) map[string]qdrant.FieldType {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]qdrant.FieldType{}
	if c := s.collections[collection]; c != nil {
		for k, v := range c.indexes {
			out[k] = v.GetFieldType()
		}
	}
	return out
}

// Index returns the request that created the named field index, or nil.
func (s *Server) Index(collection, field string) *qdrant.CreateFieldIndexCollection {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.collections[collection]; c != nil {
		if ix := c.indexes[field]; ix != nil {
			return proto.Clone(ix).(*qdrant.CreateFieldIndexCollection)
		}
	}
	return nil
}

func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	s.mu.Lock()
	s.calls[info.FullMethod]++
	s.mu.Unlock()
	if s.opts.APIKey != "" {
		md, _ := metadata.FromIncomingContext(ctx)
		if v := md.Get("api-key"); len(v) == 0 || v[0] != s.opts.APIKey {
			return nil, status.Error(codes.Unauthenticated, "Invalid api-key")
		}
	}
	if s.opts.Intercept != nil {
		if err := s.opts.Intercept(ctx, info.FullMethod); err != nil {
			return nil, err
		}
	}
	return h(ctx, req)
}

// ---- Qdrant service ----

type qdrantService struct {
	qdrant.UnimplementedQdrantServer
}

func (qdrantService) HealthCheck(context.Context, *qdrant.HealthCheckRequest) (*qdrant.HealthCheckReply, error) {
	return &qdrant.HealthCheckReply{Title: "qdrant - vector search engine (fakeqdrant)", Version: Version}, nil
}

// ---- collections ----

type collection struct {
	name    string
	config  *qdrant.CreateCollection
	dense   map[string]*qdrant.VectorParams // "" for the unnamed vector
	sparse  map[string]*qdrant.SparseVectorParams
	points  map[string]*point
	indexes map[string]*qdrant.CreateFieldIndexCollection
}

type point struct {
	key     string
	id      *qdrant.PointId
	dense   map[string][]float32
	sparse  map[string]map[uint32]float32
	payload map[string]*qdrant.Value
}

type collectionsService struct {
	qdrant.UnimplementedCollectionsServer
	s *Server
}

// Qdrant rejects collection names with these characters or over 255 bytes.
const badNameChars = "<>:\"/\\|?*\x00"

func (cs collectionsService) Create(_ context.Context, req *qdrant.CreateCollection) (*qdrant.CollectionOperationResponse, error) {
	name := req.GetCollectionName()
	if name == "" || len(name) > 255 || strings.ContainsAny(name, badNameChars) {
		return nil, status.Errorf(codes.InvalidArgument, "Validation error in body: collection_name %q is not valid", name)
	}
	c := &collection{
		name:    name,
		config:  proto.Clone(req).(*qdrant.CreateCollection),
		dense:   map[string]*qdrant.VectorParams{},
		sparse:  map[string]*qdrant.SparseVectorParams{},
		points:  map[string]*point{},
		indexes: map[string]*qdrant.CreateFieldIndexCollection{},
	}
	switch vc := req.GetVectorsConfig().GetConfig().(type) {
	case *qdrant.VectorsConfig_Params:
		c.dense[""] = vc.Params
	case *qdrant.VectorsConfig_ParamsMap:
		for n, p := range vc.ParamsMap.GetMap() {
			c.dense[n] = p
		}
	}
	for n, p := range c.dense {
		if p.GetSize() == 0 {
			return nil, status.Errorf(codes.InvalidArgument, "Validation error in body: vector %q: size must be at least 1", n)
		}
		switch p.GetDistance() {
		case qdrant.Distance_Cosine, qdrant.Distance_Dot:
		default:
			return nil, status.Errorf(codes.Unimplemented, "fakeqdrant: distance %v is not implemented", p.GetDistance())
		}
	}
	for n, p := range req.GetSparseVectorsConfig().GetMap() {
		c.sparse[n] = p
	}
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	if _, ok := cs.s.collections[name]; ok {
		// Qdrant answers this with InvalidArgument ("Wrong input").
		return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Collection `%s` already exists!", name)
	}
	cs.s.collections[name] = c
	return &qdrant.CollectionOperationResponse{Result: true}, nil
}

func (cs collectionsService) CollectionExists(_ context.Context, req *qdrant.CollectionExistsRequest) (*qdrant.CollectionExistsResponse, error) {
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	_, ok := cs.s.collections[req.GetCollectionName()]
	return &qdrant.CollectionExistsResponse{Result: &qdrant.CollectionExists{Exists: ok}}, nil
}

func (cs collectionsService) Get(_ context.Context, req *qdrant.GetCollectionInfoRequest) (*qdrant.GetCollectionInfoResponse, error) {
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	c, err := cs.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	n := uint64(len(c.points))
	schema := map[string]*qdrant.PayloadSchemaInfo{}
	for f, ix := range c.indexes {
		schema[f] = &qdrant.PayloadSchemaInfo{DataType: qdrant.PayloadSchemaType(ix.GetFieldType() + 1), Params: ix.FieldIndexParams}
	}
	return &qdrant.GetCollectionInfoResponse{Result: &qdrant.CollectionInfo{
		Status:        qdrant.CollectionStatus_Green,
		SegmentsCount: 1,
		PointsCount:   &n,
		PayloadSchema: schema,
		Config: &qdrant.CollectionConfig{Params: &qdrant.CollectionParams{
			ShardNumber:         1,
			VectorsConfig:       c.config.VectorsConfig,
			SparseVectorsConfig: c.config.SparseVectorsConfig,
		}},
	}}, nil
}

func (cs collectionsService) List(context.Context, *qdrant.ListCollectionsRequest) (*qdrant.ListCollectionsResponse, error) {
	resp := &qdrant.ListCollectionsResponse{}
	for _, n := range cs.s.Collections() {
		resp.Collections = append(resp.Collections, &qdrant.CollectionDescription{Name: n})
	}
	return resp, nil
}

func (cs collectionsService) Delete(_ context.Context, req *qdrant.DeleteCollection) (*qdrant.CollectionOperationResponse, error) {
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	_, ok := cs.s.collections[req.GetCollectionName()]
	delete(cs.s.collections, req.GetCollectionName())
	return &qdrant.CollectionOperationResponse{Result: ok}, nil
}

// collection returns the named collection; s.mu must be held.
func (s *Server) collection(name string) (*collection, error) {
	c, ok := s.collections[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

// ---- points ----

type pointsService struct {
	qdrant.UnimplementedPointsServer
	s *Server
}

func completed() *qdrant.PointsOperationResponse {
	return &qdrant.PointsOperationResponse{Result: &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Completed}}
}

func (ps pointsService) CreateFieldIndex(_ context.Context, req *qdrant.CreateFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.GetFieldName() == "" {
		return nil, status.Error(codes.InvalidArgument, "Validation error: field_name must not be empty")
	}
	// Qdrant keeps one index per field: a new one replaces the old.
	c.indexes[req.GetFieldName()] = proto.Clone(req).(*qdrant.CreateFieldIndexCollection)
	return completed(), nil
}

func (ps pointsService) Upsert(_ context.Context, req *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.UpdateFilter != nil || req.UpdateMode != nil {
		return nil, status.Error(codes.Unimplemented, "fakeqdrant: conditional upserts are not implemented")
	}
	if err := c.upsert(req.GetPoints()); err != nil {
		return nil, err
	}
	return completed(), nil
}

// upsert validates every point first, as Qdrant applies a batch all or
// nothing, then stores them.
func (c *collection) upsert(points []*qdrant.PointStruct) error {
	pts := make([]*point, 0, len(points))
	for _, ps := range points {
		p, err := c.newPoint(ps)
		if err != nil {
			return err
		}
		pts = append(pts, p)
	}
	for _, p := range pts {
		c.points[p.key] = p
	}
	return nil
}

// newPoint validates a PointStruct against the collection's vector config.
func (c *collection) newPoint(ps *qdrant.PointStruct) (*point, error) {
	key, id, err := pointKey(ps.GetId())
	if err != nil {
		return nil, err
	}
	p := &point{key: key, id: id, dense: map[string][]float32{}, sparse: map[string]map[uint32]float32{},
		payload: clonePayload(ps.GetPayload())}
	vecs := map[string]*qdrant.Vector{}
	switch v := ps.GetVectors().GetVectorsOptions().(type) {
	case *qdrant.Vectors_Vector:
		vecs[""] = v.Vector
	case *qdrant.Vectors_Vectors:
		vecs = v.Vectors.GetVectors()
	}
	for name, v := range vecs {
		switch {
		// Older clients send the deprecated data/indices fields, which
		// Qdrant still accepts.
		case v.GetSparse() != nil || v.GetIndices() != nil: //nolint:staticcheck // SA1019: deprecated fields still accepted
			if _, ok := c.sparse[name]; !ok {
				return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Not existing vector name error: %s", name)
			}
			idx, vals := v.GetSparse().GetIndices(), v.GetSparse().GetValues()
			if v.GetSparse() == nil {
				idx, vals = v.GetIndices().GetData(), v.GetData() //nolint:staticcheck // SA1019: deprecated fields still accepted
			}
			if len(idx) != len(vals) {
				return nil, status.Error(codes.InvalidArgument, "Validation error: sparse vector indices and values must have the same length")
			}
			m := make(map[uint32]float32, len(idx))
			for i, ix := range idx {
				if _, dup := m[ix]; dup {
					return nil, status.Error(codes.InvalidArgument, "Validation error: sparse vector indices must be unique")
				}
				m[ix] = vals[i]
			}
			p.sparse[name] = m
		default:
			params, ok := c.dense[name]
			if !ok {
				return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Not existing vector name error: %s", name)
			}
			data := v.GetDense().GetData()
			if v.GetDense() == nil {
				data = v.GetData() //nolint:staticcheck // SA1019: deprecated fields still accepted
			}
			if uint64(len(data)) != params.GetSize() {
				return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", params.GetSize(), len(data))
			}
			p.dense[name] = prepareDense(data, params.GetDistance())
		}
	}
	return p, nil
}

// prepareDense copies v, normalising it for cosine distance as Qdrant does
// on insert (a zero vector stays zero).
func prepareDense(v []float32, d qdrant.Distance) []float32 {
	out := slices.Clone(v)
	if d != qdrant.Distance_Cosine {
		return out
	}
	var n float64
	for _, x := range out {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return out
	}
	n = math.Sqrt(n)
	for i := range out {
		out[i] = float32(float64(out[i]) / n)
	}
	return out
}

func pointKey(id *qdrant.PointId) (string, *qdrant.PointId, error) {
	switch v := id.GetPointIdOptions().(type) {
	case *qdrant.PointId_Num:
		return fmt.Sprintf("n:%d", v.Num), qdrant.NewIDNum(v.Num), nil
	case *qdrant.PointId_Uuid:
		u, ok := normUUID(v.Uuid)
		if !ok {
			return "", nil, status.Errorf(codes.InvalidArgument, "Unable to parse UUID: %s", v.Uuid)
		}
		return "u:" + u, qdrant.NewIDUUID(u), nil
	}
	return "", nil, status.Error(codes.InvalidArgument, "Validation error: point id is missing")
}

// normUUID accepts the hyphenated and the simple (32 hex digits) forms and
// returns the lower-case hyphenated form, as Qdrant reports ids.
func normUUID(s string) (string, bool) {
	h := strings.ToLower(strings.ReplaceAll(s, "-", ""))
	if len(h) != 32 || (len(s) != 32 && len(s) != 36) {
		return "", false
	}
	for _, r := range h {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return "", false
		}
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}

func clonePayload(p map[string]*qdrant.Value) map[string]*qdrant.Value {
	out := make(map[string]*qdrant.Value, len(p))
	for k, v := range p {
		out[k] = proto.Clone(v).(*qdrant.Value)
	}
	return out
}

// selected returns the points a selector picks, in no particular order.
func (c *collection) selected(sel *qdrant.PointsSelector) ([]*point, error) {
	var out []*point
	switch v := sel.GetPointsSelectorOneOf().(type) {
	case *qdrant.PointsSelector_Points:
		for _, id := range v.Points.GetIds() {
			key, _, err := pointKey(id)
			if err != nil {
				return nil, err
			}
			if p := c.points[key]; p != nil {
				out = append(out, p)
			}
		}
	case *qdrant.PointsSelector_Filter:
		for _, p := range c.points {
			ok, err := matchFilter(v.Filter, p)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, p)
			}
		}
	default:
		return nil, status.Error(codes.InvalidArgument, "Validation error: points selector is missing")
	}
	return out, nil
}

func (c *collection) sortedPoints() []*point {
	pts := make([]*point, 0, len(c.points))
	for _, p := range c.points {
		pts = append(pts, p)
	}
	slices.SortFunc(pts, func(a, b *point) int { return comparePoints(a, b) })
	return pts
}

// comparePoints orders numeric ids before UUIDs, each in natural order, as
// Qdrant's scroll does.
func comparePoints(a, b *point) int {
	an, aNum := a.id.GetPointIdOptions().(*qdrant.PointId_Num)
	bn, bNum := b.id.GetPointIdOptions().(*qdrant.PointId_Num)
	switch {
	case aNum && bNum:
		return cmp.Compare(an.Num, bn.Num)
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return strings.Compare(a.key, b.key)
}

func (ps pointsService) Delete(_ context.Context, req *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if err := c.delete(req.GetPoints()); err != nil {
		return nil, err
	}
	return completed(), nil
}

func (c *collection) delete(sel *qdrant.PointsSelector) error {
	pts, err := c.selected(sel)
	if err != nil {
		return err
	}
	for _, p := range pts {
		delete(c.points, p.key)
	}
	return nil
}

func (ps pointsService) SetPayload(_ context.Context, req *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	return ps.setPayload(req, false)
}

func (ps pointsService) OverwritePayload(_ context.Context, req *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	return ps.setPayload(req, true)
}

func (ps pointsService) setPayload(req *qdrant.SetPayloadPoints, overwrite bool) (*qdrant.PointsOperationResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if err := c.setPayload(req.GetPayload(), req.GetPointsSelector(), req.Key, overwrite); err != nil {
		return nil, err
	}
	return completed(), nil
}

// setPayload merges (or, overwriting, replaces) the payload of the
// selected points. Merging replaces each given top-level key (or, with key,
// each key of the object at that path) and keeps the others, as Qdrant's
// set_payload does.
func (c *collection) setPayload(payload map[string]*qdrant.Value, sel *qdrant.PointsSelector, key *string, overwrite bool) error {
	if key != nil && (overwrite || strings.ContainsAny(*key, ".[\"")) {
		return status.Error(codes.Unimplemented, "fakeqdrant: only a top-level key is implemented for set_payload")
	}
	pts, err := c.selected(sel)
	if err != nil {
		return err
	}
	for _, p := range pts {
		target := p.payload
		if overwrite {
			p.payload = map[string]*qdrant.Value{}
			target = p.payload
		}
		if key != nil {
			obj := p.payload[*key].GetStructValue()
			if obj == nil {
				obj = &qdrant.Struct{Fields: map[string]*qdrant.Value{}}
				p.payload[*key] = qdrant.NewValueStruct(obj)
			}
			if obj.Fields == nil {
				obj.Fields = map[string]*qdrant.Value{}
			}
			target = obj.Fields
		}
		for k, v := range payload {
			target[k] = proto.Clone(v).(*qdrant.Value)
		}
	}
	return nil
}

// UpdateBatch applies its operations in order (upsert, delete, set and
// overwrite payload), stopping at the first failure, as Qdrant does.
func (ps pointsService) UpdateBatch(_ context.Context, req *qdrant.UpdateBatchPoints) (*qdrant.UpdateBatchResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	resp := &qdrant.UpdateBatchResponse{}
	for _, op := range req.GetOperations() {
		var err error
		switch o := op.GetOperation().(type) {
		case *qdrant.PointsUpdateOperation_Upsert:
			if o.Upsert.UpdateFilter != nil || o.Upsert.UpdateMode != nil {
				return nil, status.Error(codes.Unimplemented, "fakeqdrant: conditional upserts are not implemented")
			}
			err = c.upsert(o.Upsert.GetPoints())
		case *qdrant.PointsUpdateOperation_DeletePoints_:
			err = c.delete(o.DeletePoints.GetPoints())
		case *qdrant.PointsUpdateOperation_SetPayload_:
			err = c.setPayload(o.SetPayload.GetPayload(), o.SetPayload.GetPointsSelector(), o.SetPayload.Key, false)
		case *qdrant.PointsUpdateOperation_OverwritePayload_:
			err = c.setPayload(o.OverwritePayload.GetPayload(), o.OverwritePayload.GetPointsSelector(), o.OverwritePayload.Key, true)
		default:
			err = status.Errorf(codes.Unimplemented, "fakeqdrant: update operation %T is not implemented", o)
		}
		if err != nil {
			return nil, err
		}
		resp.Result = append(resp.Result, &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Completed})
	}
	return resp, nil
}

func (ps pointsService) Get(_ context.Context, req *qdrant.GetPoints) (*qdrant.GetResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	pts, err := c.selected(qdrant.NewPointsSelectorIDs(req.GetIds()))
	if err != nil {
		return nil, err
	}
	resp := &qdrant.GetResponse{}
	for _, p := range pts {
		resp.Result = append(resp.Result, &qdrant.RetrievedPoint{
			Id:      proto.Clone(p.id).(*qdrant.PointId),
			Payload: selectPayload(p.payload, req.GetWithPayload()),
			Vectors: selectVectors(p, req.GetWithVectors()),
		})
	}
	return resp, nil
}

// selectVectors applies a with_vectors selector to p's dense vectors (the
// only ones it returns). Qdrant returns none when the selector is absent.
func selectVectors(p *point, sel *qdrant.WithVectorsSelector) *qdrant.VectorsOutput {
	var names []string
	switch v := sel.GetSelectorOptions().(type) {
	case *qdrant.WithVectorsSelector_Enable:
		if !v.Enable {
			return nil
		}
		for name := range p.dense {
			names = append(names, name)
		}
	case *qdrant.WithVectorsSelector_Include:
		names = v.Include.GetNames()
	default:
		return nil
	}
	out := map[string]*qdrant.VectorOutput{}
	for _, name := range names {
		if vec, ok := p.dense[name]; ok {
			out[name] = &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: append([]float32(nil), vec...)}}}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vectors{Vectors: &qdrant.NamedVectorsOutput{Vectors: out}}}
}

func (ps pointsService) Count(_ context.Context, req *qdrant.CountPoints) (*qdrant.CountResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	n := uint64(0)
	for _, p := range c.points {
		ok, err := matchFilter(req.GetFilter(), p)
		if err != nil {
			return nil, err
		}
		if ok {
			n++
		}
	}
	return &qdrant.CountResponse{Result: &qdrant.CountResult{Count: n}}, nil
}

func (ps pointsService) Scroll(_ context.Context, req *qdrant.ScrollPoints) (*qdrant.ScrollResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	limit := int(cmp.Or(req.GetLimit(), 10))
	var offset *point
	if req.Offset != nil {
		key, id, err := pointKey(req.GetOffset())
		if err != nil {
			return nil, err
		}
		offset = &point{key: key, id: id}
	}
	resp := &qdrant.ScrollResponse{}
	for _, p := range c.sortedPoints() {
		if offset != nil && comparePoints(p, offset) < 0 {
			continue
		}
		ok, err := matchFilter(req.GetFilter(), p)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if len(resp.Result) == limit {
			resp.NextPageOffset = proto.Clone(p.id).(*qdrant.PointId)
			break
		}
		resp.Result = append(resp.Result, &qdrant.RetrievedPoint{
			Id:      proto.Clone(p.id).(*qdrant.PointId),
			Payload: selectPayload(p.payload, req.GetWithPayload()),
		})
	}
	return resp, nil
}

// selectPayload applies a with_payload selector. Qdrant returns no payload
// when the selector is absent.
func selectPayload(p map[string]*qdrant.Value, sel *qdrant.WithPayloadSelector) map[string]*qdrant.Value {
	switch v := sel.GetSelectorOptions().(type) {
	case *qdrant.WithPayloadSelector_Enable:
		if v.Enable {
			return clonePayload(p)
		}
	case *qdrant.WithPayloadSelector_Include:
		out := map[string]*qdrant.Value{}
		for _, f := range v.Include.GetFields() {
			if x, ok := p[f]; ok {
				out[f] = proto.Clone(x).(*qdrant.Value)
			}
		}
		return out
	case *qdrant.WithPayloadSelector_Exclude:
		out := clonePayload(p)
		for _, f := range v.Exclude.GetFields() {
			delete(out, f)
		}
		return out
	}
	return nil
}

func (ps pointsService) Query(_ context.Context, req *qdrant.QueryPoints) (*qdrant.QueryResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	res, err := c.query(req)
	if err != nil {
		return nil, err
	}
	return &qdrant.QueryResponse{Result: res}, nil
}

func (ps pointsService) QueryBatch(_ context.Context, req *qdrant.QueryBatchPoints) (*qdrant.QueryBatchResponse, error) {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	c, err := ps.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	resp := &qdrant.QueryBatchResponse{}
	for _, q := range req.GetQueryPoints() {
		if q.GetCollectionName() != "" && q.GetCollectionName() != c.name {
			return nil, status.Error(codes.InvalidArgument, "Wrong input: all queries of a batch must target its collection")
		}
		res, err := c.query(q)
		if err != nil {
			return nil, err
		}
		resp.Result = append(resp.Result, &qdrant.BatchResult{Result: res})
	}
	return resp, nil
}

// ---- query evaluation ----

// node is the part QueryPoints and PrefetchQuery share.
type node struct {
	prefetch  []*qdrant.PrefetchQuery
	query     *qdrant.Query
	using     string
	filter    *qdrant.Filter
	threshold *float32
	limit     int
}

type scored struct {
	p     *point
	score float32
}

func (c *collection) query(req *qdrant.QueryPoints) ([]*qdrant.ScoredPoint, error) {
	if req.Offset != nil || req.LookupFrom != nil {
		return nil, status.Error(codes.Unimplemented, "fakeqdrant: offset and lookup_from are not implemented")
	}
	n := node{prefetch: req.GetPrefetch(), query: req.GetQuery(), using: req.GetUsing(), filter: req.GetFilter(),
		threshold: req.ScoreThreshold, limit: int(cmp.Or(req.GetLimit(), 10))}
	res, err := c.eval(n, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*qdrant.ScoredPoint, len(res))
	for i, r := range res {
		out[i] = &qdrant.ScoredPoint{
			Id:      proto.Clone(r.p.id).(*qdrant.PointId),
			Score:   r.score,
			Payload: selectPayload(r.p.payload, req.GetWithPayload()),
		}
	}
	return out, nil
}

// eval runs one level of a query. The filters of enclosing levels are
// propagated down (Qdrant applies a query's filter to its prefetches too).
func (c *collection) eval(n node, inherited []*qdrant.Filter) ([]scored, error) {
	filters := inherited
	if n.filter != nil {
		filters = append(slices.Clip(inherited), n.filter)
	}
	if len(n.prefetch) == 0 {
		return c.search(n, filters)
	}
	lists := make([][]scored, len(n.prefetch))
	for i, pf := range n.prefetch {
		sub := node{prefetch: pf.GetPrefetch(), query: pf.GetQuery(), using: pf.GetUsing(), filter: pf.GetFilter(),
			threshold: pf.ScoreThreshold, limit: int(cmp.Or(pf.GetLimit(), 10))}
		res, err := c.eval(sub, filters)
		if err != nil {
			return nil, err
		}
		lists[i] = res
	}
	var res []scored
	switch q := n.query.GetVariant().(type) {
	case *qdrant.Query_Fusion:
		switch q.Fusion {
		case qdrant.Fusion_RRF:
			res = rrf(lists, 2, nil)
		case qdrant.Fusion_DBSF:
			res = dbsf(lists)
		default:
			return nil, status.Errorf(codes.Unimplemented, "fakeqdrant: fusion %v is not implemented", q.Fusion)
		}
	case *qdrant.Query_Rrf:
		k := 2 // Qdrant's DEFAULT_RRF_K
		if q.Rrf.K != nil {
			if q.Rrf.GetK() < 1 {
				return nil, status.Error(codes.InvalidArgument, "Validation error: rrf.k must be at least 1")
			}
			k = int(q.Rrf.GetK())
		}
		w := q.Rrf.GetWeights()
		if len(w) > 0 && len(w) != len(lists) {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: rrf weights (%d) must match the number of prefetches (%d)", len(w), len(lists))
		}
		res = rrf(lists, k, w)
	case *qdrant.Query_Nearest:
		// Rescore the union of the prefetched candidates.
		seen := map[string]*point{}
		for _, l := range lists {
			for _, s := range l {
				seen[s.p.key] = s.p
			}
		}
		cands := make([]*point, 0, len(seen))
		for _, p := range seen {
			cands = append(cands, p)
		}
		var err error
		res, err = c.score(q.Nearest, n.using, cands)
		if err != nil {
			return nil, err
		}
	case nil:
		if len(lists) != 1 {
			return nil, status.Error(codes.InvalidArgument, "Wrong input: a query without a query over several prefetches is ambiguous")
		}
		res = lists[0]
	default:
		return nil, status.Errorf(codes.Unimplemented, "fakeqdrant: query %T is not implemented", q)
	}
	return cut(res, n.threshold, n.limit), nil
}

// search is a leaf: the points passing every filter, scored by the query.
func (c *collection) search(n node, filters []*qdrant.Filter) ([]scored, error) {
	var cands []*point
	for _, p := range c.points { // scored results are sorted below
		ok := true
		for _, f := range filters {
			m, err := matchFilter(f, p)
			if err != nil {
				return nil, err
			}
			if !m {
				ok = false
				break
			}
		}
		if ok {
			cands = append(cands, p)
		}
	}
	switch q := n.query.GetVariant().(type) {
	case nil:
		slices.SortFunc(cands, comparePoints)
		res := make([]scored, len(cands))
		for i, p := range cands {
			res[i] = scored{p: p}
		}
		return cut(res, nil, n.limit), nil
	case *qdrant.Query_Nearest:
		res, err := c.score(q.Nearest, n.using, cands)
		if err != nil {
			return nil, err
		}
		return cut(res, n.threshold, n.limit), nil
	case *qdrant.Query_Fusion, *qdrant.Query_Rrf:
		return nil, status.Error(codes.InvalidArgument, "Wrong input: fusion needs prefetches")
	default:
		return nil, status.Errorf(codes.Unimplemented, "fakeqdrant: query %T is not implemented", q)
	}
}

// score scores candidates by a nearest query on the named vector, best
// first. Points lacking that vector are skipped; for sparse vectors so are
// points sharing no index with the query, as Qdrant's inverted index does.
func (c *collection) score(in *qdrant.VectorInput, using string, cands []*point) ([]scored, error) {
	var res []scored
	switch v := in.GetVariant().(type) {
	case *qdrant.VectorInput_Dense:
		params, ok := c.dense[using]
		if !ok {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Not existing vector name error: %s", using)
		}
		q := v.Dense.GetData()
		if uint64(len(q)) != params.GetSize() {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", params.GetSize(), len(q))
		}
		q = prepareDense(q, params.GetDistance())
		for _, p := range cands {
			pv, ok := p.dense[using]
			if !ok {
				continue
			}
			var dot float32
			for i := range q {
				dot += q[i] * pv[i]
			}
			res = append(res, scored{p: p, score: dot})
		}
	case *qdrant.VectorInput_Sparse:
		params, ok := c.sparse[using]
		if !ok {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Not existing vector name error: %s", using)
		}
		idx, vals := v.Sparse.GetIndices(), v.Sparse.GetValues()
		if len(idx) != len(vals) {
			return nil, status.Error(codes.InvalidArgument, "Validation error: sparse vector indices and values must have the same length")
		}
		q := make(map[uint32]float32, len(idx))
		for i, ix := range idx {
			q[ix] = vals[i]
		}
		if params.GetModifier() == qdrant.Modifier_Idf {
			// Qdrant scales the query by each index's IDF over the
			// whole collection: ln((N - n + 0.5) / (n + 0.5) + 1), N the
			// points with this sparse vector, n those with the index.
			total, df := 0, map[uint32]int{}
			for _, p := range c.points {
				sv, ok := p.sparse[using]
				if !ok {
					continue
				}
				total++
				for ix := range q {
					if _, ok := sv[ix]; ok {
						df[ix]++
					}
				}
			}
			for ix, w := range q {
				n := float64(df[ix])
				q[ix] = w * float32(math.Log((float64(total)-n+0.5)/(n+0.5)+1))
			}
		}
		for _, p := range cands {
			pv, ok := p.sparse[using]
			if !ok {
				continue
			}
			var dot float32
			hit := false
			for ix, w := range q {
				if x, ok := pv[ix]; ok {
					dot += w * x
					hit = true
				}
			}
			if hit {
				res = append(res, scored{p: p, score: dot})
			}
		}
	default:
		return nil, status.Errorf(codes.Unimplemented, "fakeqdrant: nearest input %T is not implemented", v)
	}
	sortScored(res)
	return res, nil
}

func sortScored(res []scored) {
	slices.SortStableFunc(res, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return comparePoints(a.p, b.p)
	})
}

func cut(res []scored, threshold *float32, limit int) []scored {
	if threshold != nil {
		res = slices.DeleteFunc(res, func(s scored) bool { return s.score < *threshold })
	}
	if len(res) > limit {
		res = res[:limit]
	}
	return res
}

// rrf is Qdrant's reciprocal rank fusion: a point at zero-based position
// pos of list i gains 1 / ((pos+1)/w_i + k - 1), which is 1/(pos+k) with
// weight 1; a weight of zero or less contributes nothing.
func rrf(lists [][]scored, k int, weights []float32) []scored {
	acc := map[string]*scored{}
	var order []*scored
	for i, l := range lists {
		w := float32(1)
		if len(weights) > 0 {
			w = weights[i]
		}
		for pos, s := range l {
			var add float32
			if w > 0 {
				add = 1 / (float32(pos+1)/w + float32(k) - 1)
			}
			if a, ok := acc[s.p.key]; ok {
				a.score += add
				continue
			}
			a := &scored{p: s.p, score: add}
			acc[s.p.key] = a
			order = append(order, a)
		}
	}
	res := make([]scored, len(order))
	for i, a := range order {
		res[i] = *a
	}
	sortScored(res)
	return res
}

// dbsf is Qdrant's distribution-based score fusion: each list's scores are
// normalised to [0, 1] over mean ± 3 standard deviations (clamped), then
// summed.
func dbsf(lists [][]scored) []scored {
	acc := map[string]*scored{}
	var order []*scored
	for _, l := range lists {
		if len(l) == 0 {
			continue
		}
		var mean, sd float64
		for _, s := range l {
			mean += float64(s.score)
		}
		mean /= float64(len(l))
		for _, s := range l {
			d := float64(s.score) - mean
			sd += d * d
		}
		sd = math.Sqrt(sd / float64(len(l)))
		lo, hi := mean-3*sd, mean+3*sd
		for _, s := range l {
			x := 0.5
			if hi > lo {
				x = min(max((float64(s.score)-lo)/(hi-lo), 0), 1)
			}
			if a, ok := acc[s.p.key]; ok {
				a.score += float32(x)
				continue
			}
			a := &scored{p: s.p, score: float32(x)}
			acc[s.p.key] = a
			order = append(order, a)
		}
	}
	res := make([]scored, len(order))
	for i, a := range order {
		res[i] = *a
	}
	sortScored(res)
	return res
}

// ---- filters ----

var errNested = status.Error(codes.Unimplemented, "fakeqdrant: nested conditions are not implemented")

// matchFilter reports whether p passes f (a nil filter passes everything):
// every must, at least one should when there are any, no must_not, and at
// least min_should.min_count of its conditions.
func matchFilter(f *qdrant.Filter, p *point) (bool, error) {
	if f == nil {
		return true, nil
	}
	if quickReject(f, p) {
		return false, nil
	}
	for _, c := range f.GetMust() {
		ok, err := matchCondition(c, p)
		if err != nil || !ok {
			return false, err
		}
	}
	if len(f.GetShould()) > 0 {
		anyOK := false
		for _, c := range f.GetShould() {
			ok, err := matchCondition(c, p)
			if err != nil {
				return false, err
			}
			if ok {
				anyOK = true
				break
			}
		}
		if !anyOK {
			return false, nil
		}
	}
	for _, c := range f.GetMustNot() {
		ok, err := matchCondition(c, p)
		if err != nil || ok {
			return false, err
		}
	}
	if ms := f.GetMinShould(); ms != nil {
		n := uint64(0)
		for _, c := range ms.GetConditions() {
			ok, err := matchCondition(c, p)
			if err != nil {
				return false, err
			}
			if ok {
				n++
			}
		}
		if n < ms.GetMinCount() {
			return false, nil
		}
	}
	return true, nil
}

// quickReject is a shortcut for the common store and file clauses: it
// reports a must keyword(s) match on a top-level key whose value is a
// string not matched, without the allocations of the general path.
func quickReject(f *qdrant.Filter, p *point) bool {
	for _, c := range f.GetMust() {
		fc := c.GetField()
		var want []string
		switch m := fc.GetMatch().GetMatchValue().(type) {
		case *qdrant.Match_Keyword:
			want = []string{m.Keyword}
		case *qdrant.Match_Keywords:
			want = m.Keywords.GetStrings()
		default:
			continue
		}
		if fc.Range != nil || fc.DatetimeRange != nil || fc.IsEmpty != nil || fc.IsNull != nil ||
			strings.ContainsAny(fc.GetKey(), ".[\"") {
			continue
		}
		if v, ok := p.payload[fc.GetKey()].GetKind().(*qdrant.Value_StringValue); ok && !slices.Contains(want, v.StringValue) {
			return true
		}
	}
	return false
}

func matchCondition(c *qdrant.Condition, p *point) (bool, error) {
	switch v := c.GetConditionOneOf().(type) {
	case *qdrant.Condition_Field:
		return matchField(v.Field, p)
	case *qdrant.Condition_Filter:
		return matchFilter(v.Filter, p)
	case *qdrant.Condition_IsEmpty:
		vals, present := lookup(p.payload, v.IsEmpty.GetKey())
		if !present {
			return true, nil
		}
		for _, x := range vals {
			if _, null := x.GetKind().(*qdrant.Value_NullValue); !null {
				return false, nil
			}
		}
		return true, nil
	case *qdrant.Condition_IsNull:
		vals, present := lookup(p.payload, v.IsNull.GetKey())
		if !present {
			return false, nil
		}
		for _, x := range vals {
			if _, null := x.GetKind().(*qdrant.Value_NullValue); null {
				return true, nil
			}
		}
		return false, nil
	case *qdrant.Condition_HasId:
		for _, id := range v.HasId.GetHasId() {
			key, _, err := pointKey(id)
			if err != nil {
				return false, err
			}
			if key == p.key {
				return true, nil
			}
		}
		return false, nil
	case *qdrant.Condition_HasVector:
		name := v.HasVector.GetHasVector()
		_, d := p.dense[name]
		_, s := p.sparse[name]
		return d || s, nil
	case *qdrant.Condition_Nested:
		return false, errNested
	}
	return false, status.Error(codes.InvalidArgument, "Validation error: empty condition")
}

// matchField checks a field condition against the values at its key: the
// condition holds if any value matches (arrays are flattened); a key with no
// values matches nothing, as in Qdrant's query checker.
func matchField(fc *qdrant.FieldCondition, p *point) (bool, error) {
	if fc.GetKey() == "" {
		return false, status.Error(codes.InvalidArgument, "Validation error: field condition key must not be empty")
	}
	set := 0
	for _, b := range []bool{fc.Match != nil, fc.Range != nil, fc.DatetimeRange != nil, fc.IsEmpty != nil, fc.IsNull != nil} {
		if b {
			set++
		}
	}
	if fc.GeoBoundingBox != nil || fc.GeoRadius != nil || fc.GeoPolygon != nil || fc.ValuesCount != nil {
		return false, status.Error(codes.Unimplemented, "fakeqdrant: geo and values_count conditions are not implemented")
	}
	if set == 0 {
		// Qdrant rejects a field condition with nothing to check.
		return false, status.Error(codes.InvalidArgument, "Validation error: At least one field condition must be specified")
	}
	vals, _ := lookup(p.payload, fc.GetKey())
	if len(vals) == 0 {
		if fc.IsEmpty != nil {
			return fc.GetIsEmpty(), nil
		}
		if fc.IsNull != nil {
			return !fc.GetIsNull(), nil
		}
		return false, nil
	}
	if fc.IsEmpty != nil {
		return !fc.GetIsEmpty(), nil
	}
	if fc.IsNull != nil {
		hasNull := slices.ContainsFunc(vals, func(x *qdrant.Value) bool {
			_, null := x.GetKind().(*qdrant.Value_NullValue)
			return null
		})
		return hasNull == fc.GetIsNull(), nil
	}
	for _, x := range vals {
		ok, err := matchValue(fc, x)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func matchValue(fc *qdrant.FieldCondition, x *qdrant.Value) (bool, error) {
	if m := fc.GetMatch(); m != nil {
		ok, err := matchMatch(m, x)
		if err != nil || ok {
			return ok, err
		}
	}
	if r := fc.GetRange(); r != nil {
		if f, ok := number(x); ok && inRange(f, r.Gt, r.Gte, r.Lt, r.Lte) {
			return true, nil
		}
	}
	if r := fc.GetDatetimeRange(); r != nil {
		t, ok := datetime(x.GetStringValue())
		if ok {
			f := float64(t.UnixNano())
			ts := func(p interface{ AsTime() time.Time }) *float64 {
				if p == nil {
					return nil
				}
				v := float64(p.AsTime().UnixNano())
				return &v
			}
			var gt, gte, lt, lte *float64
			if r.Gt != nil {
				gt = ts(r.Gt)
			}
			if r.Gte != nil {
				gte = ts(r.Gte)
			}
			if r.Lt != nil {
				lt = ts(r.Lt)
			}
			if r.Lte != nil {
				lte = ts(r.Lte)
			}
			if inRange(f, gt, gte, lt, lte) {
				return true, nil
			}
		}
	}
	return false, nil
}

// matchMatch follows Qdrant's Match checker: keywords match strings only,
// integers match only numbers that are integers, booleans match booleans;
// except matches any value that is not null and not in the list.
func matchMatch(m *qdrant.Match, x *qdrant.Value) (bool, error) {
	s, isStr := x.GetKind().(*qdrant.Value_StringValue)
	i, isInt := integer(x)
	switch v := m.GetMatchValue().(type) {
	case *qdrant.Match_Keyword:
		return isStr && s.StringValue == v.Keyword, nil
	case *qdrant.Match_Integer:
		return isInt && i == v.Integer, nil
	case *qdrant.Match_Boolean:
		b, ok := x.GetKind().(*qdrant.Value_BoolValue)
		return ok && b.BoolValue == v.Boolean, nil
	case *qdrant.Match_Text:
		return isStr && strings.Contains(s.StringValue, v.Text), nil
	case *qdrant.Match_Phrase:
		return isStr && strings.Contains(s.StringValue, v.Phrase), nil
	case *qdrant.Match_TextAny:
		if !isStr {
			return false, nil
		}
		for _, t := range strings.Fields(v.TextAny) {
			if strings.Contains(s.StringValue, t) {
				return true, nil
			}
		}
		return false, nil
	case *qdrant.Match_Keywords:
		return isStr && slices.Contains(v.Keywords.GetStrings(), s.StringValue), nil
	case *qdrant.Match_Integers:
		return isInt && slices.Contains(v.Integers.GetIntegers(), i), nil
	case *qdrant.Match_ExceptKeywords:
		if _, null := x.GetKind().(*qdrant.Value_NullValue); null {
			return false, nil
		}
		return !isStr || !slices.Contains(v.ExceptKeywords.GetStrings(), s.StringValue), nil
	case *qdrant.Match_ExceptIntegers:
		if _, null := x.GetKind().(*qdrant.Value_NullValue); null {
			return false, nil
		}
		return !isInt || !slices.Contains(v.ExceptIntegers.GetIntegers(), i), nil
	}
	return false, status.Error(codes.InvalidArgument, "Validation error: empty match")
}

func number(x *qdrant.Value) (float64, bool) {
	switch v := x.GetKind().(type) {
	case *qdrant.Value_DoubleValue:
		return v.DoubleValue, true
	case *qdrant.Value_IntegerValue:
		return float64(v.IntegerValue), true
	}
	return 0, false
}

// integer reports a value stored as an integer. Qdrant's JSON payload keeps
// a double such as 5.0 as a float, which integer matches skip.
func integer(x *qdrant.Value) (int64, bool) {
	v, ok := x.GetKind().(*qdrant.Value_IntegerValue)
	if !ok {
		return 0, false
	}
	return v.IntegerValue, true
}

func inRange(f float64, gt, gte, lt, lte *float64) bool {
	return (gt == nil || f > *gt) && (gte == nil || f >= *gte) && (lt == nil || f < *lt) && (lte == nil || f <= *lte)
}

// datetime parses the formats Qdrant accepts for datetime payloads: RFC
// 3339 with or without a zone (no zone means UTC), with "T" or a space, and
// a bare date.
func datetime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// lookup returns the values at a key path, flattening arrays along the way
// and at the end, and whether the path exists at all. Paths follow Qdrant's
// syntax: keys joined by dots, a key optionally double-quoted (to hold dots
// or other punctuation) and optionally followed by "[]".
func lookup(payload map[string]*qdrant.Value, key string) ([]*qdrant.Value, bool) {
	if !strings.ContainsAny(key, ".[\"") { // a top-level key
		v, ok := payload[key]
		if !ok {
			return nil, false
		}
		return flatten(v), true
	}
	parts, ok := parsePath(key)
	if !ok {
		return nil, false
	}
	first, ok := payload[parts[0]]
	if !ok {
		return nil, false
	}
	cur := []*qdrant.Value{first}
	present := true
	for _, part := range parts[1:] {
		var next []*qdrant.Value
		for _, v := range cur {
			for _, obj := range flatten(v) {
				if st := obj.GetStructValue(); st != nil {
					if x, ok := st.GetFields()[part]; ok {
						next = append(next, x)
					}
				}
			}
		}
		if len(next) == 0 {
			present = false
		}
		cur = next
	}
	var out []*qdrant.Value
	for _, v := range cur {
		out = append(out, flatten(v)...)
	}
	return out, present
}

// parsePath splits a key path into its keys.
func parsePath(path string) ([]string, bool) {
	var parts []string
	for path != "" {
		var part string
		if path[0] == '"' {
			end := strings.IndexByte(path[1:], '"')
			if end < 0 {
				return nil, false
			}
			part, path = path[1:1+end], path[2+end:]
		} else {
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			part, path = path[:end], path[end:]
			if part == "" {
				return nil, false
			}
		}
		path = strings.TrimPrefix(path, "[]")
		parts = append(parts, part)
		if path == "" {
			break
		}
		if path[0] != '.' || len(path) == 1 {
			return nil, false
		}
		path = path[1:]
	}
	return parts, len(parts) > 0
}

func flatten(v *qdrant.Value) []*qdrant.Value {
	if l, ok := v.GetKind().(*qdrant.Value_ListValue); ok {
		return l.ListValue.GetValues()
	}
	return []*qdrant.Value{v}
}

// PipeListener is an in-memory net.Listener whose connections are
// net.Pipe pairs made by DialContext. Everything blocking on it waits on
// channels, so a server and client joined by it can run inside a
// testing/synctest bubble, where a TCP connection would stall the fake
// clock.
type PipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// NewPipeListener returns an open PipeListener.
func NewPipeListener() *PipeListener {
	return &PipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for the next DialContext.
func (l *PipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops Accept and DialContext. It is idempotent.
func (l *PipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns a placeholder address.
func (l *PipeListener) Addr() net.Addr { return pipeAddr{} }

// DialContext connects to the listener, ignoring the address; use it with
// grpc.WithContextDialer.
func (l *PipeListener) DialContext(ctx context.Context, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }
