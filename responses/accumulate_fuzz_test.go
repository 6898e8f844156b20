package responses

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fuzzer's input is a script of events in a compact form, so that it
// mutates streams rather than JSON syntax (FuzzSSE and FuzzItem cover the
// decoding) and minimizes small inputs fast. Each event is four bytes, kind,
// output index, content or summary index and selector, then a length byte
// and that many bytes of text (a delta, a text, an id). See scriptEvents.

// scriptKinds are the event types a script names, by kind modulo their
// number.
var scriptKinds = []string{
	EventResponseCreated, EventResponseInProgress, EventResponseQueued,
	EventResponseCompleted, EventResponseIncomplete, EventResponseFailed, EventRetry,
	EventOutputItemAdded, EventOutputItemDone, EventContentPartAdded, EventContentPartDone,
	EventOutputTextDelta, EventOutputTextDone, EventOutputTextAnnotationAdded,
	EventRefusalDelta, EventRefusalDone, EventReasoningTextDelta, EventReasoningTextDone,
	EventReasoningSummaryPartAdded, EventReasoningSummaryPartDone,
	EventReasoningSummaryTextDelta, EventReasoningSummaryTextDone,
	EventFunctionCallArgumentsDelta, EventFunctionCallArgumentsDone,
	EventCustomToolCallInputDelta, EventCustomToolCallInputDone,
	EventWebSearchCallSearching, EventError,
}

// scriptItems are the items of output_item events and terminal outputs,
// by selector: recorded ones (../shared/data/responses-cassettes, ids
// shortened) and the other shapes a stream carries.
var scriptItems = []string{
	`{"id":"msg_1","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"The sum of 2 and 3 is 5."}],"role":"assistant"}`,
	`{"id":"fc_1","type":"function_call","status":"completed","arguments":"{\"a\":2,\"b\":3}","call_id":"call_1","name":"add"}`,
	`{"id":"rs_1","type":"reasoning","content":[],"summary":[{"type":"summary_text","text":"**Adding**"}],"encrypted_content":"enc"}`,
	`{"id":"ws_1","type":"web_search_call","status":"completed","action":{"type":"search","query":"tokyo"}}`,
	`{"id":"fs_1","type":"file_search_call","status":"completed","queries":["capital of France?"],"results":null}`,
	`{"id":"ct_1","type":"custom_tool_call","status":"completed","call_id":"call_2","name":"sql","input":"SELECT 1"}`,
	`{"id":"msg_2","type":"message","status":"in_progress","content":[],"role":"assistant","phase":"commentary"}`,
	`{"id":"fc_2","type":"function_call","status":"in_progress","arguments":"","call_id":"call_3","name":"get_weather"}`,
	`{"id":"rs_2","type":"reasoning","summary":[]}`,
	`{"id":"cu_1","type":"computer_call","call_id":"call_4","action":{"type":"click","button":"left","x":1,"y":2},"pending_safety_checks":[],"status":"completed"}`,
	`{"id":"msg_3","type":"message","role":"assistant","content":[{"type":"refusal","refusal":"No."},{"type":"output_text","text":"See.","annotations":[{"type":"url_citation","url":"https://x","start_index":0,"end_index":3}]}]}`,
	`{"type":"image_generation_call","id":"ig_1","status":"generating"}`,
}

// scriptParts are the parts of content_part and summary_part events, by
// selector.
var scriptParts = []string{
	`{"type":"output_text","annotations":[],"logprobs":[],"text":""}`,
	`{"type":"output_text","text":"hello","annotations":[{"type":"file_citation","file_id":"f","index":0}]}`,
	`{"type":"refusal","refusal":""}`,
	`{"type":"summary_text","text":""}`,
	`{"type":"reasoning_text","text":"raw"}`,
	`{"type":"input_text","text":"odd"}`,
}

// scriptIDs are the item_id of delta events, by selector.
var scriptIDs = []string{"", "msg_1", "fc_1", "rs_1", "ct_1", "msg_2", "fc_2", "rs_2", "nope"}

// scriptIndex maps an index byte to an output, content or summary index:
// small ones mostly, and the bounds.
func scriptIndex(b byte) int {
	switch b {
	case 255:
		return -1
	case 254:
		return maxOutputIndex - 1
	case 253:
		return maxOutputIndex
	case 252:
		return 40000
	case 251:
		return 1000
	}
	return int(b % 8)
}

func decodeItem(s string) *Item {
	it := new(Item)
	if err := it.decode([]byte(s)); err != nil {
		panic(err)
	}
	return it
}

func decodePart(s string) *ContentPart {
	p := new(ContentPart)
	if err := p.decode([]byte(s)); err != nil {
		panic(err)
	}
	return p
}

// scriptEvents decodes a script into new events (nothing shared between
// two calls).
func scriptEvents(b []byte) []*Event {
	var evs []*Event
	for len(b) >= 4 {
		kind, out, idx, sel := b[0], b[1], b[2], int(b[3])
		b = b[4:]
		var s string
		if len(b) > 0 {
			n := min(int(b[0]), len(b)-1)
			s, b = string(b[1:1+n]), b[1+n:]
		}
		ev := &Event{Type: scriptKinds[int(kind)%len(scriptKinds)], OutputIndex: scriptIndex(out),
			ContentIndex: scriptIndex(idx), SummaryIndex: scriptIndex(idx), ItemID: scriptIDs[sel%len(scriptIDs)]}
		switch ev.Type {
		case EventResponseCreated, EventResponseInProgress, EventResponseQueued,
			EventResponseCompleted, EventResponseIncomplete, EventResponseFailed:
			// sel: 0 no response, 1 no output, 2 empty output, 3 output
			// items (from idx on); 4 and up add input_transformations.
			if sel%4 == 0 {
				break
			}
			ev.Response = &Response{ID: s, Status: "s"}
			if sel%4 >= 2 {
				ev.Response.Output = []Item{}
			}
			if sel%4 == 3 {
				for i := int(idx) % len(scriptItems); i < len(scriptItems); i += 1 + int(out)%4 {
					ev.Response.Output = append(ev.Response.Output, *decodeItem(scriptItems[i]))
				}
			}
			if sel&4 != 0 {
				ev.Response.InputTransformations = []InputTransformation{{ID: "rs_0", Type: ItemReasoning, Action: TransformRemoved, Reason: s}}
			}
		case EventRetry:
			ev.Retry = &RetryInfo{Attempt: 1}
		case EventOutputItemAdded, EventOutputItemDone:
			if sel < 250 {
				ev.Item = decodeItem(scriptItems[sel%len(scriptItems)])
			}
		case EventContentPartAdded, EventContentPartDone, EventReasoningSummaryPartAdded, EventReasoningSummaryPartDone:
			if sel < 250 {
				ev.Part = decodePart(scriptParts[sel%len(scriptParts)])
			}
		case EventOutputTextAnnotationAdded:
			if sel < 250 {
				ev.Annotation = &Annotation{Type: AnnotationURLCitation, URL: s}
			}
		case EventOutputTextDone, EventReasoningTextDone, EventReasoningSummaryTextDone:
			ev.Text = s
		case EventRefusalDone:
			ev.Refusal = s
		case EventFunctionCallArgumentsDone:
			ev.Arguments = s
			if sel&1 != 0 {
				ev.Name = "late_name"
			}
		case EventCustomToolCallInputDone:
			ev.Input = s
		default:
			ev.Delta = s
		}
		evs = append(evs, ev)
	}
	return evs
}

// script encodes events as scriptEvents reads them: the seeds.
type script []byte

func (s script) ev(kind string, out, idx, sel byte, text string) script {
	k := slices.Index(scriptKinds, kind)
	if k < 0 {
		panic(kind)
	}
	text = text[:min(len(text), 255)]
	return append(append(s, byte(k), out, idx, sel, byte(len(text))), text...)
}

// accumulateSeeds are streams as servers and gateways send them.
func accumulateSeeds() []script {
	var plain, gateway, reasoning, odd script
	// A message and two parallel calls, each part opened and closed.
	plain = plain.ev(EventResponseCreated, 0, 0, 1, "resp_1").
		ev(EventOutputItemAdded, 0, 0, 6, "").
		ev(EventContentPartAdded, 0, 0, 0, "").
		ev(EventOutputTextDelta, 0, 0, 5, "Let me ").
		ev(EventOutputTextDelta, 0, 0, 5, "check.").
		ev(EventOutputTextDone, 0, 0, 5, "Let me check.").
		ev(EventContentPartDone, 0, 0, 0, "").
		ev(EventOutputItemDone, 0, 0, 6, "").
		ev(EventOutputItemAdded, 1, 0, 7, "").
		ev(EventFunctionCallArgumentsDelta, 1, 0, 6, `{"city":`).
		ev(EventFunctionCallArgumentsDelta, 1, 0, 6, `"Paris"}`).
		ev(EventFunctionCallArgumentsDone, 1, 0, 6, `{"city":"Paris"}`).
		ev(EventOutputItemAdded, 2, 0, 1, "").
		ev(EventFunctionCallArgumentsDelta, 2, 0, 2, `{"a":2,"b":3}`).
		ev(EventOutputItemDone, 2, 0, 1, "").
		ev(EventResponseCompleted, 0, 0, 3, "resp_1")
	// A gateway: no content_part events, no .done events, a terminal
	// response with an empty output, input_transformations only in
	// response.created.
	gateway = gateway.ev(EventResponseCreated, 0, 0, 5, "organization_mismatch").
		ev(EventOutputItemAdded, 0, 0, 6, "").
		ev(EventOutputTextDelta, 0, 0, 0, "Hi").
		ev(EventOutputTextAnnotationAdded, 0, 0, 0, "https://x").
		ev(EventRefusalDelta, 0, 1, 0, "no").
		ev(EventOutputItemAdded, 1, 0, 5, "").
		ev(EventCustomToolCallInputDelta, 1, 0, 4, "SELECT").
		ev(EventCustomToolCallInputDone, 1, 0, 4, "SELECT 1").
		ev(EventResponseIncomplete, 0, 0, 2, "resp_2")
	// Reasoning with summary parts and text, then a retry and the stream
	// again.
	reasoning = reasoning.ev(EventOutputItemAdded, 0, 0, 8, "").
		ev(EventReasoningSummaryPartAdded, 0, 0, 3, "").
		ev(EventReasoningSummaryTextDelta, 0, 0, 7, "**Think").
		ev(EventReasoningSummaryTextDelta, 0, 0, 7, "ing**").
		ev(EventReasoningSummaryTextDone, 0, 0, 7, "**Thinking**").
		ev(EventReasoningSummaryPartDone, 0, 0, 3, "").
		ev(EventReasoningSummaryPartAdded, 0, 1, 3, "").
		ev(EventReasoningTextDelta, 0, 0, 7, "raw").
		ev(EventRetry, 0, 0, 0, "").
		ev(EventOutputItemAdded, 0, 0, 2, "").
		ev(EventOutputItemDone, 0, 0, 2, "").
		ev(EventResponseCompleted, 0, 2, 3, "resp_3")
	// Out of order: deltas before their item, after its .done, for
	// unknown ids, at the bounds, after the terminal event.
	odd = odd.ev(EventOutputTextDelta, 0, 0, 0, "early").
		ev(EventOutputItemAdded, 3, 0, 0, "").
		ev(EventOutputTextDelta, 3, 0, 8, "wrong id").
		ev(EventOutputTextDelta, 0, 0, 1, "by id").
		ev(EventOutputItemDone, 3, 0, 0, "").
		ev(EventOutputTextDelta, 3, 0, 1, "late").
		ev(EventOutputItemAdded, 254, 0, 1, "").
		ev(EventOutputTextDelta, 1, 252, 0, "far").
		ev(EventContentPartAdded, 255, 255, 0, "").
		ev(EventResponseCompleted, 0, 0, 0, "").
		ev(EventResponseCreated, 0, 0, 3, "after")
	return []script{plain, gateway, reasoning, odd}
}

// cassetteScripts returns the recorded SSE streams of
// ../shared/data/responses-cassettes as scripts (items and parts replaced by
// the script's of the same type, texts cut at 255 bytes) up to maxScript
// bytes, or none when the cassettes are absent.
func cassetteScripts(f *testing.F) []script {
	dir, err := os.Getwd()
	if err != nil {
		f.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "..", "..", "shared", "data", "responses-cassettes", "*.json"))
	var out []script
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var c struct {
			Interactions []struct {
				Response struct {
					Headers map[string]string `json:"headers"`
					Body    string            `json:"body"`
				} `json:"response"`
			} `json:"interactions"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		for _, in := range c.Interactions {
			if !strings.HasPrefix(in.Response.Headers["content-type"], "text/event-stream") {
				continue
			}
			var s script
			sr := newSSEReader(strings.NewReader(in.Response.Body), 0)
			for {
				data, err := sr.next()
				if err != nil {
					break
				}
				var ev Event
				if ev.decode(bytes.Clone(data)) != nil || !slices.Contains(scriptKinds, ev.Type) {
					continue
				}
				idx := ev.ContentIndex + ev.SummaryIndex
				sel := 0
				switch {
				case ev.Item != nil:
					sel = slices.IndexFunc(scriptItems, func(j string) bool { return decodeItem(j).Type == ev.Item.Type })
				case ev.Part != nil:
					sel = slices.IndexFunc(scriptParts, func(j string) bool { return decodePart(j).Type == ev.Part.Type })
				case ev.Response != nil:
					sel = 2 // a terminal output emptied, as gateways send it
				}
				text := ev.Delta + ev.Text + ev.Refusal + ev.Arguments + ev.Input
				s = s.ev(ev.Type, byte(min(ev.OutputIndex, 7)), byte(min(idx, 7)), byte(max(sel, 0)), text)
			}
			if len(s) <= maxScript {
				out = append(out, s)
			}
		}
	}
	return out
}

// maxScript bounds the size of a seed: the fuzzer minimizes each input that
// finds new code, in time that grows with the square of its size.
const maxScript = 600

// accumulate feeds evs to a new Accumulator and returns it with the error
// (or nil) Add returned for each event.
func accumulate(evs []*Event) (*Accumulator, []bool) {
	a := new(Accumulator)
	errs := make([]bool, len(evs))
	for i, ev := range evs {
		errs[i] = a.Add(ev) != nil
	}
	return a, errs
}

// splitDeltas returns evs with every string delta cut in two events at byte
// at (or fewer bytes when the delta is shorter).
func splitDeltas(evs []*Event, at int) []*Event {
	var out []*Event
	for _, ev := range evs {
		if !strings.HasSuffix(ev.Type, ".delta") || len(ev.Delta) < 2 {
			out = append(out, ev)
			continue
		}
		cut := 1 + at%(len(ev.Delta)-1)
		a, b := *ev, *ev
		a.Delta, b.Delta = ev.Delta[:cut], ev.Delta[cut:]
		out = append(out, &a, &b)
	}
	return out
}

// diffItems compares two results of an Accumulator (items or responses)
// as cmp.Diff does with itemOpts, first with reflect.DeepEqual, which is
// much faster and enough when they match.
func diffItems(x, y any) string {
	if reflect.DeepEqual(x, y) {
		return ""
	}
	return cmp.Diff(x, y, itemOpts)
}

// FuzzAccumulator feeds arbitrary event sequences (scripts, see
// scriptEvents) to an Accumulator. Add, Response and Items never panic, and:
//
//   - an event sequence replayed after a prefix and an EventRetry gives the
//     same errors and the same response: a retry forgets everything;
//   - cutting any delta in two gives the same items;
//   - Response and Items change nothing: asked twice, they answer the same;
//   - the output is the terminal response's own items when it has some,
//     else the accumulated items;
//   - every item encodes to valid JSON, or fails with errUnknownItem;
//   - the output items, streamed again as a server would (an empty item,
//     then its parts and deltas in chunks, without .done events), are
//     rebuilt with the same type, ids, name, text, refusal, arguments,
//     input and summaries.
func FuzzAccumulator(f *testing.F) {
	for _, s := range accumulateSeeds() {
		f.Add([]byte(s))
	}
	for _, s := range cassetteScripts(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs := scriptEvents(data)
		a, errs := accumulate(evs)
		r := a.Response()
		items := a.Items()
		if a.parts+len(a.items) > 1<<10 {
			// Within bounds (TestAccumulatorBounds), but comparing tens
			// of thousands of parts five times would make this input
			// take seconds; the fuzzer learns little from it.
			return
		}

		// Determinism and retries.
		retried := append(append(scriptEvents(data[:len(data)/2]), &Event{Type: EventRetry, Retry: &RetryInfo{Attempt: 1}}), scriptEvents(data)...)
		b, berrs := accumulate(retried)
		if diff := cmp.Diff(errs, berrs[len(berrs)-len(errs):]); diff != "" {
			t.Fatalf("errors after a retry (-want +got):\n%s", diff)
		}
		if diff := diffItems(r, b.Response()); diff != "" {
			t.Fatalf("response after a retry (-want +got):\n%s", diff)
		}

		// Deltas cut in two.
		for _, at := range []int{0, len(data)} {
			c, _ := accumulate(splitDeltas(scriptEvents(data), at))
			if diff := diffItems(items, c.Items()); diff != "" {
				t.Fatalf("items with deltas cut at %d (-want +got):\n%s", at, diff)
			}
		}

		// Response and Items are reads.
		if diff := diffItems(r, a.Response()); diff != "" {
			t.Fatalf("Response asked twice (-first +second):\n%s", diff)
		}
		if diff := diffItems(items, a.Items()); diff != "" {
			t.Fatalf("Items asked twice (-first +second):\n%s", diff)
		}

		// The terminal response's output wins when it has items.
		var snap *Response
		terminal := false
		for _, ev := range evs {
			switch ev.Type {
			case EventResponseCreated, EventResponseInProgress, EventResponseQueued:
				if ev.Response != nil && !terminal {
					snap = ev.Response
				}
			case EventResponseCompleted, EventResponseIncomplete, EventResponseFailed:
				if ev.Response != nil {
					snap = ev.Response
				}
				terminal = true
			case EventRetry:
				snap, terminal = nil, false
			}
		}
		want := items
		if terminal && snap != nil && len(snap.Output) > 0 {
			want = snap.Output
		}
		if diff := diffItems(want, r.Output); diff != "" {
			t.Fatalf("output (-want +got):\n%s", diff)
		}
		if snap != nil && r.ID != snap.ID {
			t.Fatalf("response id %q, want the snapshot's %q", r.ID, snap.ID)
		}

		// Every item encodes.
		for i, it := range r.Output {
			enc, err := it.MarshalJSON()
			if err != nil {
				if !strings.Contains(err.Error(), errUnknownItem.Error()) {
					t.Fatalf("item %d (%q) does not encode: %v", i, it.Type, err)
				}
				continue
			}
			if !json.Valid(enc) {
				t.Fatalf("item %d encodes as invalid JSON: %q", i, enc)
			}
		}

		// The output streamed again is rebuilt.
		chunk := 1 + len(data)%7
		var re Accumulator
		for _, ev := range restream(r.Output, chunk) {
			if err := re.Add(ev); err != nil {
				t.Fatalf("restream: %v", err)
			}
		}
		got := re.Items()
		if len(got) != len(r.Output) {
			t.Fatalf("restream: %d items, want %d", len(got), len(r.Output))
		}
		for i := range got {
			if diff := cmp.Diff(itemView(&r.Output[i]), itemView(&got[i]), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("restream: item %d (-want +got):\n%s", i, diff)
			}
		}
	})
}

// view is what streaming events carry of an item.
type view struct {
	Type, ID, CallID, Name, Role, ContentText, Arguments, Input string
	Parts                                                       []string // type:text
	Summary                                                     []string
	Annotations                                                 int
}

func itemView(it *Item) view {
	v := view{Type: it.Type, ID: it.ID, CallID: it.CallID, Name: it.Name, Role: it.Role, ContentText: it.ContentText}
	switch it.Type {
	case ItemFunctionCall:
		v.Arguments = it.Arguments
	case ItemCustomToolCall:
		v.Input = it.Input
	}
	for i := range it.Content {
		v.Parts = append(v.Parts, it.Content[i].Type+":"+partText(&it.Content[i]))
		v.Annotations += len(it.Content[i].Annotations)
	}
	for _, p := range it.Summary {
		v.Summary = append(v.Summary, p.Text)
	}
	return v
}

// restream returns the events a server streams for items: for each, an
// output_item.added with the item emptied of what deltas carry, then its
// content parts, summary parts, annotations and deltas in chunks of n
// bytes, and no .done events.
func restream(items []Item, n int) []*Event {
	var evs []*Event
	deltas := func(typ string, i, ci, si int, id, s string) {
		for len(s) > 0 {
			k := min(n, len(s))
			evs = append(evs, &Event{Type: typ, OutputIndex: i, ContentIndex: ci, SummaryIndex: si, ItemID: id, Delta: s[:k]})
			s = s[k:]
		}
	}
	for i := range items {
		it := items[i]
		empty := it
		empty.ClearRaw()
		empty.Content, empty.Summary = nil, nil
		switch it.Type {
		case ItemFunctionCall:
			empty.Arguments = ""
		case ItemCustomToolCall:
			empty.Input = ""
		}
		evs = append(evs, &Event{Type: EventOutputItemAdded, OutputIndex: i, Item: &empty})
		for ci := range it.Content {
			p := it.Content[ci]
			var typ string
			switch p.Type {
			case ContentOutputText:
				typ = EventOutputTextDelta
			case ContentRefusal:
				typ = EventRefusalDelta
			case ContentReasoningText:
				typ = EventReasoningTextDelta
			default:
				evs = append(evs, &Event{Type: EventContentPartAdded, OutputIndex: i, ContentIndex: ci, ItemID: it.ID, Part: &p})
				continue
			}
			evs = append(evs, &Event{Type: EventContentPartAdded, OutputIndex: i, ContentIndex: ci, ItemID: it.ID, Part: &ContentPart{Type: p.Type}})
			deltas(typ, i, ci, 0, it.ID, partText(&p))
			for ai := range p.Annotations {
				evs = append(evs, &Event{Type: EventOutputTextAnnotationAdded, OutputIndex: i, ContentIndex: ci, ItemID: it.ID, AnnotationIndex: ai, Annotation: &p.Annotations[ai]})
			}
		}
		for si := range it.Summary {
			evs = append(evs, &Event{Type: EventReasoningSummaryPartAdded, OutputIndex: i, SummaryIndex: si, ItemID: it.ID, Part: &ContentPart{Type: it.Summary[si].Type}})
			deltas(EventReasoningSummaryTextDelta, i, 0, si, it.ID, it.Summary[si].Text)
		}
		switch it.Type {
		case ItemFunctionCall:
			deltas(EventFunctionCallArgumentsDelta, i, 0, 0, it.ID, it.Arguments)
		case ItemCustomToolCall:
			deltas(EventCustomToolCallInputDelta, i, 0, 0, it.ID, it.Input)
		}
	}
	return evs
}
