package vectorstore_test

import (
	"strings"
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestFuse(t *testing.T) {
	type leg = vectorstore.FusionLeg[string]
	type fused = vectorstore.Fused[string]
	rrf := func(rank int) float64 { return 1 / float64(vectorstore.RRFK+rank) }
	top := rrf(1)
	tests := []struct {
		name      string
		legs      []leg
		threshold float64
		limit     int
		want      []fused
	}{
		{"no legs", nil, 0, 10, nil},
		{"zero weight only", []leg{{Keys: []string{"a"}, Weight: 0}}, 0, 10, nil},
		{"one leg", []leg{{Keys: []string{"a", "b"}, Weight: 1}}, 0, 10, []fused{
			{Key: "a", Score: 1, LexicalRank: 1},
			{Key: "b", Score: rrf(2) / top, LexicalRank: 2},
		}},
		{"hybrid", []leg{
			{Keys: []string{"a", "b", "c"}, Weight: 1},
			{Keys: []string{"b", "d"}, Weight: 2, Dense: true},
		}, 0, 10, []fused{
			{Key: "b", Score: (rrf(2) + 2*rrf(1)) / (3 * top), DenseRank: 1, LexicalRank: 2},
			{Key: "d", Score: 2 * rrf(2) / (3 * top), DenseRank: 2},
			{Key: "a", Score: rrf(1) / (3 * top), LexicalRank: 1},
			{Key: "c", Score: rrf(3) / (3 * top), LexicalRank: 3},
		}},
		{"empty leg counts in the best", []leg{
			{Keys: []string{"a"}, Weight: 1},
			{Weight: 1},
		}, 0, 10, []fused{{Key: "a", Score: 0.5, LexicalRank: 1}}},
		{"best rank over queries", []leg{
			{Keys: []string{"a", "b"}, Weight: 1},
			{Keys: []string{"b", "a"}, Weight: 1},
		}, 0, 10, []fused{
			{Key: "a", Score: (rrf(1) + rrf(2)) / (2 * top), LexicalRank: 1},
			{Key: "b", Score: (rrf(1) + rrf(2)) / (2 * top), LexicalRank: 1},
		}},
		{"threshold and limit", []leg{{Keys: []string{"c", "b", "a", "d"}, Weight: 1}}, rrf(3) / top, 2, []fused{
			{Key: "c", Score: 1, LexicalRank: 1},
			{Key: "b", Score: rrf(2) / top, LexicalRank: 2},
		}},
		{"ties by compare", []leg{
			{Keys: []string{"z"}, Weight: 1},
			{Keys: []string{"y"}, Weight: 1, Dense: true},
		}, 0, 0, []fused{
			{Key: "y", Score: 0.5, DenseRank: 1},
			{Key: "z", Score: 0.5, LexicalRank: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := vectorstore.Fuse(tt.legs, tt.threshold, tt.limit, strings.Compare)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty(), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("Fuse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSearchRequestDefaults(t *testing.T) {
	tests := []struct {
		req         vectorstore.SearchRequest
		dense, text float64
		limit       int
	}{
		{vectorstore.SearchRequest{}, 1, 1, vectorstore.DefaultLimit},
		{vectorstore.SearchRequest{EmbeddingWeight: 0.3, Limit: 5}, 0.3, 0, 5},
		{vectorstore.SearchRequest{TextWeight: 2, Limit: 50}, 0, 2, 50},
		{vectorstore.SearchRequest{EmbeddingWeight: 1, TextWeight: 3}, 1, 3, vectorstore.DefaultLimit},
	}
	for i, tt := range tests {
		dense, text := tt.req.Weights()
		got := []any{dense, text, tt.req.EffectiveLimit()}
		if diff := cmp.Diff([]any{tt.dense, tt.text, tt.limit}, got); diff != "" {
			t.Errorf("%d: Weights, EffectiveLimit (-want +got):\n%s", i, diff)
		}
	}
}
