package tools_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/tools"
)

func TestNote(t *testing.T) {
	// Outside a runner, notes go nowhere and nothing breaks.
	tools.Note(context.Background(), "lost")

	ctx, notes := tools.WithNotes(context.Background())
	var wg sync.WaitGroup
	for _, s := range []string{"a dialog opened", "", "  ", "the page crashed"} {
		wg.Go(func() { tools.Note(ctx, s) })
	}
	wg.Wait()
	got := notes()
	want := []string{"a dialog opened", "the page crashed"}
	if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if notes()[0] == "changed" {
		t.Error("the returned slice aliases the collected notes")
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})
