package runner

import (
	"context"
	"fmt"

	"github.com/agentloop/agentloop/responses"
)

// Session stores a conversation across runs. Package session has backends
// (memory, a JSON-lines file, SQL) that implement it; any type with these
// methods does.
//
// Append adds items after the first `after` items, and fails, writing
// nothing, when the session holds another count (another writer got there
// first); Replace swaps the whole history on the same condition.
type Session interface {
	Items(ctx context.Context) ([]responses.Item, error)
	Append(ctx context.Context, after int, items []responses.Item) error
	Replace(ctx context.Context, after int, items []responses.Item) error
}

// WithSession runs in a stored conversation: the run's history starts with
// the session's items, followed by the input (the new items only), and what
// the run adds is appended to the session when it ends, pauses or fails. A
// call is never stored without its output: the items of a turn whose calls
// are not all answered wait in the State until they are (a resumed run
// appends them). A history the run rewrote (compaction, a handoff filter,
// reasoning dropped) replaces the session's. Two runs writing one session
// at once cannot interleave: the second one's write fails, saying so, and
// its result keeps what it produced.
//
// With Resume, the state's own position in the session is used (give the
// same session again). A session excludes ChainResponses and conversations:
// the server would hold the history too.
func WithSession(s Session) RunOption {
	return func(c *runConfig) { c.session = s }
}

// loadSession prepends the session's items to a new run's history.
func (st *run) loadSession(ctx context.Context) error {
	sess := st.session
	if sess == nil || st.resume {
		return nil
	}
	if st.r.chain || st.s.Conversation != "" {
		return fmt.Errorf("runner: a session excludes ChainResponses and conversations: the server would hold the history too")
	}
	items, err := sess.Items(ctx)
	if err != nil {
		return fmt.Errorf("runner: loading the session: %w", err)
	}
	s := st.s
	s.History = append(items[:len(items):len(items)], s.History...)
	s.SessionItems = len(items)
	s.InSession = true
	return nil
}

// saveSession writes what the run added to its session: the history up to
// the open turn, if one is open.
func (st *run) saveSession(ctx context.Context) error {
	sess, s := st.session, st.s
	if sess == nil || !s.InSession {
		return nil
	}
	end := len(s.History)
	if len(s.Calls) > 0 {
		end = min(s.TurnStart, end) // a call is never stored without its output
	}
	if st.rewritten {
		if err := sess.Replace(ctx, s.SessionItems, s.History[:end]); err != nil {
			return fmt.Errorf("runner: replacing the session's history: %w", err)
		}
		s.SessionItems = end
		st.rewritten = false
		return nil
	}
	if end <= s.SessionItems {
		return nil
	}
	if err := sess.Append(ctx, s.SessionItems, s.History[s.SessionItems:end]); err != nil {
		return fmt.Errorf("runner: appending to the session: %w", err)
	}
	s.SessionItems = end
	return nil
}
