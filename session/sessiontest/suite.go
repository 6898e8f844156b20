// Package sessiontest is the conformance suite every [session.Session]
// backend runs, so that all backends behave alike: items kept byte for byte
// (items of real recorded responses, pretty-printed or compact, items built
// in code, unknown kinds, a 1 MB screenshot), the position rule of Append
// (conflicts, idempotent re-appends, empty appends), atomic appends,
// Replace, Clear, cancelled contexts, many items, and concurrent writers on
// one session (exactly one wins each position; histories never interleave,
// whatever mix of Append, Replace and Clear races) and on several sessions
// (independent). Run it under -race.
//
//	func TestConformance(t *testing.T) {
//		sessiontest.Run(t, func(t *testing.T) session.Session {
//			return mybackend.New(...)
//		}, nil)
//	}
package sessiontest

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/session"
)

// Options tunes Run for a backend's abilities. The zero value is valid.
type Options struct {
	// Reopen, when set, returns another handle on the history s stores (a
	// new handle on the same file, the same database row): the suite then
	// checks that one handle reads what another wrote and that stale
	// handles conflict, and the concurrency tests give each writer its own
	// handle. Nil skips the first two and shares s between the writers.
	Reopen func(t *testing.T, s session.Session) session.Session
}

// Run runs the conformance suite as subtests of t. newSession must return
// a new, empty session each time it is called, independent of the others.
// opts may be nil.
func Run(t *testing.T, newSession func(t *testing.T) session.Session, opts *Options) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	r := &suite{newSession: newSession, opts: opts}
	t.Run("Empty", r.empty)
	t.Run("RoundTrip", r.roundTrip)
	t.Run("Positions", r.positions)
	t.Run("AtomicFailure", r.atomicFailure)
	t.Run("ItemsAreCopies", r.itemsAreCopies)
	t.Run("Large", r.large)
	t.Run("Many", r.many)
	t.Run("CancelledContext", r.cancelled)
	t.Run("Reopen", r.reopen)
	t.Run("RaceOnePosition", r.raceOnePosition)
	t.Run("ConcurrentWriters", r.concurrentWriters)
	t.Run("ConcurrentReplaceAndClear", r.concurrentMixed)
	t.Run("ConcurrentSessions", r.concurrentSessions)
}

type suite struct {
	newSession func(t *testing.T) session.Session
	opts       *Options
}

// handle returns another handle on s when the backend can reopen, else s.
func (r *suite) handle(t *testing.T, s session.Session) session.Session {
	t.Helper()
	if r.opts.Reopen == nil {
		return s
	}
	return r.opts.Reopen(t, s)
}

//go:embed testdata/cassette/*.json
var cassette embed.FS

// recorded returns items of real responses, as their bytes were recorded:
// pretty-printed items of JSON bodies (with line breaks and indentation)
// and compact items of event streams; reasoning with a summary and with
// encrypted content, calls, messages with annotations and phases, hosted
// web and file search calls.
func recorded(t *testing.T) []responses.Item {
	t.Helper()
	names, err := fs.Glob(cassette, "testdata/cassette/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("recorded items: %v (%d files)", err, len(names))
	}
	var items []responses.Item
	for _, name := range names {
		b, err := cassette.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, raw(t, string(b)))
	}
	return items
}

// raw returns the item decoded from s, which keeps s as its bytes.
func raw(t *testing.T, s string) responses.Item {
	t.Helper()
	var it responses.Item
	if err := it.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatalf("decoding %.60q: %v", s, err)
	}
	if string(it.Raw()) != s {
		t.Fatalf("decoding kept %.60q, not %.60q", it.Raw(), s)
	}
	return it
}

// odd returns items whose bytes a careless store would change: HTML
// characters and escapes encoding/json would rewrite, numbers it would
// normalise, whitespace of every kind, keys out of order and duplicated, an
// item kind this module does not know, and items built in code.
func odd(t *testing.T) []responses.Item {
	t.Helper()
	return []responses.Item{
		raw(t, `{"type":"message","role":"user","content":"<b>a & b</b> \u003cscript\u003e caf\u00e9 café \"q\" \\ \/ \u2028\u2029 😀 \ud83d\ude00"}`),
		raw(t, "{ \"role\" : \"user\",\r\n\t\"type\":\"message\" ,\n\"content\" : \"crlf\" ,\"content\":\"duplicate key\"}"),
		raw(t, "  {\"type\":\"message\",\"role\":\"user\",\"content\":\"leading and trailing spaces\"}  "),
		raw(t, `{"type":"future_item","id":"fi_1","numbers":[1,1.50,1e3,-0,12345678901234567890],"nested":{"b":null,"a":[true,false]}}`),
		raw(t, `{"type":"message","role":"user","content":"]\n[1]\n"}`),
		raw(t, "{\"type\":\"message\",\"role\":\"user\",\"content\":\"]\\n[1]\\n\"\n}"),
		responses.UserMessage("built in code: <&> é"),
		responses.FunctionCallOutput("call_1", "{\"ok\":true}"),
		{Type: responses.ItemComputerCallOutput, CallID: "call_2", Screenshot: &responses.ComputerScreenshot{
			ImageURL: "data:image/png;base64,iVBORw0KGgo="}},
	}
}

// enc returns the bytes of each item, as strings for cmp.Diff.
func enc(t *testing.T, items []responses.Item) []string {
	t.Helper()
	out := make([]string, len(items))
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		out[i] = string(b)
	}
	return out
}

// load returns the bytes of s's items.
func load(t *testing.T, s session.Session) []string {
	t.Helper()
	items, err := s.Items(context.Background())
	if err != nil {
		t.Fatalf("Items: %v", err)
	}
	return enc(t, items)
}

// check fails t when s does not hold want, byte for byte.
func check(t *testing.T, s session.Session, want []responses.Item) {
	t.Helper()
	if diff := cmp.Diff(enc(t, want), load(t, s)); diff != "" {
		t.Errorf("stored items (-want +got):\n%s", diff)
	}
}

// msg returns a user message with text.
func msg(text string) responses.Item { return responses.UserMessage(text) }

// pair returns a function call and its output, as a run appends them.
func pair(id string) []responses.Item {
	return []responses.Item{
		{Type: responses.ItemFunctionCall, CallID: id, Name: "f", Arguments: `{"id":"` + id + `"}`,
			Status: responses.StatusCompleted},
		responses.FunctionCallOutput(id, "output of "+id),
	}
}

func (r *suite) empty(t *testing.T) {
	ctx := context.Background()
	s := r.newSession(t)
	check(t, s, nil)
	if err := s.Append(ctx, 0, nil); err != nil {
		t.Errorf("Append(0, nothing) on an empty session: %v", err)
	}
	if err := s.Replace(ctx, 0, nil); err != nil {
		t.Errorf("Replace(0, nothing) on an empty session: %v", err)
	}
	if err := s.Clear(ctx); err != nil {
		t.Errorf("Clear on an empty session: %v", err)
	}
	if err := s.Append(ctx, 1, []responses.Item{msg("a")}); !errors.Is(err, session.ErrConflict) {
		t.Errorf("Append(1) on an empty session: %v, want ErrConflict", err)
	}
	if err := s.Replace(ctx, 1, nil); !errors.Is(err, session.ErrConflict) {
		t.Errorf("Replace(1) on an empty session: %v, want ErrConflict", err)
	}
	check(t, s, nil)
}

func (r *suite) roundTrip(t *testing.T) {
	ctx := context.Background()
	items := append(recorded(t), odd(t)...)
	t.Run("OneAppend", func(t *testing.T) {
		s := r.newSession(t)
		if err := s.Append(ctx, 0, items); err != nil {
			t.Fatal(err)
		}
		check(t, s, items)
		got, err := s.Items(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i].Raw() == nil {
				t.Errorf("item %d came back without its bytes", i)
			}
		}
		// What came back goes back as it is.
		if err := s.Append(ctx, len(got), got); err != nil {
			t.Fatal(err)
		}
		check(t, s, append(items[:len(items):len(items)], items...))
	})
	t.Run("OneByOne", func(t *testing.T) {
		s := r.newSession(t)
		for i := range items {
			if err := s.Append(ctx, i, items[i:i+1]); err != nil {
				t.Fatalf("Append(%d): %v", i, err)
			}
		}
		check(t, s, items)
	})
	t.Run("Replace", func(t *testing.T) {
		s := r.newSession(t)
		if err := s.Append(ctx, 0, []responses.Item{msg("before")}); err != nil {
			t.Fatal(err)
		}
		if err := s.Replace(ctx, 1, items); err != nil {
			t.Fatal(err)
		}
		check(t, s, items)
	})
}

func (r *suite) positions(t *testing.T) {
	a, b, c, d, x, y := msg("a"), msg("b"), msg("c"), msg("d"), msg("x"), msg("y")
	its := func(items ...responses.Item) []responses.Item { return items }
	const (
		ok = iota
		conflict
		invalid // an error, not a conflict
	)
	steps := []struct {
		name  string
		op    string // append, replace, clear
		after int
		items []responses.Item
		want  int
		then  []responses.Item
	}{
		{"first append", "append", 0, its(a), ok, its(a)},
		{"same position, other item", "append", 0, its(b), conflict, its(a)},
		{"past the end", "append", 2, its(b), conflict, its(a)},
		{"two at the end", "append", 1, its(b, c), ok, its(a, b, c)},
		{"retried append", "append", 1, its(b, c), ok, its(a, b, c)},
		{"stored prefix", "append", 1, its(b), ok, its(a, b, c)},
		{"whole history again", "append", 0, its(a, b, c), ok, its(a, b, c)},
		{"overlapping the end", "append", 2, its(c, d), conflict, its(a, b, c)},
		{"other item in the middle", "append", 1, its(c), conflict, its(a, b, c)},
		{"same items, other order", "append", 1, its(c, b), conflict, its(a, b, c)},
		{"nothing at the end", "append", 3, nil, ok, its(a, b, c)},
		{"nothing in the middle", "append", 2, nil, ok, its(a, b, c)},
		{"nothing past the end", "append", 4, nil, conflict, its(a, b, c)},
		{"negative append", "append", -1, its(a), invalid, its(a, b, c)},
		{"stale replace", "replace", 2, its(x), conflict, its(a, b, c)},
		{"replace past the end", "replace", 4, its(x), conflict, its(a, b, c)},
		{"negative replace", "replace", -1, its(x), invalid, its(a, b, c)},
		{"replace", "replace", 3, its(x, y), ok, its(x, y)},
		{"old position after a replace", "append", 3, its(d), conflict, its(x, y)},
		{"append after a replace", "append", 2, its(d), ok, its(x, y, d)},
		{"replace with the same items", "replace", 3, its(x, y, d), ok, its(x, y, d)},
		{"clear", "clear", 0, nil, ok, nil},
		{"old position after a clear", "append", 3, its(a), conflict, nil},
		{"append after a clear", "append", 0, its(a), ok, its(a)},
		{"replace with nothing", "replace", 1, nil, ok, nil},
		{"replace an empty session", "replace", 0, its(b), ok, its(b)},
	}
	ctx := context.Background()
	s := r.newSession(t)
	for _, st := range steps {
		var err error
		switch st.op {
		case "append":
			err = s.Append(ctx, st.after, st.items)
		case "replace":
			err = s.Replace(ctx, st.after, st.items)
		case "clear":
			err = s.Clear(ctx)
		}
		got := ok
		if errors.Is(err, session.ErrConflict) {
			got = conflict
		} else if err != nil {
			got = invalid
		}
		if got != st.want {
			t.Errorf("%s: %s(%d, %d items): %v, want %v", st.name, st.op, st.after, len(st.items), err,
				[]string{"no error", "ErrConflict", "an error that is not ErrConflict"}[st.want])
		}
		if diff := cmp.Diff(enc(t, st.then), load(t, s)); diff != "" {
			t.Fatalf("%s: stored items (-want +got):\n%s", st.name, diff)
		}
	}
}

func (r *suite) atomicFailure(t *testing.T) {
	ctx := context.Background()
	s := r.newSession(t)
	first := []responses.Item{msg("first")}
	if err := s.Append(ctx, 0, first); err != nil {
		t.Fatal(err)
	}
	// An item built in code with a type this module cannot encode.
	bad := []responses.Item{msg("a"), msg("b"), {Type: "no_such_type"}, msg("c")}
	if err := s.Append(ctx, 1, bad); err == nil || errors.Is(err, session.ErrConflict) {
		t.Errorf("Append of an item that does not encode: %v, want an error", err)
	}
	if err := s.Replace(ctx, 1, bad); err == nil || errors.Is(err, session.ErrConflict) {
		t.Errorf("Replace with an item that does not encode: %v, want an error", err)
	}
	check(t, s, first)
	if err := s.Append(ctx, 1, []responses.Item{msg("second")}); err != nil {
		t.Fatalf("Append after a failed one: %v", err)
	}
	check(t, s, []responses.Item{first[0], msg("second")})
}

func (r *suite) itemsAreCopies(t *testing.T) {
	ctx := context.Background()
	s := r.newSession(t)
	in := []responses.Item{raw(t, `{"type":"message","role":"user","content":[{"type":"input_text","text":"kept"}]}`)}
	want := enc(t, in)
	if err := s.Append(ctx, 0, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got[0].Content[0].Text = "changed by the caller"
	got[0].Type = "changed"
	in[0].Content[0].Text = "changed by the writer"
	if diff := cmp.Diff(want, load(t, s)); diff != "" {
		t.Errorf("stored items changed with the caller's (-want +got):\n%s", diff)
	}
}

// screenshot returns a computer_call_output whose screenshot is a data URL
// of n bytes: built in code, or raw and pretty-printed.
func screenshot(t *testing.T, callID string, n int, pretty bool) responses.Item {
	t.Helper()
	url := "data:image/png;base64," + strings.Repeat("iVBORw0KGgoAAAANSUhEUgAA", n/24+1)[:n-22]
	it := responses.Item{Type: responses.ItemComputerCallOutput, CallID: callID,
		Screenshot: &responses.ComputerScreenshot{Type: responses.ContentComputerScreenshot, ImageURL: url}}
	if !pretty {
		return it
	}
	b, err := json.MarshalIndent(map[string]any{"type": it.Type, "call_id": callID,
		"output": map[string]string{"type": "computer_screenshot", "image_url": url}}, "    ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return raw(t, string(b))
}

func (r *suite) large(t *testing.T) {
	ctx := context.Background()
	s := r.newSession(t)
	const mb = 1 << 20
	first := []responses.Item{screenshot(t, "call_1", mb, false)}
	if err := s.Append(ctx, 0, first); err != nil {
		t.Fatal(err)
	}
	more := []responses.Item{msg("between"), screenshot(t, "call_2", mb, true)}
	if err := s.Append(ctx, 1, more); err != nil {
		t.Fatal(err)
	}
	all := append(first, more...)
	check(t, s, all)
	if err := s.Append(ctx, 1, more); err != nil {
		t.Errorf("retried append of large items: %v", err)
	}
	if err := s.Replace(ctx, 3, all[1:]); err != nil {
		t.Fatal(err)
	}
	check(t, s, all[1:])
}

func (r *suite) many(t *testing.T) {
	ctx := context.Background()
	s := r.newSession(t)
	var all []responses.Item
	for i := range 1000 {
		all = append(all, msg(fmt.Sprintf("message %d", i)))
	}
	if err := s.Append(ctx, 0, all); err != nil {
		t.Fatal(err)
	}
	// Then batches of every size from 1 to 40.
	for n := 1; n <= 40; n++ {
		var batch []responses.Item
		for i := range n {
			batch = append(batch, msg(fmt.Sprintf("batch %d item %d", n, i)))
		}
		if err := s.Append(ctx, len(all), batch); err != nil {
			t.Fatalf("Append(%d, %d items): %v", len(all), n, err)
		}
		all = append(all, batch...)
	}
	check(t, s, all)
	if err := s.Append(ctx, 500, all[500:]); err != nil {
		t.Errorf("retried append of %d items: %v", len(all)-500, err)
	}
	if err := s.Replace(ctx, len(all), all[:len(all)-7]); err != nil {
		t.Fatal(err)
	}
	check(t, s, all[:len(all)-7])
}

func (r *suite) cancelled(t *testing.T) {
	s := r.newSession(t)
	stored := []responses.Item{msg("a")}
	if err := s.Append(context.Background(), 0, stored); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, op := range map[string]func() error{
		"Items":   func() error { _, err := s.Items(ctx); return err },
		"Append":  func() error { return s.Append(ctx, 1, []responses.Item{msg("b")}) },
		"Replace": func() error { return s.Replace(ctx, 1, []responses.Item{msg("b")}) },
		"Clear":   func() error { return s.Clear(ctx) },
	} {
		if err := op(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
	check(t, s, stored)
}

func (r *suite) reopen(t *testing.T) {
	if r.opts.Reopen == nil {
		t.Skip("the backend cannot reopen a session (Options.Reopen is nil)")
	}
	ctx := context.Background()
	s := r.newSession(t)
	items := recorded(t)
	if err := s.Append(ctx, 0, items[:2]); err != nil {
		t.Fatal(err)
	}
	s2 := r.opts.Reopen(t, s)
	check(t, s2, items[:2])
	// s2 is now stale.
	if err := s.Append(ctx, 2, items[2:4]); err != nil {
		t.Fatal(err)
	}
	if err := s2.Append(ctx, 2, items[4:5]); !errors.Is(err, session.ErrConflict) {
		t.Errorf("stale handle's Append: %v, want ErrConflict", err)
	}
	if err := s2.Replace(ctx, 2, nil); !errors.Is(err, session.ErrConflict) {
		t.Errorf("stale handle's Replace: %v, want ErrConflict", err)
	}
	if err := s2.Append(ctx, 2, items[2:4]); err != nil {
		t.Errorf("another handle's retry of the stored append: %v", err)
	}
	check(t, s2, items[:4])
	if err := s2.Replace(ctx, 4, items[4:]); err != nil {
		t.Fatal(err)
	}
	check(t, s, items[4:])
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	check(t, s2, nil)
}

// raceOnePosition starts writers together at one position, round after
// round: exactly one wins each round, the others conflict.
func (r *suite) raceOnePosition(t *testing.T) {
	const writers, rounds = 6, 8
	ctx := context.Background()
	s := r.newSession(t)
	handles := make([]session.Session, writers)
	for w := range handles {
		handles[w] = r.handle(t, s)
	}
	var want []responses.Item
	for round := range rounds {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				<-start
				errs[w] = handles[w].Append(ctx, len(want), pair(fmt.Sprintf("r%d-w%d", round, w)))
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for w, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: writers %d and %d both appended at %d", round, winner, w, len(want))
			case err == nil:
				winner = w
			case !errors.Is(err, session.ErrConflict):
				t.Fatalf("round %d: writer %d: %v", round, w, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no writer appended: %v", round, errs)
		}
		want = append(want, pair(fmt.Sprintf("r%d-w%d", round, winner))...)
		check(t, s, want)
	}
}

// concurrentWriters has writers append pairs in a loop, reloading on
// conflict: every pair is stored once, whole, in each writer's order.
func (r *suite) concurrentWriters(t *testing.T) {
	const writers, pairs = 4, 12
	ctx := context.Background()
	s := r.newSession(t)
	var wg sync.WaitGroup
	for w := range writers {
		h := r.handle(t, s)
		wg.Go(func() {
			for p := range pairs {
				if err := appendRetrying(ctx, h, pair(fmt.Sprintf("w%d-p%02d", w, p))); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	items, err := s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pairsOf(items)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != writers*pairs {
		t.Errorf("%d pairs stored, want %d", len(ids), writers*pairs)
	}
	next := make(map[int]int)
	for _, id := range ids {
		var w, p int
		if _, err := fmt.Sscanf(id, "w%d-p%d", &w, &p); err != nil {
			t.Fatalf("pair %q: %v", id, err)
		}
		if p != next[w] {
			t.Errorf("writer %d: pair %d stored where pair %d was due", w, p, next[w])
		}
		next[w] = p + 1
	}
}

// appendRetrying appends items at the end of s, reloading on conflict.
func appendRetrying(ctx context.Context, s session.Session, items []responses.Item) error {
	for {
		cur, err := s.Items(ctx)
		if err != nil {
			return err
		}
		err = s.Append(ctx, len(cur), items)
		if !errors.Is(err, session.ErrConflict) {
			return err
		}
	}
}

// pairsOf returns the call ids of a history made of "summary" messages
// followed by whole call/output pairs, or an error naming the first item
// out of place.
func pairsOf(items []responses.Item) ([]string, error) {
	i := 0
	for i < len(items) && items[i].Type == responses.ItemMessage {
		i++
	}
	var ids []string
	for ; i < len(items); i += 2 {
		call := items[i]
		if call.Type != responses.ItemFunctionCall {
			return nil, fmt.Errorf("item %d is a %s, not a call: histories interleaved", i, call.Type)
		}
		if i+1 >= len(items) {
			return nil, fmt.Errorf("call %s (item %d) stored without its output", call.CallID, i)
		}
		out := items[i+1]
		if out.Type != responses.ItemFunctionCallOutput || out.CallID != call.CallID {
			return nil, fmt.Errorf("call %s (item %d) followed by a %s of %s", call.CallID, i, out.Type, out.CallID)
		}
		ids = append(ids, call.CallID)
	}
	return ids, nil
}

// concurrentMixed races appenders with a compactor (Replace) and a
// clearer: readers and the final history always see a summary, then whole
// pairs, and each pair at most once.
func (r *suite) concurrentMixed(t *testing.T) {
	const writers, pairs, compactions, clears = 3, 10, 6, 2
	ctx := context.Background()
	s := r.newSession(t)
	var wg sync.WaitGroup
	for w := range writers {
		h := r.handle(t, s)
		wg.Go(func() {
			for p := range pairs {
				if err := appendRetrying(ctx, h, pair(fmt.Sprintf("w%d-p%02d", w, p))); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				if _, err := readPairs(ctx, h); err != nil {
					t.Errorf("writer %d read: %v", w, err)
					return
				}
			}
		})
	}
	// The compactor and the clearer stop after n successes or once the
	// writers are done.
	writing := make(chan struct{})
	compact := func(h session.Session, n int, clear bool) {
		for c := 0; c < n; {
			select {
			case <-writing:
				return
			default:
			}
			cur, err := h.Items(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if clear && len(cur) > 2 {
				if err := h.Clear(ctx); err != nil {
					t.Error(err)
					return
				}
				c++
				continue
			}
			if clear || len(cur) < 4 {
				time.Sleep(time.Millisecond) // let the writers write
				continue
			}
			// Keep a summary and the last pair, as compaction would.
			kept := append([]responses.Item{msg(fmt.Sprintf("summary of %d items", len(cur)))}, cur[len(cur)-2:]...)
			err = h.Replace(ctx, len(cur), kept)
			switch {
			case err == nil:
				c++
			case !errors.Is(err, session.ErrConflict):
				t.Error(err)
				return
			}
		}
	}
	var bg sync.WaitGroup
	h1, h2 := r.handle(t, s), r.handle(t, s)
	bg.Go(func() { compact(h1, compactions, false) })
	bg.Go(func() { compact(h2, clears, true) })
	wg.Wait()
	close(writing)
	bg.Wait()
	ids, err := readPairs(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, id := range ids {
		if seen[id] {
			t.Errorf("pair %s stored twice", id)
		}
		seen[id] = true
	}
}

// readPairs loads s and checks its shape (see pairsOf).
func readPairs(ctx context.Context, s session.Session) ([]string, error) {
	items, err := s.Items(ctx)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if it.Type == responses.ItemMessage && i > 0 {
			return nil, fmt.Errorf("a summary at item %d: a replaced history and an append interleaved", i)
		}
	}
	return pairsOf(items)
}

// concurrentSessions writes to several sessions at once: none sees another
// one's items or conflicts.
func (r *suite) concurrentSessions(t *testing.T) {
	const sessions, appends = 5, 15
	ctx := context.Background()
	ss := make([]session.Session, sessions)
	for i := range ss {
		ss[i] = r.newSession(t)
	}
	var wg sync.WaitGroup
	for i, s := range ss {
		wg.Go(func() {
			for a := range appends {
				if err := s.Append(ctx, 2*a, pair(fmt.Sprintf("s%d-a%d", i, a))); err != nil {
					t.Errorf("session %d, append %d: %v", i, a, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for i, s := range ss {
		var want []responses.Item
		for a := range appends {
			want = append(want, pair(fmt.Sprintf("s%d-a%d", i, a))...)
		}
		check(t, s, want)
	}
}
