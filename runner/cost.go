package runner

import (
	"errors"
	"fmt"

	"github.com/agentloop/agentloop/responses"
)

// Budget bounds a run. Before each model call, the runner estimates what
// the call adds (the input the request carries, and as many output tokens
// as the last call produced); when the run would pass a bound, it ends with
// an error wrapping [ErrBudget], its result keeping what it produced.
type Budget struct {
	// Tokens bounds the total tokens of the run's model calls; zero means
	// none.
	Tokens int64
	// USD bounds their cost in US dollars, priced with Options.Prices
	// (required for it); zero means none. A model without a price cannot
	// be held to it: the run ends rather than spend blind.
	USD float64
}

// ErrBudget means the run's next model call would pass its budget.
var ErrBudget = errors.New("runner: budget exceeded")

// addCost prices a response.
func (st *run) addCost(resp *responses.Response) {
	if st.r.prices == nil || resp.Usage == nil {
		return
	}
	model := resp.Model
	if model == "" {
		model = st.a.Model
	}
	if usd, ok := st.r.prices.Cost(model, resp.Usage); ok {
		st.s.CostUSD += usd
	} else {
		st.s.CostUnknown = true
	}
}

// cost returns the run's cost so far, or nil when it is unknown.
func (st *run) cost() *float64 {
	if st.r.prices == nil || st.s.CostUnknown {
		return nil
	}
	c := st.s.CostUSD
	return &c
}

// checkBudget ends the run before a model call that would pass its
// budget.
func (st *run) checkBudget(turn int) error {
	b, s := st.r.budget, st.s
	if b == nil {
		return nil
	}
	var lastOut int64
	if st.last != nil && st.last.Usage != nil {
		lastOut = st.last.Usage.OutputTokens
	}
	next := responses.Usage{InputTokens: int64(st.estimate()), OutputTokens: lastOut}
	next.TotalTokens = next.InputTokens + next.OutputTokens
	if b.Tokens > 0 && s.Usage.TotalTokens+next.TotalTokens > b.Tokens {
		return fmt.Errorf("%w: turn %d would take the run to about %d tokens, past its budget of %d (%d used)",
			ErrBudget, turn, s.Usage.TotalTokens+next.TotalTokens, b.Tokens, s.Usage.TotalTokens)
	}
	if b.USD > 0 {
		if st.r.prices == nil {
			return fmt.Errorf("%w: a budget in dollars needs Options.Prices", ErrBudget)
		}
		usd, ok := st.r.prices.Cost(st.a.Model, &next)
		if !ok || s.CostUnknown {
			return fmt.Errorf("%w: model %s has no price, so a budget of $%.4f cannot be kept", ErrBudget, st.a.Model, b.USD)
		}
		if s.CostUSD+usd > b.USD {
			return fmt.Errorf("%w: turn %d would take the run to about $%.4f, past its budget of $%.4f ($%.4f spent)",
				ErrBudget, turn, s.CostUSD+usd, b.USD, s.CostUSD)
		}
	}
	return nil
}

// turnCost prices one response, or returns nil.
func (st *run) turnCost(resp *responses.Response) *float64 {
	if st.r.prices == nil || resp == nil || resp.Usage == nil {
		return nil
	}
	model := resp.Model
	if model == "" {
		model = st.a.Model
	}
	if usd, ok := st.r.prices.Cost(model, resp.Usage); ok {
		return &usd
	}
	return nil
}
