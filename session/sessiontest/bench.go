package sessiontest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/session"
)

// BenchmarkAppend measures appends at the end of a session made by
// newSession: a turn's call and output (two small items), or a 100 kB
// screenshot item, as sub-benchmarks Pair and Screenshot100kB. Every
// implementation runs the same cases, so their figures compare.
func BenchmarkAppend(b *testing.B, newSession func(b *testing.B) session.Session) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		items func(i int) []responses.Item
	}{
		{"Pair", func(i int) []responses.Item {
			id := fmt.Sprintf("call_%d", i)
			return []responses.Item{
				{Type: responses.ItemFunctionCall, CallID: id, Name: "get_weather", Arguments: `{"city":"Paris"}`, Status: "completed"},
				responses.FunctionCallOutput(id, `{"temperature":21,"unit":"C","conditions":"sunny"}`),
			}
		}},
		{"Screenshot100kB", func(i int) []responses.Item {
			return []responses.Item{{Type: responses.ItemComputerCallOutput, CallID: fmt.Sprintf("call_%d", i),
				Screenshot: &responses.ComputerScreenshot{ImageURL: "data:image/png;base64," + strings.Repeat("A", 100<<10)}}}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := newSession(b)
			var size int64
			for _, it := range tc.items(0) {
				enc, err := it.MarshalJSON()
				if err != nil {
					b.Fatal(err)
				}
				size += int64(len(enc))
			}
			b.SetBytes(size)
			n := 0
			for i := 0; b.Loop(); i++ {
				items := tc.items(i)
				if err := s.Append(ctx, n, items); err != nil {
					b.Fatal(err)
				}
				n += len(items)
			}
		})
	}
}
