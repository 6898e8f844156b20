// Package pricing prices a run's usage: a table of per-model token prices,
// built in for OpenAI's models (dated, with its source) and replaceable from
// a JSON file for a gateway's own prices.
//
//	table := pricing.Default()
//	cost, ok := table.Cost("gpt-5-mini", &usage)
//	if ok {
//		fmt.Printf("$%.4f\n", cost)
//	}
//
// A model the table does not know has no price: Cost reports ok false, and
// a sum that includes such a model is unknown, never zero.
package pricing

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/agentloop/agentloop/responses"
)

// Price is a model's price in US dollars per million tokens.
type Price struct {
	Input float64 `json:"input"`
	// CachedInput prices input tokens read from the prompt cache; zero
	// means the Input price.
	CachedInput float64 `json:"cached_input,omitempty"`
	// CacheWrite prices input tokens written to the prompt cache; zero
	// means the Input price.
	CacheWrite float64 `json:"cache_write,omitempty"`
	Output     float64 `json:"output"`
}

// Table maps model names to prices. A model's price is found by its name,
// then by the longest name in the table it starts with followed by "-"
// ("gpt-5-mini-2025-08-07" is priced as "gpt-5-mini"), after any gateway
// prefix ("openai/gpt-5").
type Table struct {
	// Date is when the prices were read, and Source where.
	Date, Source string
	Prices       map[string]Price
}

// DefaultDate and DefaultSource describe the built-in prices.
const (
	DefaultDate   = "2025-08-07"
	DefaultSource = "https://openai.com/api/pricing (standard tier, text tokens)"
)

// Default returns the built-in table of OpenAI's standard prices, read on
// DefaultDate. Newer models are not in it: give their prices with Merge.
func Default() *Table {
	return &Table{Date: DefaultDate, Source: DefaultSource, Prices: map[string]Price{
		"gpt-5":                {Input: 1.25, CachedInput: 0.125, Output: 10},
		"gpt-5-mini":           {Input: 0.25, CachedInput: 0.025, Output: 2},
		"gpt-5-nano":           {Input: 0.05, CachedInput: 0.005, Output: 0.40},
		"gpt-5-chat-latest":    {Input: 1.25, CachedInput: 0.125, Output: 10},
		"gpt-4.1":              {Input: 2, CachedInput: 0.50, Output: 8},
		"gpt-4.1-mini":         {Input: 0.40, CachedInput: 0.10, Output: 1.60},
		"gpt-4.1-nano":         {Input: 0.10, CachedInput: 0.025, Output: 0.40},
		"gpt-4o":               {Input: 2.50, CachedInput: 1.25, Output: 10},
		"gpt-4o-mini":          {Input: 0.15, CachedInput: 0.075, Output: 0.60},
		"o3":                   {Input: 2, CachedInput: 0.50, Output: 8},
		"o3-pro":               {Input: 20, Output: 80},
		"o4-mini":              {Input: 1.10, CachedInput: 0.275, Output: 4.40},
		"o1":                   {Input: 15, CachedInput: 7.50, Output: 60},
		"computer-use-preview": {Input: 3, Output: 12},
		"codex-mini-latest":    {Input: 1.50, CachedInput: 0.375, Output: 6},
	}}
}

// Load reads a table from JSON: {"date": …, "source": …, "prices":
// {"model": {"input": 1.25, "cached_input": 0.125, "output": 10}, …}}.
func Load(r io.Reader) (*Table, error) {
	var w struct {
		Date   string           `json:"date"`
		Source string           `json:"source"`
		Prices map[string]Price `json:"prices"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("pricing: %w", err)
	}
	for m, p := range w.Prices {
		if p.Input < 0 || p.Output < 0 || p.CachedInput < 0 || p.CacheWrite < 0 {
			return nil, fmt.Errorf("pricing: %s: a negative price", m)
		}
	}
	return &Table{Date: w.Date, Source: w.Source, Prices: w.Prices}, nil
}

// Merge returns a table with t's prices and other's, other's winning.
func (t *Table) Merge(other *Table) *Table {
	out := &Table{Date: t.Date, Source: t.Source, Prices: map[string]Price{}}
	for m, p := range t.Prices {
		out.Prices[m] = p
	}
	if other != nil {
		for m, p := range other.Prices {
			out.Prices[m] = p
		}
		if other.Source != "" {
			out.Date, out.Source = other.Date, other.Source+"; "+t.Source
		}
	}
	return out
}

// Lookup returns the price of model.
func (t *Table) Lookup(model string) (Price, bool) {
	if t == nil {
		return Price{}, false
	}
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	if p, ok := t.Prices[m]; ok {
		return p, true
	}
	names := make([]string, 0, len(t.Prices))
	for name := range t.Prices {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, name := range names {
		if strings.HasPrefix(m, name+"-") {
			return t.Prices[name], true
		}
	}
	return Price{}, false
}

// Cost returns what u cost on model in US dollars, and false when the
// table has no price for it.
func (t *Table) Cost(model string, u *responses.Usage) (float64, bool) {
	p, ok := t.Lookup(model)
	if !ok {
		return 0, false
	}
	if u == nil {
		return 0, true
	}
	cached := u.InputTokensDetails.CachedTokens
	written := u.InputTokensDetails.CacheWriteTokens
	plain := max(u.InputTokens-cached-written, 0)
	cachedPrice, writePrice := p.CachedInput, p.CacheWrite
	if cachedPrice == 0 {
		cachedPrice = p.Input
	}
	if writePrice == 0 {
		writePrice = p.Input
	}
	usd := (float64(plain)*p.Input + float64(cached)*cachedPrice + float64(written)*writePrice +
		float64(u.OutputTokens)*p.Output) / 1e6
	return usd, true
}
