// Package session stores conversations: the items of a conversation's
// turns, so that a later run, in this process or another, continues it.
//
// A [Session] loads the whole history ([Session.Items]) and adds to it with
// a position: [Session.Append] (ctx, after, items) writes items after the
// first after items, where after is the count the writer last saw. When
// another writer got there first the append fails with [ErrConflict] and
// writes nothing, so two runs on one session never interleave; re-appending
// items that are already stored at that position succeeds and writes
// nothing, so a retried append never duplicates. [Session.Replace] swaps
// the whole history atomically under the same rule (compaction, trimming).
//
//	s := session.NewFile("chat.jsonl", nil)
//	history, err := s.Items(ctx)
//	if err != nil {
//		return err
//	}
//	// ... run a turn on history, producing added ...
//	if err := s.Append(ctx, len(history), added); errors.Is(err, session.ErrConflict) {
//		// another run continued the conversation meanwhile: reload
//	}
//
// Items keep their exact bytes: an item decoded from a response is stored
// as the bytes it came with and comes back with them (see
// [responses.Item]), so the history replays byte for byte whatever the
// backend.
//
// # Backends
//
//   - [Memory]: in memory ([NewMemory]).
//   - [File]: a file of JSON lines, synced on each append, locked against
//     other processes, tolerant of a crash mid-append ([NewFile]).
//   - session/sqlsession: a table of any database/sql database (SQLite and
//     PostgreSQL are tested); the caller brings the driver.
//
// Each passes the conformance suite in session/sessiontest. This package
// imports no SQL driver.
package session
