package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/trim"
)

// Compaction configures automatic compaction of a stateless run's history
// (see [Options].Compaction).
type Compaction struct {
	// InputBudget is the most input tokens a request may carry: before a
	// request whose input would pass it (the last response's input tokens
	// plus an estimate of what was added since: a token per 4 bytes), the
	// history is compacted. Required.
	InputBudget int
	// Model compacts; default the agent's model.
	Model string
}

// CompactionReport says how a run's history was compacted
// ([EventCompacted]).
type CompactionReport struct {
	// Before and After count the history's items.
	Before, After int
	// EstimatedTokens is the estimate that passed the budget.
	EstimatedTokens int
	// Trimmed: the endpoint cannot compact (a gateway without
	// /responses/compact), so the oldest turns were dropped instead.
	Trimmed bool
	// Usage is the compaction's usage (nil when trimmed).
	Usage *responses.Usage
}

// compact compacts the history when the next request would pass the
// budget.
func (st *run) compact(ctx context.Context) error {
	c := st.r.compaction
	if c == nil || c.InputBudget <= 0 || st.mode() != ModeStateless {
		return nil
	}
	s := st.s
	estimate := st.estimate()
	if estimate <= c.InputBudget {
		return nil
	}
	model := c.Model
	if model == "" {
		model = st.a.Model
	}
	before := len(s.History)
	report := &CompactionReport{Before: before, EstimatedTokens: estimate}
	ctx, span := st.r.tel.startCompact(ctx, model)
	resp, err := st.r.client.Compact(ctx, &responses.CompactRequest{Model: model, Instructions: st.a.Instructions,
		Input: s.History[min(s.SendFrom, len(s.History)):]})
	st.r.tel.endCompact(ctx, span, err)
	switch {
	case errors.Is(err, responses.ErrCompactUnsupported):
		// Drop the oldest turns until the estimate fits: what the
		// history must lose, in the local estimate's terms.
		local := trim.EstimateTokens(s.History)
		s.History = trim.ToBudget(max(0, local-(estimate-c.InputBudget)), trim.EstimateTokens)(s.History)
		report.Trimmed = true
	case err != nil:
		return fmt.Errorf("compacting the history: %w", err)
	default:
		s.History = append([]responses.Item(nil), resp.Output...)
		report.Usage = resp.Usage
		s.Usage.Add(resp.Usage)
	}
	s.ServerItems, s.SendFrom = 0, 0
	s.CountedItems, s.InputTokens = 0, 0
	report.After = len(s.History)
	st.rewrote()
	st.yield(Event{Type: EventCompacted, Turn: s.Turn, Compaction: report}, nil)
	return st.save(ctx)
}

// estimate estimates the input tokens of the next request: the last
// response's input tokens plus what joined the history since.
func (st *run) estimate() int {
	s := st.s
	added := s.History
	if s.CountedItems <= len(s.History) {
		added = s.History[s.CountedItems:]
	}
	n := int(s.InputTokens)
	if s.InputTokens == 0 {
		added = s.History[min(s.SendFrom, len(s.History)):]
	}
	return n + trim.EstimateTokens(added)
}
