package responses

import (
	"fmt"
)

// maxOutputIndex bounds the output_index and part indexes an Accumulator
// accepts, and the number of items and parts it holds in all, so that a
// broken stream cannot make it allocate without limit: an index creates
// every item or part below it, so a few events naming high indexes on
// many items would otherwise take gigabytes.
const maxOutputIndex = 1 << 16

// Accumulator rebuilds a response from the events of a stream.
//
// Output items are rebuilt from response.output_item.added, the text,
// refusal, argument, input, reasoning and shell command deltas, and their
// .done events; a
// response.output_item.done event replaces its item wholesale, with the
// item's raw bytes. The response itself is the latest snapshot
// (response.created, .in_progress, and the terminal event). When the terminal
// event's response carries output items, they win; when its output is empty
// or missing (as some gateways send it), the accumulated items fill it.
//
// The zero value is ready to use. An Accumulator is not safe for concurrent
// use.
type Accumulator struct {
	resp     *Response
	terminal bool
	items    []accItem
	// parts counts the content and summary parts of items, which with
	// len(items) stays within maxOutputIndex.
	parts int
	// transforms is the latest input_transformations a snapshot carried,
	// for a terminal event that leaves them out.
	transforms []InputTransformation
}

// accItem is one output item being built.
type accItem struct {
	set  bool
	done bool // output_item.done received: item is final and raw
	item Item
	// text of item.Content[i] (output_text, refusal, reasoning_text) and of
	// item.Summary[i], built from deltas
	content [][]byte
	summary [][]byte
	args    []byte // function_call arguments, custom_tool_call input
	// commands of a shell_call, built from response.shell_call_command.*
	commands [][]byte
}

// Add folds one event into the response. It returns an error only for an
// event that cannot belong to a stream (nil, an index out of range, or one
// that would take the output past 65,536 items and parts in all, since an
// index creates every item or part below it); events for unknown items and
// unknown event types are ignored.
func (a *Accumulator) Add(ev *Event) error {
	if ev == nil {
		return fmt.Errorf("responses: accumulate: nil event")
	}
	switch ev.Type {
	case EventResponseCreated, EventResponseInProgress, EventResponseQueued:
		if ev.Response != nil && !a.terminal {
			a.resp = ev.Response
			if ev.Response.InputTransformations != nil {
				a.transforms = ev.Response.InputTransformations
			}
		}
		return nil
	case EventResponseCompleted, EventResponseIncomplete, EventResponseFailed:
		if ev.Response != nil {
			a.resp = ev.Response
			if ev.Response.InputTransformations != nil {
				a.transforms = ev.Response.InputTransformations
			}
		}
		a.terminal = true
		return nil
	case EventRetry:
		*a = Accumulator{}
		return nil
	case EventOutputItemAdded, EventOutputItemDone:
		if ev.Item == nil {
			return nil
		}
		it, err := a.slot(ev.OutputIndex)
		if err != nil {
			return err
		}
		if ev.Type == EventOutputItemDone {
			*it = accItem{set: true, done: true, item: *ev.Item}
			return nil
		}
		if it.done {
			return nil
		}
		*it = accItem{set: true, item: *ev.Item}
		it.item.raw = nil
		it.args = append(it.args, ev.Item.Arguments...)
		if ev.Item.Type == ItemCustomToolCall {
			it.args = append(it.args[:0], ev.Item.Input...)
		}
		it.item.Content = append([]ContentPart(nil), ev.Item.Content...)
		for i := range it.item.Content {
			it.content = append(it.content, []byte(partText(&it.item.Content[i])))
		}
		it.item.Summary = append([]ContentPart(nil), ev.Item.Summary...)
		for i := range it.item.Summary {
			it.summary = append(it.summary, []byte(it.item.Summary[i].Text))
		}
		return nil
	}

	it := a.find(ev)
	if it == nil {
		return nil
	}
	switch ev.Type {
	case EventContentPartAdded, EventContentPartDone:
		if ev.Part == nil {
			return nil
		}
		if err := a.part(it, ev.ContentIndex, ev.Part.Type); err != nil {
			return err
		}
		it.item.Content[ev.ContentIndex] = *ev.Part
		if ev.Type == EventContentPartDone || len(it.content[ev.ContentIndex]) == 0 {
			it.content[ev.ContentIndex] = append(it.content[ev.ContentIndex][:0], partText(ev.Part)...)
		}
	case EventOutputTextDelta, EventRefusalDelta, EventReasoningTextDelta:
		if err := a.part(it, ev.ContentIndex, deltaPartType(ev.Type)); err != nil {
			return err
		}
		it.content[ev.ContentIndex] = append(it.content[ev.ContentIndex], ev.Delta...)
	case EventOutputTextDone, EventReasoningTextDone:
		if err := a.part(it, ev.ContentIndex, deltaPartType(ev.Type)); err != nil {
			return err
		}
		it.content[ev.ContentIndex] = append(it.content[ev.ContentIndex][:0], ev.Text...)
	case EventRefusalDone:
		if err := a.part(it, ev.ContentIndex, ContentRefusal); err != nil {
			return err
		}
		it.content[ev.ContentIndex] = append(it.content[ev.ContentIndex][:0], ev.Refusal...)
	case EventOutputTextAnnotationAdded:
		if ev.Annotation == nil {
			return nil
		}
		if err := a.part(it, ev.ContentIndex, ContentOutputText); err != nil {
			return err
		}
		p := &it.item.Content[ev.ContentIndex]
		p.Annotations = append(p.Annotations, *ev.Annotation)
	case EventReasoningSummaryPartAdded, EventReasoningSummaryPartDone:
		if ev.Part == nil {
			return nil
		}
		if err := a.summaryPart(it, ev.SummaryIndex); err != nil {
			return err
		}
		it.item.Summary[ev.SummaryIndex] = *ev.Part
		if ev.Type == EventReasoningSummaryPartDone || len(it.summary[ev.SummaryIndex]) == 0 {
			it.summary[ev.SummaryIndex] = append(it.summary[ev.SummaryIndex][:0], ev.Part.Text...)
		}
	case EventReasoningSummaryTextDelta:
		if err := a.summaryPart(it, ev.SummaryIndex); err != nil {
			return err
		}
		it.summary[ev.SummaryIndex] = append(it.summary[ev.SummaryIndex], ev.Delta...)
	case EventReasoningSummaryTextDone:
		if err := a.summaryPart(it, ev.SummaryIndex); err != nil {
			return err
		}
		it.summary[ev.SummaryIndex] = append(it.summary[ev.SummaryIndex][:0], ev.Text...)
	case EventFunctionCallArgumentsDelta, EventCustomToolCallInputDelta:
		it.args = append(it.args, ev.Delta...)
	case EventFunctionCallArgumentsDone:
		it.args = append(it.args[:0], ev.Arguments...)
		if ev.Name != "" && it.item.Name == "" {
			it.item.Name = ev.Name
		}
	case EventCustomToolCallInputDone:
		it.args = append(it.args[:0], ev.Input...)
	case EventShellCallCommandAdded, EventShellCallCommandDelta, EventShellCallCommandDone:
		i := ev.CommandIndex
		if i < 0 || i >= maxOutputIndex {
			return fmt.Errorf("responses: accumulate: command_index %d out of range", i)
		}
		for len(it.commands) <= i {
			it.commands = append(it.commands, nil)
		}
		if ev.Type == EventShellCallCommandDelta {
			it.commands[i] = append(it.commands[i], ev.Delta...)
		} else if ev.Command != "" || ev.Type == EventShellCallCommandDone {
			it.commands[i] = append(it.commands[i][:0], ev.Command...)
		}
	}
	return nil
}

func deltaPartType(typ string) string {
	switch typ {
	case EventRefusalDelta, EventRefusalDone:
		return ContentRefusal
	case EventReasoningTextDelta, EventReasoningTextDone:
		return ContentReasoningText
	}
	return ContentOutputText
}

func partText(p *ContentPart) string {
	if p.Type == ContentRefusal {
		return p.Refusal
	}
	return p.Text
}

// errTooManyParts is returned by Add for an event that would take the items
// and parts past maxOutputIndex in all.
var errTooManyParts = fmt.Errorf("responses: accumulate: more than %d output items and parts", maxOutputIndex)

// grow reports whether n more items or parts fit within maxOutputIndex.
func (a *Accumulator) grow(n int) error {
	if n > 0 && len(a.items)+a.parts+n > maxOutputIndex {
		return errTooManyParts
	}
	return nil
}

// slot returns the item at output index i, growing the list as needed.
func (a *Accumulator) slot(i int) (*accItem, error) {
	if i < 0 || i >= maxOutputIndex {
		return nil, fmt.Errorf("responses: accumulate: output_index %d out of range", i)
	}
	if err := a.grow(i + 1 - len(a.items)); err != nil {
		return nil, err
	}
	for len(a.items) <= i {
		a.items = append(a.items, accItem{})
	}
	return &a.items[i], nil
}

// find returns the item a delta event is about, by output_index (checked
// against item_id when both are known), else by item_id; nil when unknown
// or already done.
func (a *Accumulator) find(ev *Event) *accItem {
	var it *accItem
	if i := ev.OutputIndex; i >= 0 && i < len(a.items) && a.items[i].set &&
		(ev.ItemID == "" || a.items[i].item.ID == "" || a.items[i].item.ID == ev.ItemID) {
		it = &a.items[i]
	} else if ev.ItemID != "" {
		for i := range a.items {
			if a.items[i].set && a.items[i].item.ID == ev.ItemID {
				it = &a.items[i]
				break
			}
		}
	}
	if it == nil || it.done {
		return nil
	}
	return it
}

// part makes sure content part i of it exists, creating a part of type typ.
func (a *Accumulator) part(it *accItem, i int, typ string) error {
	if i < 0 || i >= maxOutputIndex {
		return fmt.Errorf("responses: accumulate: content_index %d out of range", i)
	}
	if err := a.grow(i + 1 - len(it.item.Content)); err != nil {
		return err
	}
	a.parts += max(0, i+1-len(it.item.Content))
	for len(it.item.Content) <= i {
		it.item.Content = append(it.item.Content, ContentPart{Type: typ})
	}
	for len(it.content) <= i {
		it.content = append(it.content, nil)
	}
	return nil
}

// summaryPart makes sure summary part i of it exists.
func (a *Accumulator) summaryPart(it *accItem, i int) error {
	if i < 0 || i >= maxOutputIndex {
		return fmt.Errorf("responses: accumulate: summary_index %d out of range", i)
	}
	if err := a.grow(i + 1 - len(it.item.Summary)); err != nil {
		return err
	}
	a.parts += max(0, i+1-len(it.item.Summary))
	for len(it.item.Summary) <= i {
		it.item.Summary = append(it.item.Summary, ContentPart{Type: ContentSummaryText})
	}
	for len(it.summary) <= i {
		it.summary = append(it.summary, nil)
	}
	return nil
}

// build returns the item as it stands: the final item once done, else an
// item built from the deltas, with no raw bytes so it encodes from its
// fields.
func (it *accItem) build() Item {
	if it.done {
		return it.item
	}
	out := it.item
	out.raw = nil
	switch out.Type {
	case ItemFunctionCall:
		out.Arguments = string(it.args)
	case ItemCustomToolCall:
		out.Input = string(it.args)
	case ItemShellCall:
		if it.commands != nil {
			var a ShellAction
			if out.ShellAction != nil {
				a = *out.ShellAction
			}
			a.Commands = make([]string, len(it.commands))
			for i, c := range it.commands {
				a.Commands[i] = string(c)
			}
			out.ShellAction = &a
		}
	}
	if out.Content != nil {
		out.Content = append([]ContentPart(nil), out.Content...)
		for i := range out.Content {
			p := &out.Content[i]
			p.raw = nil
			if i < len(it.content) {
				if p.Type == ContentRefusal {
					p.Refusal = string(it.content[i])
				} else {
					p.Text = string(it.content[i])
				}
			}
		}
	}
	if out.Summary != nil {
		out.Summary = append([]ContentPart(nil), out.Summary...)
		for i := range out.Summary {
			p := &out.Summary[i]
			p.raw = nil
			if i < len(it.summary) {
				p.Text = string(it.summary[i])
			}
		}
	}
	return out
}

// Items returns the output items accumulated from the item events so far,
// in output order, whatever the terminal event says.
func (a *Accumulator) Items() []Item {
	out := make([]Item, 0, len(a.items))
	for i := range a.items {
		if a.items[i].set {
			out = append(out, a.items[i].build())
		}
	}
	return out
}

// Response returns the response as accumulated so far: the latest response
// snapshot (an empty one before any), whose output is the terminal event's
// when it has items, else the accumulated items, and whose
// InputTransformations are the latest a snapshot carried (a gateway may
// leave them out of the terminal event). Response.Raw stays the bytes of
// the snapshot as received. It returns a new *Response on every call except
// when the terminal response is complete as it came.
func (a *Accumulator) Response() *Response {
	own := a.terminal && a.resp != nil && len(a.resp.Output) > 0
	if own && (a.resp.InputTransformations != nil || a.transforms == nil) {
		return a.resp
	}
	var r Response
	if a.resp != nil {
		r = *a.resp
	}
	if !own {
		r.Output = a.Items()
	}
	if r.InputTransformations == nil {
		r.InputTransformations = a.transforms
	}
	return &r
}
