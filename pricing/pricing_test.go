package pricing_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/pricing"
	"github.com/agentloop/agentloop/responses"
)

func TestCost(t *testing.T) {
	table := pricing.Default()
	u := &responses.Usage{InputTokens: 1_000_000, OutputTokens: 100_000,
		InputTokensDetails: responses.InputTokensDetails{CachedTokens: 400_000}}
	cases := []struct {
		model string
		want  float64
		ok    bool
	}{
		{"gpt-5", 0.6*1.25 + 0.4*0.125 + 0.1*10, true},
		{"gpt-5-mini-2025-08-07", 0.6*0.25 + 0.4*0.025 + 0.1*2, true},
		{"openai/gpt-5-nano", 0.6*0.05 + 0.4*0.005 + 0.1*0.40, true},
		{"computer-use-preview", 1*3 + 0.1*12, true}, // no cached price: the input price
		{"gpt-6-sol", 0, false},
		{"gpt-5x", 0, false}, // not a dated variant of gpt-5
	}
	for _, c := range cases {
		got, ok := table.Cost(c.model, u)
		if ok != c.ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %v %v, want %v %v", c.model, got, ok, c.want, c.ok)
		}
	}
}

func TestLoadMerge(t *testing.T) {
	gw, err := pricing.Load(strings.NewReader(`{"date":"2026-12-01","source":"my gateway","prices":{"gpt-6-sol":{"input":3,"output":15},"gpt-5":{"input":1,"output":8}}}`))
	if err != nil {
		t.Fatal(err)
	}
	table := pricing.Default().Merge(gw)
	if p, ok := table.Lookup("gpt-6-sol"); !ok || p.Output != 15 {
		t.Errorf("gpt-6-sol: %+v %v", p, ok)
	}
	if p, _ := table.Lookup("gpt-5"); p.Input != 1 {
		t.Errorf("the gateway's gpt-5 price did not win: %+v", p)
	}
	if !strings.HasPrefix(table.Source, "my gateway; ") {
		t.Errorf("source %q", table.Source)
	}
	for _, bad := range []string{`{"prices":{"m":{"input":-1,"output":1}}}`, `{"prices":{"m":{"inptu":1}}}`, `nope`} {
		if _, err := pricing.Load(strings.NewReader(bad)); err == nil {
			t.Errorf("Load(%s) accepted", bad)
		}
	}
}

func ExampleTable_Cost() {
	usage := &responses.Usage{InputTokens: 20_000, OutputTokens: 1_000}
	usd, ok := pricing.Default().Cost("gpt-5-mini", usage)
	fmt.Printf("$%.4f %v\n", usd, ok)
	_, ok = pricing.Default().Cost("some-new-model", usage)
	fmt.Println(ok)
	// Output:
	// $0.0070 true
	// false
}
