package tools

import (
	"context"
	"strings"
	"sync"
)

// notes collects the notes of one call.
type notes struct {
	mu   sync.Mutex
	list []string
}

type notesKey struct{}

// WithNotes returns a context in which [Note] collects notes, and a function
// that returns the notes collected so far. Runners call it around each
// call; tools use [Note].
func WithNotes(ctx context.Context) (context.Context, func() []string) {
	n := &notes{}
	return context.WithValue(ctx, notesKey{}, n), func() []string {
		n.mu.Lock()
		defer n.mu.Unlock()
		return append([]string(nil), n.list...)
	}
}

// Note adds text for the model to read beside the output of the call
// running in ctx: the runner sends it in a message after the turn's
// outputs, as it does with the errors of calls whose outputs hold no text.
// It is for what the model must know although the call did not fail: a
// computer_call_output is a screenshot and nothing else, so a dialog the
// page opened and how it was answered can only be said this way. Outside a
// runner (a context without [WithNotes]) it does nothing. Empty text is
// ignored; Note is safe for concurrent use.
func Note(ctx context.Context, text string) {
	n, ok := ctx.Value(notesKey{}).(*notes)
	if !ok || strings.TrimSpace(text) == "" {
		return
	}
	n.mu.Lock()
	n.list = append(n.list, text)
	n.mu.Unlock()
}
