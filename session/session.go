package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/agentloop/agentloop/responses"
)

// Session is a conversation's stored history: the items of its turns, in
// order, each kept as the exact bytes it encodes to.
//
// Writers name the position they write at: after is the number of items the
// writer last saw. A writer whose count is stale gets [ErrConflict] and
// writes nothing, so two writers never interleave their items; the loser
// loads the history again and decides what to do.
//
// Every implementation in this module is safe for concurrent use, by
// goroutines and (for the file and SQL sessions) by processes sharing the
// file or the database, and passes the conformance suite in
// session/sessiontest.
type Session interface {
	// Items returns the stored items in order, all of them (callers trim).
	// An empty session has none.
	Items(ctx context.Context) ([]responses.Item, error)

	// Append adds items after the first after items, atomically: all of
	// them or none. after is the count the writer last saw: when the
	// session holds another count, Append fails with [ErrConflict] and
	// writes nothing, except that re-appending the very items already
	// stored at that position succeeds and writes nothing, so a retried
	// append never duplicates.
	Append(ctx context.Context, after int, items []responses.Item) error

	// Replace swaps the whole history for items atomically (compaction,
	// trimming), if the session still holds after items; otherwise it
	// fails with [ErrConflict] and changes nothing.
	Replace(ctx context.Context, after int, items []responses.Item) error

	// Clear removes every item.
	Clear(ctx context.Context) error
}

// ErrConflict is the error of an [Session.Append] or [Session.Replace]
// whose position is stale: another writer changed the session since the
// writer last read it. Errors wrap it, with the counts.
var ErrConflict = errors.New("session: conflict: another writer changed the session")

// conflict returns ErrConflict wrapped with the counts.
func conflict(count, after int) error {
	return fmt.Errorf("%w (it holds %d items, the writer saw %d)", ErrConflict, count, after)
}

// encode returns the bytes of each item: its raw bytes when it was decoded,
// its fields' encoding when it was built in code. The slices are copies.
func encode(items []responses.Item) ([][]byte, error) {
	out := make([][]byte, len(items))
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("session: item %d: %w", i, err)
		}
		out[i] = bytes.Clone(b)
	}
	return out, nil
}

// decode returns the items encoded as enc.
func decode(enc [][]byte) ([]responses.Item, error) {
	if len(enc) == 0 {
		return nil, nil
	}
	items := make([]responses.Item, len(enc))
	for i, b := range enc {
		if err := items[i].UnmarshalJSON(b); err != nil {
			return nil, fmt.Errorf("session: stored item %d: %w", i, err)
		}
	}
	return items, nil
}

// position applies the position rule of [Session.Append] to a session
// holding count items, of which stored(i) returns the i-th: it reports
// whether enc must be written at after (after == count), or returns nil
// when enc is already stored there, or a conflict.
func position(count, after int, enc [][]byte, stored func(i int) ([]byte, error)) (write bool, err error) {
	if after < 0 {
		return false, fmt.Errorf("session: negative position %d", after)
	}
	if after == count {
		return true, nil
	}
	if after > count || after+len(enc) > count {
		return false, conflict(count, after)
	}
	for i, b := range enc {
		s, err := stored(after + i)
		if err != nil {
			return false, err
		}
		if !bytes.Equal(s, b) {
			return false, conflict(count, after)
		}
	}
	return false, nil
}

// replaceable applies the position rule of [Session.Replace] to a session
// holding count items.
func replaceable(count, after int) error {
	if after < 0 {
		return fmt.Errorf("session: negative position %d", after)
	}
	if after != count {
		return conflict(count, after)
	}
	return nil
}
