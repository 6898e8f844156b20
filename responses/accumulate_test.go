package responses

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cassetteDir returns ../shared/data/responses-cassettes relative to the
// module root, or skips the test when it is absent.
func cassetteDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package directory")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", "responses-cassettes")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("recorded cassettes not found at %s: %v", d, err)
	}
	return d
}

// sseStream is one recorded SSE body, split into event data.
type sseStream struct {
	name   string
	events [][]byte
}

func cassetteStreams(t *testing.T) []sseStream {
	dir := cassetteDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []sseStream
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasPrefix(base, "fantasy_") && !strings.HasPrefix(base, "pai_") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Interactions []struct {
				Response struct {
					Status  int               `json:"status"`
					Headers map[string]string `json:"headers"`
					Body    string            `json:"body"`
				} `json:"response"`
			} `json:"interactions"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		for i, in := range c.Interactions {
			r := in.Response
			if r.Status != 200 || !strings.HasPrefix(r.Headers["content-type"], "text/event-stream") {
				continue
			}
			s := sseStream{name: strings.TrimSuffix(base, ".json") + "#" + string(rune('0'+i))}
			sr := newSSEReader(strings.NewReader(r.Body), 0)
			for {
				data, err := sr.next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				s.events = append(s.events, bytes.Clone(data))
			}
			out = append(out, s)
		}
	}
	if len(out) < 10 {
		t.Fatalf("found %d SSE interactions in %s, want at least 10", len(out), dir)
	}
	return out
}

func decodeEvents(t *testing.T, datas [][]byte) []*Event {
	t.Helper()
	var evs []*Event
	for _, d := range datas {
		ev := new(Event)
		if err := json.Unmarshal(d, ev); err != nil {
			t.Fatalf("event %s: %v", d, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// stripOutput returns the terminal event with "output" emptied (or removed).
func stripOutput(t *testing.T, data []byte, remove bool) *Event {
	t.Helper()
	var ev map[string]json.RawMessage
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(ev["response"], &resp); err != nil {
		t.Fatal(err)
	}
	if remove {
		delete(resp, "output")
	} else {
		resp["output"] = json.RawMessage("[]")
	}
	ev["response"], _ = json.Marshal(resp)
	b, _ := json.Marshal(ev)
	out := new(Event)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutEncrypted returns an item's JSON with encrypted_content removed,
// re-encoded with sorted keys.
func withoutEncrypted(t *testing.T, raw []byte) string {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "encrypted_content")
	b, _ := json.Marshal(m)
	return string(b)
}

var itemOpts = cmp.Options{
	cmpopts.IgnoreUnexported(Item{}, ContentPart{}, Annotation{}),
	cmpopts.EquateEmpty(),
}

func TestAccumulatorCassettes(t *testing.T) {
	for _, s := range cassetteStreams(t) {
		t.Run(s.name, func(t *testing.T) {
			evs := decodeEvents(t, s.events)
			last := evs[len(evs)-1]
			if last.Type != EventResponseCompleted || last.Response == nil || len(last.Response.Output) == 0 {
				t.Fatalf("last event %s has no output", last.Type)
			}
			want := last.Response.Output

			// 1. All events: the completed response wins.
			var a Accumulator
			for _, ev := range evs {
				if err := a.Add(ev); err != nil {
					t.Fatal(err)
				}
			}
			got := a.Response()
			if got.ID != last.Response.ID || got.Status != StatusCompleted || got.Usage == nil {
				t.Errorf("response = %s %s %v", got.ID, got.Status, got.Usage)
			}
			compareItems(t, "completed", want, got.Output, false)

			// 2. The items accumulated from the item events alone equal the
			// completed output, byte for byte, but for the encrypted
			// reasoning, which the server encrypts anew for the final
			// response.
			compareItems(t, "accumulated", want, a.Items(), true)

			// 3. A gateway that sends response.completed with an empty or
			// missing output: the accumulated items fill it.
			for _, remove := range []bool{false, true} {
				var b Accumulator
				for _, ev := range evs[:len(evs)-1] {
					if err := b.Add(ev); err != nil {
						t.Fatal(err)
					}
				}
				if err := b.Add(stripOutput(t, s.events[len(s.events)-1], remove)); err != nil {
					t.Fatal(err)
				}
				r := b.Response()
				if r.ID != last.Response.ID || r.Usage == nil || r.Usage.TotalTokens != last.Response.Usage.TotalTokens {
					t.Errorf("stripped response lost its fields: %+v", r)
				}
				compareItems(t, "stripped", want, r.Output, true)
			}

			// 4. Without output_item.done, and then without any .done event
			// (deltas only), the text, the arguments and the summaries are
			// rebuilt.
			for _, skipAllDone := range []bool{false, true} {
				var c Accumulator
				for _, ev := range evs[:len(evs)-1] {
					if ev.Type == EventOutputItemDone || skipAllDone && strings.HasSuffix(ev.Type, ".done") {
						continue
					}
					if err := c.Add(ev); err != nil {
						t.Fatal(err)
					}
				}
				checkBuilt(t, want, c.Items())
			}
		})
	}
}

// checkBuilt compares items built from events against the final ones, on
// the fields events carry.
func checkBuilt(t *testing.T, want, built []Item) {
	t.Helper()
	if len(built) != len(want) {
		t.Fatalf("deltas only: %d items, want %d", len(built), len(want))
	}
	for i := range want {
		w, g := &want[i], &built[i]
		type view struct {
			Type, ID, CallID, Name, Arguments, Input, Role, Text string
			Summary                                              []string
			Annotations                                          int
		}
		see := func(it *Item) view {
			v := view{Type: it.Type, ID: it.ID, CallID: it.CallID, Name: it.Name, Arguments: it.Arguments,
				Input: it.Input, Role: it.Role, Text: it.Text()}
			for _, p := range it.Summary {
				v.Summary = append(v.Summary, p.Text)
			}
			for _, p := range it.Content {
				v.Annotations += len(p.Annotations)
			}
			return v
		}
		if diff := cmp.Diff(see(w), see(g), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("deltas only, item %d (-want +got):\n%s", i, diff)
		}
		enc, err := json.Marshal(g)
		if err != nil || !json.Valid(enc) {
			t.Errorf("deltas only, item %d does not encode: %v", i, err)
		}
	}
}

// compareItems checks got against want item by item: the raw bytes and the
// decoded fields. With reencrypted, a reasoning item's encrypted_content may
// differ.
func compareItems(t *testing.T, what string, want, got []Item, reencrypted bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Raw() == nil {
			t.Errorf("%s: item %d has no raw bytes", what, i)
			continue
		}
		opts := itemOpts
		if reencrypted && w.Type == ItemReasoning && w.EncryptedContent != g.EncryptedContent {
			if withoutEncrypted(t, w.Raw()) != withoutEncrypted(t, g.Raw()) {
				t.Errorf("%s: reasoning item %d differs beyond encrypted_content:\nwant %s\n got %s", what, i, w.Raw(), g.Raw())
			}
			opts = append(opts, cmpopts.IgnoreFields(Item{}, "EncryptedContent"))
		} else if !bytes.Equal(w.Raw(), g.Raw()) {
			t.Errorf("%s: item %d raw bytes differ:\nwant %s\n got %s", what, i, w.Raw(), g.Raw())
		}
		if diff := cmp.Diff(w, g, opts); diff != "" {
			t.Errorf("%s: item %d (-want +got):\n%s", what, i, diff)
		}
	}
}

func TestAccumulatorDeltas(t *testing.T) {
	events := []string{
		`{"type":"response.created","response":{"id":"r","status":"in_progress","output":[]}}`,
		`{"type":"response.output_item.added","output_index":0,"item":{"type":"reasoning","id":"rs_1","summary":[]}}`,
		`{"type":"response.reasoning_summary_part.added","item_id":"rs_1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}`,
		`{"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Think"}`,
		`{"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":"ing"}`,
		`{"type":"response.reasoning_text.delta","item_id":"rs_1","output_index":0,"content_index":0,"delta":"raw"}`,
		`{"type":"response.output_item.added","output_index":1,"item":{"type":"message","id":"msg_1","role":"assistant","content":[]}}`,
		// no content_part.added: a gateway's shortcut
		`{"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"See "}`,
		`{"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"this."}`,
		`{"type":"response.output_text.annotation.added","item_id":"msg_1","output_index":1,"content_index":0,"annotation_index":0,"annotation":{"type":"url_citation","url":"https://x","start_index":0,"end_index":3}}`,
		`{"type":"response.content_part.added","item_id":"msg_1","output_index":1,"content_index":1,"part":{"type":"refusal","refusal":""}}`,
		`{"type":"response.refusal.delta","item_id":"msg_1","output_index":1,"content_index":1,"delta":"No"}`,
		`{"type":"response.output_item.added","output_index":2,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":""}}`,
		`{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":2,"delta":"{\"a\":"}`,
		`{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":2,"delta":"1}"}`,
		`{"type":"response.output_item.added","output_index":3,"item":{"type":"custom_tool_call","id":"ct_1","call_id":"call_2","name":"sql","input":""}}`,
		`{"type":"response.custom_tool_call_input.delta","item_id":"ct_1","output_index":3,"delta":"SELECT"}`,
		`{"type":"response.custom_tool_call_input.done","item_id":"ct_1","output_index":3,"input":"SELECT 1"}`,
		`{"type":"response.output_item.added","output_index":4,"item":{"type":"function_call","id":"fc_2","call_id":"call_3","name":"g","arguments":""}}`,
		`{"type":"response.function_call_arguments.delta","item_id":"fc_2","output_index":4,"delta":"{\"partial"}`,
		`{"type":"response.function_call_arguments.done","item_id":"fc_2","output_index":4,"arguments":"{}"}`,
		// a delta for an unknown item is ignored
		`{"type":"response.output_text.delta","item_id":"nope","output_index":9,"content_index":0,"delta":"x"}`,
		`{"type":"response.incomplete","response":{"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}`,
	}
	var a Accumulator
	for _, e := range events {
		var ev Event
		if err := json.Unmarshal([]byte(e), &ev); err != nil {
			t.Fatal(err)
		}
		if err := a.Add(&ev); err != nil {
			t.Fatal(err)
		}
	}
	r := a.Response()
	if r.Status != StatusIncomplete || r.IncompleteDetails == nil || len(r.Output) != 5 {
		t.Fatalf("response = %+v", r)
	}
	got, err := json.Marshal(r.Output)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Thinking"}],"content":[{"type":"reasoning_text","text":"raw"}]},` +
		`{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"See this.","annotations":[{"type":"url_citation","url":"https://x","start_index":0,"end_index":3}]},{"type":"refusal","refusal":"No"}]},` +
		`{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"{\"a\":1}"},` +
		`{"type":"custom_tool_call","id":"ct_1","call_id":"call_2","name":"sql","input":"SELECT 1"},` +
		`{"type":"function_call","id":"fc_2","call_id":"call_3","name":"g","arguments":"{}"}]`
	if string(got) != want {
		t.Errorf("output:\n got %s\nwant %s", got, want)
	}
	if r.OutputText() != "See this." || r.Output[1].Refusal() != "No" {
		t.Errorf("text %q refusal %q", r.OutputText(), r.Output[1].Refusal())
	}

	// Bad indexes are errors, not allocations.
	for _, e := range []string{
		`{"type":"response.output_item.added","output_index":100000000,"item":{"type":"message"}}`,
		`{"type":"response.output_text.delta","output_index":1,"content_index":-1,"delta":"x"}`,
	} {
		var ev Event
		_ = json.Unmarshal([]byte(e), &ev)
		if err := a.Add(&ev); err == nil {
			t.Errorf("Add(%s) = nil, want an error", e)
		}
	}
	if err := a.Add(nil); err == nil {
		t.Error("Add(nil) = nil, want an error")
	}
}

// TestAccumulatorBounds checks that events naming high indexes cannot make
// an Accumulator hold more than maxOutputIndex items and parts in all: a
// 100-byte event naming content_index 65,000 creates the 65,000 parts
// below it, so a few hundred such events would otherwise take gigabytes.
func TestAccumulatorBounds(t *testing.T) {
	added := func(i int) string {
		return fmt.Sprintf(`{"type":"response.output_item.added","output_index":%d,"item":{"type":"message","id":"m%d"}}`, i, i)
	}
	tests := []struct {
		name   string
		events []string
		errs   []bool // whether each Add fails
		parts  int    // parts created by index
	}{{
		name:   "one item, highest index",
		events: []string{added(0), `{"type":"response.output_text.delta","output_index":0,"content_index":65534,"delta":"x"}`},
		errs:   []bool{false, false},
		parts:  65535,
	}, {
		name:   "one item, past the total",
		events: []string{added(0), `{"type":"response.output_text.delta","output_index":0,"content_index":65535,"delta":"x"}`},
		errs:   []bool{false, true},
	}, {
		name: "two items share the total",
		events: []string{added(0), `{"type":"response.output_text.delta","output_index":0,"content_index":40000,"delta":"x"}`,
			added(1), `{"type":"response.reasoning_summary_text.delta","output_index":1,"summary_index":40000,"delta":"x"}`,
			`{"type":"response.refusal.delta","output_index":1,"content_index":20000,"delta":"x"}`},
		errs:  []bool{false, false, false, true, false},
		parts: 60002,
	}, {
		name: "an item added again does not reset the total",
		events: []string{added(0), `{"type":"response.output_text.delta","output_index":0,"content_index":40000,"delta":"x"}`,
			added(0), `{"type":"response.output_text.delta","output_index":0,"content_index":40000,"delta":"x"}`},
		errs:  []bool{false, false, false, true},
		parts: 40001,
	}, {
		name:   "items count too",
		events: []string{added(65535), `{"type":"response.output_text.delta","output_index":65535,"content_index":0,"delta":"x"}`},
		errs:   []bool{false, true},
	}, {
		name: "a retry starts afresh",
		events: []string{added(0), `{"type":"response.output_text.delta","output_index":0,"content_index":65534,"delta":"x"}`,
			`{"type":"agentloop.retry"}`,
			added(0), `{"type":"response.output_text.delta","output_index":0,"content_index":65534,"delta":"x"}`},
		errs:  []bool{false, false, false, false, false},
		parts: 65535,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Accumulator
			var errs []bool
			for _, e := range tt.events {
				var ev Event
				if err := json.Unmarshal([]byte(e), &ev); err != nil {
					t.Fatal(err)
				}
				err := a.Add(&ev)
				if err != nil && !strings.Contains(err.Error(), "more than 65536") {
					t.Errorf("Add(%s) = %v", e, err)
				}
				errs = append(errs, err != nil)
			}
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if a.parts != tt.parts {
				t.Errorf("parts = %d, want %d", a.parts, tt.parts)
			}
			if n := len(a.items) + a.parts; n > maxOutputIndex {
				t.Errorf("%d items and parts, want at most %d", n, maxOutputIndex)
			}
		})
	}
}
