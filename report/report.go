// Package report writes a run as one self-contained HTML page: a timeline
// of its turns (duration, tokens, cost), each tool call with its arguments
// and output (long ones folded), computer-use actions as a filmstrip of
// screenshots with the points the model clicked marked, file-search
// queries and results, the final answer with its citations, and the
// retries, errors, approvals, guardrails and handoffs where they happened.
// The page fetches nothing: no script, font or image comes from elsewhere.
//
// Record a streamed run event by event, then write it:
//
//	rec := report.NewRecorder()
//	for ev, err := range r.Stream(ctx, a, input) {
//		rec.Add(ev, err)
//		…
//	}
//	err := rec.WriteHTML(f, nil)
//
// [FromResult] and [FromState] build the same page from a result or a
// saved run state, without the timings only events carry.
package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	_ "image/png" // screenshots are PNG
	"io"
	"strings"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
)

// Recorder collects a run's events for a report. It is not safe for
// concurrent use.
type Recorder struct {
	start   time.Time
	turns   []*turn
	byCall  map[string]*call
	input   []responses.Item
	result  *runner.Result
	err     error
	timings bool
	lastImg string // the last screenshot the model saw, a data URL
}

type turn struct {
	N        int
	Agent    string
	Start    time.Time
	Duration time.Duration
	Usage    *responses.Usage
	Cost     *float64
	Items    []*entry
}

// entry is one thing shown in a turn.
type entry struct {
	Kind    string // message, reasoning, call, search, event, error
	Title   string
	Text    string
	Long    bool // fold it
	Call    *call
	Results []responses.FileSearchResult
}

type call struct {
	ID, Tool  string
	Args      string
	Output    string
	Error     string
	Duration  time.Duration
	Shot      *shot        // the screenshot the actions were taken on
	After     template.URL // the screenshot after, a thumbnail data URL
	Actions   []string
	Path      string // a nested run's path
	Completed bool
}

type shot struct {
	Thumb   template.URL
	Full    template.URL
	Markers []marker
}

type marker struct{ Left, Top float64 }

// NewRecorder returns an empty recorder; its clock starts now.
func NewRecorder() *Recorder {
	return &Recorder{start: time.Now(), byCall: map[string]*call{}, timings: true}
}

// Add records one event of a stream (and the error it came with, for the
// last one).
func (r *Recorder) Add(ev runner.Event, err error) {
	now := time.Now()
	if err != nil {
		r.err = err
		if ev.Result != nil {
			r.result = ev.Result
		}
		return
	}
	path := strings.Join(ev.Path, " › ")
	switch ev.Type {
	case runner.EventTurnStarted:
		if path == "" {
			r.turns = append(r.turns, &turn{N: ev.Turn, Agent: ev.Agent, Start: now})
		}
	case runner.EventItem:
		if t := r.cur(); t != nil {
			r.item(t, ev.Item, path)
		}
	case runner.EventToolStarted:
		if c := r.byCall[key(ev.Item, path)]; c == nil && path != "" {
			// A nested run's call: show it under the outer turn.
			if t := r.cur(); t != nil {
				r.item(t, ev.Item, path)
			}
		}
	case runner.EventToolFinished:
		c := r.byCall[key(ev.Item, path)]
		if c == nil {
			if t := r.cur(); t != nil {
				r.item(t, ev.Item, path)
				c = r.byCall[key(ev.Item, path)]
			}
		}
		if c != nil {
			r.finish(c, ev.Output, ev.Err, ev.Duration)
		}
	case runner.EventTurnEnded:
		if t := r.cur(); t != nil && path == "" {
			t.Duration, t.Usage, t.Cost = now.Sub(t.Start), ev.Usage, ev.Cost
		}
	case runner.EventRetry:
		r.note("event", "retry", fmt.Sprint(ev.Err))
	case runner.EventApprovalRequired:
		r.note("event", "approval required", ev.Tool+" "+callArgs(ev.Item))
	case runner.EventPaused:
		r.note("event", "paused", fmt.Sprintf("%d calls await approval", len(ev.Result.Interruptions)))
	case runner.EventHandoff:
		r.note("event", "handoff", ev.From+" → "+ev.To)
	case runner.EventGuardrail:
		if ev.Guardrail.Action != "allow" {
			r.note("event", "guardrail "+ev.Guardrail.Name, ev.Guardrail.Stage+": "+ev.Guardrail.Action+" "+ev.Guardrail.Message)
		}
	case runner.EventCompacted:
		r.note("event", "compacted", fmt.Sprintf("%d items → %d", ev.Compaction.Before, ev.Compaction.After))
	case runner.EventFinalOutput:
		if path == "" {
			r.result = ev.Result
		}
	}
}

func (r *Recorder) cur() *turn {
	if len(r.turns) == 0 {
		r.turns = append(r.turns, &turn{N: 1})
	}
	return r.turns[len(r.turns)-1]
}

func (r *Recorder) note(kind, title, text string) {
	t := r.cur()
	t.Items = append(t.Items, &entry{Kind: kind, Title: title, Text: text})
}

func key(it *responses.Item, path string) string {
	if it == nil {
		return ""
	}
	id := it.CallID
	if id == "" {
		id = it.ID
	}
	return path + "/" + id
}

// item records a model's output item in turn t.
func (r *Recorder) item(t *turn, it *responses.Item, path string) {
	switch {
	case it.IsMessage() && it.Role == responses.RoleAssistant:
		t.Items = append(t.Items, &entry{Kind: "message", Title: "assistant" + prefix(path), Text: it.Text(), Long: len(it.Text()) > 2000})
	case it.Type == responses.ItemReasoning:
		var b strings.Builder
		for _, p := range it.Summary {
			b.WriteString(p.Text)
		}
		if b.Len() > 0 {
			t.Items = append(t.Items, &entry{Kind: "reasoning", Title: "reasoning" + prefix(path), Text: b.String(), Long: b.Len() > 600})
		}
	case it.Type == responses.ItemFileSearchCall:
		t.Items = append(t.Items, &entry{Kind: "search", Title: "file_search " + strings.Join(it.Queries, " · "), Results: it.Results})
	case it.IsCall():
		c := &call{ID: it.CallID, Tool: toolName(it), Args: callArgs(it), Path: path}
		if c.ID == "" {
			c.ID = it.ID
		}
		if it.Type == responses.ItemComputerCall {
			c.Actions = actions(it)
			if r.lastImg != "" {
				c.Shot = screenshot(r.lastImg, it)
			}
		}
		r.byCall[key(it, path)] = c
		t.Items = append(t.Items, &entry{Kind: "call", Call: c})
	case it.IsHostedCall():
		t.Items = append(t.Items, &entry{Kind: "event", Title: it.Type, Text: it.Status})
	}
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return " (" + path + ")"
}

// finish records a call's output.
func (r *Recorder) finish(c *call, out *responses.Item, err error, d time.Duration) {
	c.Completed, c.Duration = true, d
	if err != nil {
		c.Error = err.Error()
	}
	if out == nil {
		return
	}
	switch {
	case out.Screenshot != nil:
		if c.Path == "" {
			r.lastImg = out.Screenshot.ImageURL
		}
		if s := screenshot(out.Screenshot.ImageURL, nil); s != nil {
			c.After = s.Thumb
		}
		if u := out.Screenshot.CurrentURL; u != "" {
			c.Output = u
		}
	case out.Output != nil:
		c.Output = out.Output.String()
	default:
		b, _ := out.MarshalJSON()
		c.Output = string(b)
	}
}

// FromResult builds a report from a run's result (finished, paused or
// failed), from its history: there are no timings.
func FromResult(res *runner.Result) *Recorder {
	rec := FromHistory(res.History)
	rec.result = res
	return rec
}

// FromState builds a report from a saved run state.
func FromState(st *runner.State) *Recorder {
	rec := FromHistory(st.History)
	for i := range st.Calls {
		c := &st.Calls[i]
		if c.Output != nil {
			if rc := rec.byCall[key(st.Call(c), "")]; rc != nil {
				rec.finish(rc, c.Output, nil, 0)
			}
		}
	}
	return rec
}

// FromHistory builds a report from a conversation: each run of the
// model's items is a turn.
func FromHistory(history []responses.Item) *Recorder {
	rec := &Recorder{byCall: map[string]*call{}}
	var t *turn
	for i := range history {
		it := &history[i]
		model := it.Type == responses.ItemReasoning || it.IsCall() || it.IsHostedCall() ||
			(it.IsMessage() && it.Role == responses.RoleAssistant)
		switch {
		case model:
			if t == nil {
				t = &turn{N: len(rec.turns) + 1}
				rec.turns = append(rec.turns, t)
			}
			rec.item(t, it, "")
		case strings.HasSuffix(it.Type, "_output"):
			if c := rec.byCall[key(it, "")]; c != nil {
				rec.finish(c, it, nil, 0)
			}
			t = nil
		default:
			if len(rec.turns) == 0 {
				rec.input = append(rec.input, *it)
			}
			t = nil
		}
	}
	return rec
}

// Options configure a report.
type Options struct {
	// Title heads the page; default "agentloop run".
	Title string
}

// WriteHTML writes the report.
func (r *Recorder) WriteHTML(w io.Writer, opts *Options) error {
	title := "agentloop run"
	if opts != nil && opts.Title != "" {
		title = opts.Title
	}
	data := page{Title: title, Turns: r.turns, Timings: r.timings}
	for _, it := range r.input {
		if it.IsMessage() {
			data.Input = append(data.Input, messageText(&it))
		}
	}
	if res := r.result; res != nil {
		data.Output, data.Agent = res.Output, res.Agent
		data.Usage, data.Cost, data.TurnCount = &res.Usage, res.Cost, res.Turns
		if res.Final != nil {
			for _, p := range res.Final.Content {
				for _, a := range p.Annotations {
					if a.Type == responses.AnnotationFileCitation {
						data.Citations = append(data.Citations, a.Filename+" ("+a.FileID+")")
					}
				}
			}
		}
		if res.Paused() {
			data.Paused = len(res.Interruptions)
		}
	}
	if len(r.input) == 0 && r.result != nil {
		for _, it := range r.result.History {
			if it.IsMessage() && it.Role == responses.RoleUser {
				data.Input = append(data.Input, messageText(&it))
				break
			}
		}
	}
	if r.err != nil {
		data.Error = r.err.Error()
	}
	return pageTemplate.Execute(w, data)
}

type page struct {
	Title, Output, Agent, Error string
	Input, Citations            []string
	Turns                       []*turn
	Usage                       *responses.Usage
	Cost                        *float64
	TurnCount, Paused           int
	Timings                     bool
}

func toolName(it *responses.Item) string {
	if it.Name != "" {
		return it.Name
	}
	return strings.TrimSuffix(it.Type, "_call")
}

func callArgs(it *responses.Item) string {
	if it == nil {
		return ""
	}
	switch it.Type {
	case responses.ItemCustomToolCall:
		return it.Input
	case responses.ItemComputerCall:
		return strings.Join(actions(it), "; ")
	}
	return it.Arguments
}

// actions describes a computer call's actions.
func actions(it *responses.Item) []string {
	list := it.Actions
	if list == nil && it.Action != nil {
		list = []responses.ComputerAction{*it.Action}
	}
	var out []string
	for _, a := range list {
		s := a.Type
		switch a.Type {
		case responses.ActionClick, responses.ActionDoubleClick, responses.ActionMove:
			s += fmt.Sprintf(" (%d, %d)", a.X, a.Y)
		case responses.ActionType:
			s += fmt.Sprintf(" %q", a.Text)
		case responses.ActionKeypress:
			s += " " + strings.Join(a.Keys, "+")
		case responses.ActionScroll:
			s += fmt.Sprintf(" (%d, %d) by (%d, %d)", a.X, a.Y, a.ScrollX, a.ScrollY)
		}
		out = append(out, s)
	}
	return out
}

// Thumbnail sizes, in pixels of width.
const (
	thumbWidth = 320
	fullWidth  = 1024
)

// screenshot decodes a data URL and makes its thumbnail and full view
// (JPEG), with markers where the call's actions point.
func screenshot(dataURL string, it *responses.Item) *shot {
	_, b64, ok := strings.Cut(dataURL, ";base64,")
	if !ok {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	s := &shot{Thumb: jpegURL(img, thumbWidth, 70), Full: jpegURL(img, fullWidth, 80)}
	if it != nil {
		bounds := img.Bounds()
		for _, a := range actionsOf(it) {
			if a.X == 0 && a.Y == 0 {
				continue
			}
			s.Markers = append(s.Markers, marker{Left: 100 * float64(a.X) / float64(bounds.Dx()), Top: 100 * float64(a.Y) / float64(bounds.Dy())})
		}
	}
	return s
}

func actionsOf(it *responses.Item) []responses.ComputerAction {
	if it.Actions == nil && it.Action != nil {
		return []responses.ComputerAction{*it.Action}
	}
	return it.Actions
}

// jpegURL scales img down to width (nearest neighbour) and encodes it as a
// JPEG data URL.
func jpegURL(img image.Image, width, quality int) template.URL {
	b := img.Bounds()
	if b.Dx() > width {
		h := b.Dy() * width / b.Dx()
		dst := image.NewRGBA(image.Rect(0, 0, width, h))
		for y := range h {
			for x := range width {
				dst.Set(x, y, img.At(b.Min.X+x*b.Dx()/width, b.Min.Y+y*b.Dy()/h))
			}
		}
		img = dst
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return ""
	}
	return template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())) //nolint:gosec // our own encoding
}

// messageText returns a message's text, whether it came as parts or as a
// plain string.
func messageText(it *responses.Item) string {
	if t := it.Text(); t != "" {
		return t
	}
	return it.ContentText
}
