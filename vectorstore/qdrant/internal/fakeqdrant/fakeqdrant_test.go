package fakeqdrant_test

import (
	"math"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/agentloop/agentloop/vectorstore/qdrant/internal/fakeqdrant"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// client starts a server and returns the real Qdrant client connected to
// it.
func client(t *testing.T) *qdrant.Client {
	t.Helper()
	srv, err := fakeqdrant.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := qdrant.NewClient(&qdrant.Config{Host: "127.0.0.1", Port: port(t, srv), SkipCompatibilityCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func create(t *testing.T, c *qdrant.Client, req *qdrant.CreateCollection) {
	t.Helper()
	if err := c.CreateCollection(t.Context(), req); err != nil {
		t.Fatal(err)
	}
}

func upsert(t *testing.T, c *qdrant.Client, coll string, pts ...*qdrant.PointStruct) {
	t.Helper()
	if _, err := c.Upsert(t.Context(), &qdrant.UpsertPoints{CollectionName: coll, Points: pts}); err != nil {
		t.Fatal(err)
	}
}

func sparsePoint(id uint64, v map[uint32]float32, payload map[string]any) *qdrant.PointStruct {
	var idx []uint32
	var vals []float32
	for i := uint32(0); i < 10; i++ {
		if x, ok := v[i]; ok {
			idx = append(idx, i)
			vals = append(vals, x)
		}
	}
	return &qdrant.PointStruct{Id: qdrant.NewIDNum(id), Payload: qdrant.NewValueMap(payload),
		Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"s": qdrant.NewVectorSparse(idx, vals)})}
}

type idScore struct {
	ID    uint64
	Score float64
}

func results(pts []*qdrant.ScoredPoint) []idScore {
	out := make([]idScore, len(pts))
	for i, p := range pts {
		out[i] = idScore{p.GetId().GetNum(), float64(p.GetScore())}
	}
	return out
}

var approx = cmpopts.EquateApprox(0, 1e-5)

// TestRRF checks Qdrant's fusion formula: 1/((pos+1)/w + k - 1), summed,
// with k = 2 by default.
func TestRRF(t *testing.T) {
	c := client(t)
	create(t, c, &qdrant.CreateCollection{CollectionName: "c",
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{"s": {}})})
	upsert(t, c, "c",
		sparsePoint(1, map[uint32]float32{1: 3}, nil),
		sparsePoint(2, map[uint32]float32{1: 2, 2: 1}, nil),
		sparsePoint(3, map[uint32]float32{1: 1, 2: 3}, nil))
	prefetch := []*qdrant.PrefetchQuery{
		{Query: qdrant.NewQuerySparse([]uint32{1}, []float32{1}), Using: qdrant.PtrOf("s")}, // 1, 2, 3
		{Query: qdrant.NewQuerySparse([]uint32{2}, []float32{1}), Using: qdrant.PtrOf("s")}, // 3, 2
	}
	for _, tc := range []struct {
		name  string
		query *qdrant.Query
		want  []idScore
	}{
		{"default", qdrant.NewQueryFusion(qdrant.Fusion_RRF), []idScore{{3, 1.0/4 + 1.0/2}, {2, 1.0/3 + 1.0/3}, {1, 1.0 / 2}}},
		{"k and weights", qdrant.NewQueryRRF(&qdrant.Rrf{K: qdrant.PtrOf(uint32(2)), Weights: []float32{1, 3}}),
			[]idScore{{3, 1.0/4 + 1/(1.0/3+1)}, {2, 1.0/3 + 1/(2.0/3+1)}, {1, 1.0 / 2}}},
		{"k 60", qdrant.NewQueryRRF(&qdrant.Rrf{K: qdrant.PtrOf(uint32(60))}), []idScore{{3, 1.0/62 + 1.0/60}, {2, 1.0/61 + 1.0/61}, {1, 1.0 / 60}}},
	} {
		got, err := c.Query(t.Context(), &qdrant.QueryPoints{CollectionName: "c", Prefetch: prefetch, Query: tc.query})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, results(got), approx); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	_, err := c.Query(t.Context(), &qdrant.QueryPoints{CollectionName: "c", Prefetch: prefetch,
		Query: qdrant.NewQueryRRF(&qdrant.Rrf{Weights: []float32{1}})})
	if status.Code(unwrap(err)) != codes.InvalidArgument {
		t.Errorf("mismatched weights: %v, want InvalidArgument", err)
	}
}

// TestSparseIDF checks the IDF modifier: query values times
// ln((N - n + 0.5)/(n + 0.5) + 1) over the collection, points sharing no
// index left out.
func TestSparseIDF(t *testing.T) {
	c := client(t)
	create(t, c, &qdrant.CreateCollection{CollectionName: "c",
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{"s": {Modifier: qdrant.Modifier_Idf.Enum()}})})
	upsert(t, c, "c",
		sparsePoint(1, map[uint32]float32{1: 2, 2: 1}, nil),
		sparsePoint(2, map[uint32]float32{2: 1}, nil),
		sparsePoint(3, map[uint32]float32{2: 0.5}, nil),
		sparsePoint(4, map[uint32]float32{3: 1}, nil))
	idf := func(n float64) float64 { return math.Log((4-n+0.5)/(n+0.5) + 1) }
	got, err := c.Query(t.Context(), &qdrant.QueryPoints{CollectionName: "c", Using: qdrant.PtrOf("s"),
		Query: qdrant.NewQuerySparse([]uint32{1, 2}, []float32{1, 2})})
	if err != nil {
		t.Fatal(err)
	}
	want := []idScore{{1, 2*idf(1) + 2*idf(3)}, {2, 2 * idf(3)}, {3, idf(3)}}
	if diff := cmp.Diff(want, results(got), approx); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDense(t *testing.T) {
	c := client(t)
	create(t, c, &qdrant.CreateCollection{CollectionName: "c",
		VectorsConfig: qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{
			"cos": {Size: 2, Distance: qdrant.Distance_Cosine}, "dot": {Size: 2, Distance: qdrant.Distance_Dot}})})
	pt := func(id uint64, v ...float32) *qdrant.PointStruct {
		return &qdrant.PointStruct{Id: qdrant.NewIDNum(id), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{
			"cos": qdrant.NewVectorDense(v), "dot": qdrant.NewVectorDense(v)})}
	}
	upsert(t, c, "c", pt(1, 3, 4), pt(2, 0, 2), pt(3, -1, 0))
	for _, tc := range []struct {
		using string
		want  []idScore
	}{
		{"cos", []idScore{{1, 0.6}, {2, 0}, {3, -1}}},
		{"dot", []idScore{{1, 6}, {2, 0}, {3, -2}}},
	} {
		got, err := c.Query(t.Context(), &qdrant.QueryPoints{CollectionName: "c", Using: qdrant.PtrOf(tc.using), Query: qdrant.NewQueryDense([]float32{2, 0})})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, results(got), approx); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.using, diff)
		}
	}
	// Nearest over prefetches rescores their union; the query's filter
	// and score threshold apply.
	got, err := c.Query(t.Context(), &qdrant.QueryPoints{CollectionName: "c",
		Prefetch:       []*qdrant.PrefetchQuery{{Query: qdrant.NewQueryDense([]float32{0, 1}), Using: qdrant.PtrOf("cos"), Limit: qdrant.PtrOf(uint64(2))}},
		Query:          qdrant.NewQueryDense([]float32{1, 0}),
		Using:          qdrant.PtrOf("dot"),
		ScoreThreshold: qdrant.PtrOf(float32(-0.5)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]idScore{{1, 3}, {2, 0}}, results(got), approx); diff != "" {
		t.Errorf("rescore (-want +got):\n%s", diff)
	}
	_, err = c.Upsert(t.Context(), &qdrant.UpsertPoints{CollectionName: "c", Points: []*qdrant.PointStruct{pt(4, 1, 2, 3)}})
	if status.Code(unwrap(err)) != codes.InvalidArgument {
		t.Errorf("wrong dims: %v, want InvalidArgument", err)
	}
}

// TestFilters checks Qdrant's filter semantics on payload values.
func TestFilters(t *testing.T) {
	c := client(t)
	create(t, c, &qdrant.CreateCollection{CollectionName: "c",
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{"s": {}})})
	one := map[uint32]float32{1: 1}
	upsert(t, c, "c",
		sparsePoint(1, one, map[string]any{"n": 5}),
		sparsePoint(2, one, map[string]any{"n": 5.0, "s": "y"}),
		sparsePoint(3, one, map[string]any{"tags": []any{"a", "b"}}),
		sparsePoint(4, one, map[string]any{"s": "x"}),
		sparsePoint(5, one, map[string]any{}),
		sparsePoint(6, one, map[string]any{"d": "2024-01-02T00:00:00Z", "b": true}),
		sparsePoint(7, one, map[string]any{"o": map[string]any{"a.b": "q", "list": []any{map[string]any{"k": 1}, map[string]any{"k": 2}}}}),
		sparsePoint(8, one, map[string]any{"s": nil}))
	d := timestamppb.New(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name string
		f    *qdrant.Filter
		want []uint64
	}{
		{"integer match skips doubles", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchInt("n", 5)}}, []uint64{1}},
		{"range matches both", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewRange("n", &qdrant.Range{Gte: qdrant.PtrOf(5.0), Lte: qdrant.PtrOf(5.0)})}}, []uint64{1, 2}},
		{"keyword in array", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword("tags", "b")}}, []uint64{3}},
		{"keywords", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeywords("s", "x", "y")}}, []uint64{2, 4}},
		{"must_not keeps missing", &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchKeyword("s", "x")}}, []uint64{1, 2, 3, 5, 6, 7, 8}},
		{"except skips missing and null", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchExceptKeywords("s", "x")}}, []uint64{2}},
		{"bool", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchBool("b", true)}}, []uint64{6}},
		{"datetime", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewDatetimeRange("d", &qdrant.DatetimeRange{Gt: d})}}, []uint64{6}},
		{"datetime on non-dates", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewDatetimeRange("s", &qdrant.DatetimeRange{Gt: d})}}, nil},
		{"is_empty", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewIsEmpty("s")}}, []uint64{1, 3, 5, 6, 7, 8}},
		{"is_null", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewIsNull("s")}}, []uint64{8}},
		{"quoted key", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword(`o."a.b"`, "q")}}, []uint64{7}},
		{"array of objects", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchInt("o.list[].k", 2)}}, []uint64{7}},
		{"should", &qdrant.Filter{Should: []*qdrant.Condition{qdrant.NewMatchInt("n", 5), qdrant.NewMatchBool("b", true)}}, []uint64{1, 6}},
		{"nested", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewFilterAsCondition(&qdrant.Filter{
			MustNot: []*qdrant.Condition{qdrant.NewFilterAsCondition(&qdrant.Filter{Should: []*qdrant.Condition{
				qdrant.NewMatchKeyword("s", "x"), qdrant.NewIsEmpty("s")}})}})}}, []uint64{2}},
		{"min_should", &qdrant.Filter{MinShould: &qdrant.MinShould{MinCount: 2, Conditions: []*qdrant.Condition{
			qdrant.NewMatchKeyword("s", "y"), qdrant.NewRange("n", &qdrant.Range{Gt: qdrant.PtrOf(1.0)}), qdrant.NewMatchBool("b", true)}}}, []uint64{2}},
		{"has_id", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasID(qdrant.NewIDNum(3), qdrant.NewIDNum(9))}}, []uint64{3}},
	} {
		pts, err := c.Scroll(t.Context(), &qdrant.ScrollPoints{CollectionName: "c", Filter: tc.f, Limit: qdrant.PtrOf(uint32(100))})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []uint64
		for _, p := range pts {
			got = append(got, p.GetId().GetNum())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		n, err := c.Count(t.Context(), &qdrant.CountPoints{CollectionName: "c", Filter: tc.f})
		if err != nil || n != uint64(len(tc.want)) {
			t.Errorf("%s: count %d, %v; want %d", tc.name, n, err, len(tc.want))
		}
	}

	// The query's filter reaches its prefetches.
	got, err := c.Query(t.Context(), &qdrant.QueryPoints{CollectionName: "c",
		Prefetch: []*qdrant.PrefetchQuery{{Query: qdrant.NewQuerySparse([]uint32{1}, []float32{1}), Using: qdrant.PtrOf("s"), Limit: qdrant.PtrOf(uint64(100))}},
		Query:    qdrant.NewQueryFusion(qdrant.Fusion_RRF),
		Filter:   &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword("s", "x")}},
	})
	if err != nil || len(got) != 1 || got[0].GetId().GetNum() != 4 {
		t.Errorf("filtered fusion = %v, %v; want point 4", got, err)
	}
}

func TestPayloadWrites(t *testing.T) {
	c := client(t)
	ctx := t.Context()
	create(t, c, &qdrant.CreateCollection{CollectionName: "c",
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{"s": {}})})
	id := "6F9619FF-8B86-D011-B42D-00CF4FC964FF"
	upsert(t, c, "c", &qdrant.PointStruct{Id: qdrant.NewID(id), Payload: qdrant.NewValueMap(map[string]any{"a": 1, "b": map[string]any{"x": 1}}),
		Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"s": qdrant.NewVectorSparse(nil, nil)})})
	_, err := c.SetPayload(ctx, &qdrant.SetPayloadPoints{CollectionName: "c", Payload: qdrant.NewValueMap(map[string]any{"b": map[string]any{"y": 2}, "c": "new"}),
		PointsSelector: qdrant.NewPointsSelectorFilter(&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewRange("a", &qdrant.Range{Gte: qdrant.PtrOf(1.0)})}})})
	if err != nil {
		t.Fatal(err)
	}
	pts, err := c.Get(ctx, &qdrant.GetPoints{CollectionName: "c", Ids: []*qdrant.PointId{qdrant.NewID(id)}, WithPayload: qdrant.NewWithPayload(true)})
	if err != nil || len(pts) != 1 {
		t.Fatalf("Get = %v, %v", pts, err)
	}
	if got := pts[0].GetId().GetUuid(); got != "6f9619ff-8b86-d011-b42d-00cf4fc964ff" {
		t.Errorf("id = %q, want the lower-case form", got)
	}
	p := pts[0].GetPayload()
	if p["a"].GetIntegerValue() != 1 || p["c"].GetStringValue() != "new" || p["b"].GetStructValue().GetFields()["x"] != nil ||
		p["b"].GetStructValue().GetFields()["y"].GetIntegerValue() != 2 {
		t.Errorf("payload after set_payload = %v; want a kept, b replaced, c added", p)
	}
	if _, err := c.Delete(ctx, &qdrant.DeletePoints{CollectionName: "c", Points: qdrant.NewPointsSelectorFilter(
		&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword("c", "new")}})}); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Count(ctx, &qdrant.CountPoints{CollectionName: "c"}); n != 0 {
		t.Errorf("%d points after delete by filter, want 0", n)
	}
	if err := c.CreateCollection(ctx, &qdrant.CreateCollection{CollectionName: "c"}); status.Code(unwrap(err)) != codes.InvalidArgument {
		t.Errorf("creating an existing collection: %v, want InvalidArgument", err)
	}
	if _, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: "nope"}); status.Code(unwrap(err)) != codes.NotFound {
		t.Errorf("missing collection: %v, want NotFound", err)
	}
}

func unwrap(err error) error {
	for e := err; e != nil; {
		if _, ok := status.FromError(e); ok {
			return e
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return err
}

func port(t *testing.T, srv *fakeqdrant.Server) int {
	t.Helper()
	_, p, err := net.SplitHostPort(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
