package eval

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScore(t *testing.T) {
	judged := map[string]int{"a": 1, "b": 3, "c": 4}
	tests := []struct {
		ranked            []string
		ndcg, recall, mrr float64
	}{
		{[]string{"a", "b", "c"}, 1, 1, 1},
		{[]string{"x", "a"}, 15 / math.Log2(3) / (15 + 3/math.Log2(3) + 1/math.Log2(4)), 1.0 / 3, 0.5},
		{[]string{"x", "y"}, 0, 0, 0},
	}
	for _, tt := range tests {
		n, r, rr := Score(tt.ranked, judged, 10)
		got := []float64{n, r, rr}
		if diff := cmp.Diff([]float64{tt.ndcg, tt.recall, tt.mrr}, got, cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) < 1e-9 })); diff != "" {
			t.Errorf("Score(%v) (-want +got):\n%s", tt.ranked, diff)
		}
	}
}

func TestRecords(t *testing.T) {
	in := "\n.I 001\n.W\nfirst query\ntext\n.I 2\n.T\ntitle\n.A\nauth\n.W\nabs one\n.A\nstray\n.W\nmore\n"
	got := records(in)
	want := []record{
		{id: "1", fields: map[byte]string{'W': "first query text"}},
		{id: "2", fields: map[byte]string{'T': "title", 'A': "auth", 'W': "abs one .A stray more"}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(record{})); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestLoadCranfield(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Skip("Cranfield collection missing:", err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Skipf("Cranfield collection missing (../shared/data/cranfield): %v", err)
	}
	judged := 0
	for _, j := range c.Qrels {
		judged += len(j)
	}
	got := []int{len(c.Docs), len(c.Queries), len(c.Qrels), judged}
	if diff := cmp.Diff([]int{1400, 225, 225, 1612}, got); diff != "" {
		t.Errorf("docs, queries, judged queries, judgements (-want +got):\n%s", diff)
	}
	if c.Queries[2].ID != "4" || c.Queries[224].ID != "365" {
		t.Errorf("query ids: 3rd %q, 225th %q", c.Queries[2].ID, c.Queries[224].ID)
	}
	if d := c.Docs[239]; d.ID != "240" || len(d.Abstract) < 200 {
		t.Errorf("doc 240 abstract %q", d.Abstract)
	}
}
