package computer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"go.opentelemetry.io/otel/trace"
)

// Options configures a [Tool]. The zero value is valid.
type Options struct {
	// ToolType forces the declared shape: responses.ToolComputer (GA) or
	// responses.ToolComputerUsePreview. Empty means: by model name in
	// [Tool.DefinitionFor] (models named computer-use-preview* get the
	// preview tool, all others GA), and GA in [Tool.Definition].
	ToolType string

	// NeedsApproval, when set, is asked about each action of a call when
	// the call arrives: the call needs a person's approval (see
	// [Tool.NeedsApproval]) when it returns true for any action. It sees
	// the action (kind, coordinates, typed text, keys) and the page the
	// call starts on, so "ask before typing outside example.com" is:
	//
	//	func(_ context.Context, a computer.ActionInfo) (bool, error) {
	//		return a.Action.Type == responses.ActionType && a.Domain != "example.com", nil
	//	}
	NeedsApproval func(ctx context.Context, a ActionInfo) (bool, error)

	// ApproveSafetyCheck, when set, decides pending safety checks in code:
	// asked about each check when the call arrives, true approves it (it is
	// acknowledged in the output), false leaves it to a person, like a
	// check when ApproveSafetyCheck is nil: the call then needs approval,
	// and a run pauses for it. Outside a runner (CallItem called directly),
	// a check it does not approve makes CallItem fail with a
	// [*SafetyCheckError].
	ApproveSafetyCheck func(ctx context.Context, call *responses.Item, check responses.SafetyCheck) (bool, error)

	// KeepScreenshots is how many of the newest screenshots
	// [Tool.EditRequest] leaves in a request's input; older ones become
	// [PlaceholderImageURL]. Zero means 3; negative keeps them all.
	KeepScreenshots int

	// Logger receives a record per failed action. Nil means silent.
	Logger *slog.Logger
}

// DefaultKeepScreenshots is the default of Options.KeepScreenshots.
const DefaultKeepScreenshots = 3

// ActionInfo is what Options.NeedsApproval sees of one action of a
// computer_call.
type ActionInfo struct {
	// Call is the computer_call.
	Call *responses.Item
	// Index is the action's position in the call's actions.
	Index int
	// Action is the action: its Type, X and Y, Text, Keys, Path, scroll.
	Action responses.ComputerAction
	// URL is the page's URL when the call arrived, and Domain its host;
	// both empty when the computer is not a [URLReporter].
	URL, Domain string
}

// Tool is the computer use tool: it declares the computer tool and answers
// computer_call items with screenshots of its [Computer]. It implements
// [tools.Tool], [tools.ItemCaller], [tools.ApprovalPolicy], [tools.Rejecter]
// and the runner's TypedTool ([Tool.ToolType]). It is safe for concurrent
// use; calls run one at a time, since they share one screen.
type Tool struct {
	c    Computer
	opts Options
	mu   sync.Mutex
}

// NewTool returns the tool that drives c. Options may be nil.
func NewTool(c Computer, opts *Options) *Tool {
	t := &Tool{c: c}
	if opts != nil {
		t.opts = *opts
	}
	return t
}

// Computer returns the computer the tool drives.
func (t *Tool) Computer() Computer { return t.c }

// Definition returns the tool declaration: the preview shape when
// Options.ToolType asks for it, else the GA {"type":"computer"}.
func (t *Tool) Definition() responses.Tool {
	return t.definition(t.opts.ToolType == responses.ToolComputerUsePreview)
}

// DefinitionFor returns the tool declaration for a request to model:
// Options.ToolType when set, else the preview shape for models named
// computer-use-preview* (also behind a gateway prefix such as
// "openai/computer-use-preview") and the GA shape for all others.
func (t *Tool) DefinitionFor(model string) responses.Tool {
	return t.definition(t.preview(model))
}

// TruncationFor returns the truncation a request to model must carry when it
// declares this tool: "auto" for the preview shape (the API requires it),
// "" (leave the request's own setting) for GA.
func (t *Tool) TruncationFor(model string) string {
	if t.preview(model) {
		return "auto"
	}
	return ""
}

// EditRequest prepares a request that declares this tool (it implements
// tools.RequestEditor): it sets truncation "auto" when req.Model gets the
// preview shape, and replaces the images of all but the newest
// Options.KeepScreenshots computer_call_outputs of req.Input.Items with
// [PlaceholderImageURL] (see [TrimScreenshots]). It never modifies the items
// in place: when it trims, req.Input.Items becomes a new slice.
func (t *Tool) EditRequest(req *responses.Request) {
	if tr := t.TruncationFor(req.Model); tr != "" {
		req.Truncation = tr
	}
	keep := t.opts.KeepScreenshots
	if keep == 0 {
		keep = DefaultKeepScreenshots
	}
	if keep > 0 && needsTrim(req.Input.Items, keep) {
		req.Input.Items = TrimScreenshots(req.Input.Items, keep)
	}
}

func (t *Tool) preview(model string) bool {
	switch t.opts.ToolType {
	case responses.ToolComputerUsePreview:
		return true
	case responses.ToolComputer:
		return false
	}
	return strings.Contains(model, "computer-use-preview")
}

func (t *Tool) definition(preview bool) responses.Tool {
	if !preview {
		return responses.Tool{Type: responses.ToolComputer}
	}
	d := t.c.Display()
	env := d.Environment
	if env == "" {
		env = EnvironmentBrowser
	}
	return responses.Tool{Type: responses.ToolComputerUsePreview,
		DisplayWidth: d.Width, DisplayHeight: d.Height, Environment: env}
}

// lateScreenshotTimeout bounds the screenshot taken after a call ran out of
// time.
const lateScreenshotTimeout = 10 * time.Second

// errNotFunction is what Call returns: the computer tool has no arguments.
var errNotFunction = errors.New("computer: computer calls arrive as computer_call items; the runner must use CallItem")

// Call returns an error: computer calls are items, answered by [Tool.CallItem].
func (t *Tool) Call(ctx context.Context, arguments string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errNotFunction
}

// ActionError reports an action of a computer_call that was invalid, unknown
// or failed. Index is its position in the call's actions (0 for the single
// preview action, -1 for a call with no action).
type ActionError struct {
	Index  int
	Action responses.ComputerAction
	Err    error
}

// Error says which action failed and why, for the model to read.
func (e *ActionError) Error() string {
	if e.Index < 0 {
		return "computer: " + e.Err.Error()
	}
	return fmt.Sprintf("computer: action %d (%s): %v", e.Index, e.Action.Type, e.Err)
}

// Unwrap returns the action's error.
func (e *ActionError) Unwrap() error { return e.Err }

// SafetyCheckError is returned by [Tool.CallItem] when a pending safety check
// was refused (Err is nil) or the approval callback failed (Err is its
// error). It wraps [tools.ErrAbort], so the run ends with it.
type SafetyCheckError struct {
	Check responses.SafetyCheck
	Err   error
}

// Error names the check's ID, code and message.
func (e *SafetyCheckError) Error() string {
	what := "refused"
	if e.Err != nil {
		what = "not approved: " + e.Err.Error()
	}
	s := fmt.Sprintf("computer: safety check %s", e.Check.ID)
	if e.Check.Code != "" {
		s += " (" + e.Check.Code + ")"
	}
	s += " " + what
	if e.Check.Message != "" {
		s += ": " + e.Check.Message
	}
	return s
}

// Unwrap returns [tools.ErrAbort] and the callback's error, if any.
func (e *SafetyCheckError) Unwrap() []error {
	if e.Err == nil {
		return []error{tools.ErrAbort}
	}
	return []error{tools.ErrAbort, e.Err}
}

// NeedsApproval reports whether a computer_call needs a person's approval
// before it runs (it implements tools.ApprovalPolicy): when it carries a
// pending safety check that Options.ApproveSafetyCheck does not approve, or
// when Options.NeedsApproval says so of any of its actions. The runner then
// pauses the run (or asks, in the CLI); an approved call runs with its
// checks acknowledged, a rejected one does not run (see [Tool.Reject]).
func (t *Tool) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	for _, check := range call.PendingSafetyChecks {
		if t.opts.ApproveSafetyCheck == nil {
			return true, nil
		}
		ok, err := t.opts.ApproveSafetyCheck(ctx, call, check)
		if err != nil || !ok {
			return true, err
		}
	}
	if t.opts.NeedsApproval == nil {
		return false, nil
	}
	info := ActionInfo{Call: call}
	if r, ok := t.c.(URLReporter); ok {
		if u, err := r.CurrentURL(ctx); err == nil {
			info.URL = u
			if pu, err := url.Parse(u); err == nil {
				info.Domain = pu.Hostname()
			}
		}
	}
	for i, a := range callActions(call) {
		info.Index, info.Action = i, a
		need, err := t.opts.NeedsApproval(ctx, info)
		if err != nil || need {
			return true, err
		}
	}
	return false, nil
}

// Reject answers a computer_call a person rejected, without running any of
// its actions (it implements tools.Rejecter): a computer_call_output with a
// screenshot of the screen as it is, which acknowledges the call's pending
// safety checks (the person saw them, and refused). The runner tells the
// model beside it that the call was rejected.
func (t *Tool) Reject(ctx context.Context, call *responses.Item) (responses.Item, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := responses.Item{Type: responses.ItemComputerCallOutput, CallID: call.CallID,
		AcknowledgedSafetyChecks: call.PendingSafetyChecks}
	shot, err := t.c.Screenshot(ctx)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return responses.Item{}, ctxErr
		}
		t.log(ctx, "computer screenshot failed", call, err)
		out.Screenshot = &responses.ComputerScreenshot{Type: responses.ContentComputerScreenshot, ImageURL: responses.PlaceholderScreenshot}
	} else {
		out.Screenshot = &responses.ComputerScreenshot{Type: responses.ContentComputerScreenshot, ImageURL: shot.DataURL()}
	}
	t.addURL(ctx, out.Screenshot)
	return out, nil
}

// callActions returns a call's actions: the batch, or the single preview
// action.
func callActions(call *responses.Item) []responses.ComputerAction {
	if call.Actions == nil && call.Action != nil {
		return []responses.ComputerAction{*call.Action}
	}
	return call.Actions
}

// CallItem answers one computer_call item with a computer_call_output.
//
// Pending safety checks: when a runner calls it (its context carries
// tools.CallInfo), the runner has already had them approved (see
// [Tool.NeedsApproval]), and they are acknowledged in the output. Called
// directly, it hands each check to Options.ApproveSafetyCheck; a refusal, a
// callback error or a missing callback returns a zero item and a
// [*SafetyCheckError], which wraps [tools.ErrAbort]: nothing has run. Then
// it checks every action of the call (the single
// `action` or the batched `actions`), runs them in order, and takes one
// screenshot, reusing a final screenshot action. The output carries the
// screenshot as a data URL, the current URL when the computer is a
// [URLReporter], and the approved checks as acknowledged_safety_checks.
//
// An action that is unknown or invalid (then nothing runs) or that fails
// (then the rest of the batch is skipped) does not end the run: CallItem
// returns BOTH a complete computer_call_output, with a screenshot of the
// screen as it is now, AND an [*ActionError]. A computer_call_output holds an
// image and nothing else, so the runner should send the item and show the
// error's text to the model beside it (for example as a user message with
// an input_text part after the call outputs), and report it in its events.
// The same holds when the screenshot itself fails: the output then carries
// [PlaceholderImageURL] and the error says so. When ctx's deadline passes
// (a tool timeout), the screenshot is still taken, under a fresh 10-second
// limit, and the error says the call timed out. A cancelled ctx returns a
// zero item and the context's error.
//
// When the span in ctx is recording (the runner's execute_tool span), each
// action that runs is a "browser.{type}" INTERNAL span below it (index,
// coordinates, button, scroll, key count or path length; never typed text or
// key names), and the screenshot a "browser.screenshot" span (bytes, MIME
// type, width and height, url.domain of the current page; never the image or
// the full URL); each pending safety check is a "computer.safety_check"
// event (id, code, approved) on the call's span. The spans come from that
// span's provider; without a recording span nothing is traced.
func (t *Tool) CallItem(ctx context.Context, call *responses.Item) (responses.Item, error) {
	t.mu.Lock()
	defer t.mu.Unlock()

	// With a recording span in ctx (the runner's execute_tool span), each
	// action and the screenshot get a span below it; otherwise nothing is
	// traced.
	callSpan := trace.SpanFromContext(ctx)
	traced := callSpan.IsRecording()

	out := responses.Item{Type: responses.ItemComputerCallOutput, CallID: call.CallID}
	_, inRunner := tools.CallInfoFrom(ctx)
	for _, check := range call.PendingSafetyChecks {
		if inRunner {
			if traced {
				safetyCheckEvent(callSpan, &check, true)
			}
			out.AcknowledgedSafetyChecks = append(out.AcknowledgedSafetyChecks, check)
			continue
		}
		if t.opts.ApproveSafetyCheck == nil {
			if traced {
				safetyCheckEvent(callSpan, &check, false)
			}
			return responses.Item{}, &SafetyCheckError{Check: check}
		}
		ok, err := t.opts.ApproveSafetyCheck(ctx, call, check)
		if traced {
			safetyCheckEvent(callSpan, &check, err == nil && ok)
		}
		if err != nil || !ok {
			return responses.Item{}, &SafetyCheckError{Check: check, Err: err}
		}
		out.AcknowledgedSafetyChecks = append(out.AcknowledgedSafetyChecks, check)
	}

	actions := callActions(call)
	actErr := validate(actions, t.c.Display())
	if actErr == nil {
		actErr = t.run(ctx, actions, traced)
	}
	if err := ctx.Err(); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return responses.Item{}, err
		}
		// The call ran out of time (a tool timeout): the run goes on, so
		// still show the model where things stand.
		if _, ok := actErr.(*ActionError); !ok {
			actErr = &ActionError{Index: -1, Err: fmt.Errorf("the call timed out: %w", context.Cause(ctx))}
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lateScreenshotTimeout)
		defer cancel()
	}

	// The screenshot span covers the screenshot and the current URL.
	shotCtx, shotSpan := ctx, trace.Span(nil)
	if traced {
		shotCtx, shotSpan = genai.StartBrowserAction(ctx, responses.ActionScreenshot)
	}
	shot, err := t.c.Screenshot(shotCtx)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(ctxErr, context.DeadlineExceeded) {
			if shotSpan != nil {
				endScreenshot(shotSpan, nil, "", ctxErr)
			}
			return responses.Item{}, ctxErr
		}
		shotErr := fmt.Errorf("computer: screenshot: %w", err)
		err = shotErr
		if actErr != nil {
			err = errors.Join(actErr, err)
		}
		t.log(ctx, "computer screenshot failed", call, err)
		out.Screenshot = &responses.ComputerScreenshot{Type: responses.ContentComputerScreenshot, ImageURL: responses.PlaceholderScreenshot}
		t.addURL(shotCtx, out.Screenshot)
		if shotSpan != nil {
			endScreenshot(shotSpan, nil, out.Screenshot.CurrentURL, shotErr)
		}
		t.notices(ctx)
		return out, err
	}
	out.Screenshot = &responses.ComputerScreenshot{Type: responses.ContentComputerScreenshot, ImageURL: shot.DataURL()}
	t.addURL(shotCtx, out.Screenshot)
	if shotSpan != nil {
		endScreenshot(shotSpan, &shot, out.Screenshot.CurrentURL, nil)
	}
	t.notices(ctx)
	if actErr != nil {
		t.log(ctx, "computer action failed", call, actErr)
		return out, actErr
	}
	return out, nil
}

// run runs the actions in order, skipping screenshot actions (the caller
// takes the one screenshot), and stops at the first failure. When traced,
// each action runs in its own span.
func (t *Tool) run(ctx context.Context, actions []responses.ComputerAction, traced bool) error {
	for i := range actions {
		a := &actions[i]
		if a.Type == responses.ActionScreenshot {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if traced {
			actx, span := startAction(ctx, i, a)
			err = t.c.Do(actx, *a)
			endAction(span, a, err)
		} else {
			err = t.c.Do(ctx, *a)
		}
		if err != nil {
			return &ActionError{Index: i, Action: *a, Err: err}
		}
	}
	return nil
}

// notices hands what the computer has to tell the model (a [Notifier]'s
// notices) to the runner, which shows them beside the call's output. Outside
// a runner they stay with the computer.
func (t *Tool) notices(ctx context.Context) {
	n, ok := t.c.(Notifier)
	if !ok {
		return
	}
	if _, inRunner := tools.CallInfoFrom(ctx); !inRunner {
		return
	}
	for _, s := range n.Notices() {
		tools.Note(ctx, s)
	}
}

func (t *Tool) addURL(ctx context.Context, s *responses.ComputerScreenshot) {
	r, ok := t.c.(URLReporter)
	if !ok {
		return
	}
	u, err := r.CurrentURL(ctx)
	if err != nil {
		if t.opts.Logger != nil {
			t.opts.Logger.WarnContext(ctx, "computer current URL failed", "error", err)
		}
		return
	}
	s.CurrentURL = u
}

func (t *Tool) log(ctx context.Context, msg string, call *responses.Item, err error) {
	if t.opts.Logger != nil {
		t.opts.Logger.WarnContext(ctx, msg, "call_id", call.CallID, "error", err)
	}
}

var mouseButtons = map[string]bool{"left": true, "right": true, "wheel": true, "back": true, "forward": true}

// validate checks every action before any runs: its type, its button,
// keys and path, and that its coordinates are on the screen d (when d has a
// size).
func validate(actions []responses.ComputerAction, d Display) error {
	if len(actions) == 0 {
		return &ActionError{Index: -1, Err: errors.New("the computer_call has no action")}
	}
	for i, a := range actions {
		var err error
		switch a.Type {
		case responses.ActionClick:
			if !mouseButtons[a.Button] {
				err = fmt.Errorf("unknown button %q (want left, right, wheel, back or forward)", a.Button)
			} else {
				err = onScreen(d, a.X, a.Y)
			}
		case responses.ActionDoubleClick, responses.ActionMove, responses.ActionScroll:
			err = onScreen(d, a.X, a.Y)
		case responses.ActionDrag:
			if len(a.Path) == 0 {
				err = errors.New("drag needs a path of at least one point")
			}
			for j, p := range a.Path {
				if err = onScreen(d, p.X, p.Y); err != nil {
					err = fmt.Errorf("path point %d: %w", j, err)
					break
				}
			}
		case responses.ActionKeypress:
			if len(a.Keys) == 0 {
				err = errors.New("keypress needs keys")
			}
		case responses.ActionType, responses.ActionWait, responses.ActionScreenshot:
		default:
			err = fmt.Errorf("%w %q", ErrUnsupportedAction, a.Type)
		}
		if err != nil {
			return &ActionError{Index: i, Action: a, Err: err}
		}
	}
	return nil
}

// onScreen checks that (x, y) is a pixel of the screen d; a display without
// a size accepts every point.
func onScreen(d Display, x, y int) error {
	if d.Width <= 0 || d.Height <= 0 {
		return nil
	}
	if x < 0 || y < 0 || x >= d.Width || y >= d.Height {
		return fmt.Errorf("(%d, %d) is %w: the screen is %d×%d, so x must be 0–%d and y 0–%d",
			x, y, ErrOffScreen, d.Width, d.Height, d.Width-1, d.Height-1)
	}
	return nil
}
