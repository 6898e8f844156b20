package browser

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
)

// openPage shows path of the fixture in the shared browser, and clears
// what earlier tests left to tell.
func openPage(t testing.TB, path string) (*Browser, context.Context) {
	t.Helper()
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	if err := shared.Navigate(ctx, fix.main.URL+path); err != nil {
		t.Fatal(err)
	}
	shared.Notices()
	return shared, ctx
}

type rect struct{ X, Y, W, H float64 }

func (r rect) center() (int, int) { return int(r.X + r.W/2), int(r.Y + r.H/2) }

// TestNativeSelect: a click on a select shows its options in the page, and
// a click on an option, where the screenshot shows it, chooses it.
func TestNativeSelect(t *testing.T) {
	b, ctx := openPage(t, "/select")
	optionRect := func(sel, value string) rect {
		return eval[rect](t, b, `(() => { const r = document.querySelector('`+sel+` option[value="`+value+`"]').getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`)
	}
	before := eval[rect](t, b, `(() => { const r = document.getElementById('fruit').getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`)
	for _, tt := range []struct {
		sel, value string
		x, y       int // where the select is clicked
		above      bool
	}{
		{"#fruit", "cherry", 100, 30, false},
		{"#fruit", "banana", 100, 30, false},
		{"#low", "two", 100, 730, true},
	} {
		do(t, ctx, b, click(tt.x, tt.y, "left"))
		if !eval[bool](t, b, `document.querySelector('`+tt.sel+`').matches(':open')`) {
			t.Fatalf("%s: the click did not open the select", tt.sel)
		}
		r := optionRect(tt.sel, tt.value)
		if r.W == 0 || r.H == 0 || r.Y < 0 || r.Y+r.H > 768 {
			t.Fatalf("%s: option %s is not drawn in the page: %+v", tt.sel, tt.value, r)
		}
		if (r.Y < float64(tt.y)) != tt.above {
			t.Errorf("%s: the options are drawn at y=%v, for a select at y=%d (above: %v)", tt.sel, r.Y, tt.y, tt.above)
		}
		x, y := r.center()
		do(t, ctx, b, click(x, y, "left"))
		if got := eval[string](t, b, `document.querySelector('`+tt.sel+`').value`); got != tt.value {
			t.Errorf("%s: value %q after a click on %s at (%d,%d), want %q", tt.sel, got, tt.value, x, y, tt.value)
		}
		if eval[bool](t, b, `document.querySelector('`+tt.sel+`').matches(':open') || document.querySelector('`+tt.sel+`').hasAttribute('`+pickerAttr+`')`) {
			t.Errorf("%s: still open or still drawn in the page after the choice", tt.sel)
		}
	}
	if diff := cmp.Diff([]string{"change:fruit=cherry", "change:fruit=banana", "change:low=two"}, pageLog(t, b)); diff != "" {
		t.Errorf("the page's change events (-want +got):\n%s", diff)
	}
	if after := eval[rect](t, b, `(() => { const r = document.getElementById('fruit').getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`); after != before {
		t.Errorf("the select moved or resized: %+v, was %+v", after, before)
	}

	// Keys still work on an open select.
	do(t, ctx, b, click(100, 30, "left"), responses.ComputerAction{Type: "keypress", Keys: []string{"ARROWDOWN"}},
		responses.ComputerAction{Type: "keypress", Keys: []string{"ENTER"}})
	if got := eval[string](t, b, `document.getElementById('fruit').value`); got != "cherry" {
		t.Errorf("keys: value %q, want cherry", got)
	}

	// A select in a same-origin frame (at 400,20 in the page).
	do(t, ctx, b, click(480, 40, "left"))
	r := eval[rect](t, b, `(() => { const f = document.getElementById('sf'), o = f.contentDocument.querySelector('option[value="blue"]').getBoundingClientRect(), fr = f.getBoundingClientRect(); return {X: fr.x + o.x, Y: fr.y + o.y, W: o.width, H: o.height}; })()`)
	x, y := r.center()
	do(t, ctx, b, click(x, y, "left"))
	eval[bool](t, b, `new Promise(r => { const tick = () => window.__log.length >= 2 ? r(true) : setTimeout(tick, 5); tick(); })`)
	if diff := cmp.Diff([]string{"change:fruit=cherry", "change:inner=blue"}, pageLog(t, b)); diff != "" {
		t.Errorf("keys and the frame's select (-want +got):\n%s", diff)
	}
}

// TestNeverLoadingResource: a page whose image never arrives costs an
// action nothing, and a link to such a page waits for its document only.
func TestNeverLoadingResource(t *testing.T) {
	b, ctx := openPage(t, "/lazy")
	if eval[string](t, b, `document.readyState`) == "complete" {
		t.Fatal("the page finished loading: the test does not test what it says")
	}
	for _, a := range []responses.ComputerAction{click(120, 35, "left"), {Type: "type", Text: "hello"},
		{Type: "keypress", Keys: []string{"CTRL", "A"}}, {Type: "scroll", X: 500, Y: 300, ScrollY: 100}} {
		start := time.Now()
		do(t, ctx, b, a)
		// Waiting for the load event cost about 5 s an action; a quiet
		// machine takes under 100 ms, a loaded one up to a second.
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s took %v on a page still loading an image", a.Type, d)
		}
	}
	if got := eval[string](t, b, `document.getElementById('q').value`); got != "hello" {
		t.Errorf("typed %q", got)
	}
	start := time.Now()
	do(t, ctx, b, click(70, 95, "left")) // to another page whose image never arrives
	d := time.Since(start)
	if u, _ := b.CurrentURL(ctx); u != fix.main.URL+"/lazy?2" {
		t.Fatalf("the link led to %s", u)
	}
	if d > 3*time.Second {
		t.Errorf("the link took %v: it waited for the image", d)
	}
	t.Logf("link to a page that never finishes: %v", d)
}

// TestKeyWidget: type inserts text, which widgets that read key events
// miss; Options.TypeKeys sends a key per character, CJK and emoji included.
func TestKeyWidget(t *testing.T) {
	b, ctx := openPage(t, "/keys")
	text := "Ab1 日本😀"
	do(t, ctx, b, click(100, 40, "left"), responses.ComputerAction{Type: "type", Text: text})
	if got := eval[string](t, b, `window.__pin()`); got != "" {
		t.Fatalf("the widget saw %q from inserted text: the test does not test what it says", got)
	}
	b.mu.Lock()
	b.opts.TypeKeys = true
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.opts.TypeKeys = false; b.mu.Unlock() }()
	do(t, ctx, b, responses.ComputerAction{Type: "type", Text: text})
	if got := eval[string](t, b, `window.__pin()`); got != text {
		t.Errorf("the widget saw %q, want %q", got, text)
	}
	do(t, ctx, b, click(100, 115, "left"), responses.ComputerAction{Type: "type", Text: text})
	if got := eval[string](t, b, `document.getElementById('plain').value`); got != text {
		t.Errorf("the input holds %q, want %q", got, text)
	}
}

// TestDialogPolicies: every dialog is answered by the policy (or a person)
// and told to the model with its answer; the page gets the answer.
func TestDialogPolicies(t *testing.T) {
	b, ctx := openPage(t, "/dialogs")
	host := strings.TrimPrefix(fix.main.URL, "http://")
	set := func(policy string, ask func(context.Context, Dialog) (DialogAnswer, error)) {
		b.mu.Lock()
		b.opts.Dialogs, b.opts.AskDialog = policy, ask
		b.mu.Unlock()
	}
	defer set(DialogDismiss, nil)
	var asked []Dialog
	person := func(_ context.Context, d Dialog) (DialogAnswer, error) {
		asked = append(asked, d)
		time.Sleep(1200 * time.Millisecond) // longer than the HangTimeout below: the page waits
		return DialogAnswer{Accept: true, Text: "Bob"}, nil
	}
	tests := []struct {
		policy string
		ask    func(context.Context, Dialog) (DialogAnswer, error)
		x      int
		log    []string
		notice string
	}{
		{DialogDismiss, nil, 70, []string{"after-alert"}, `The page at ` + host + ` showed an alert: "Saved!". It was closed (OK).`},
		{DialogDismiss, nil, 190, []string{"confirm:false"}, `The page at ` + host + ` asked to confirm: "Delete the file?". It was answered Cancel, by the policy (dismiss).`},
		{DialogDismiss, nil, 310, []string{"prompt:null"}, `The page at ` + host + ` asked for text: "Your name?" (proposing "Ann"). It was answered Cancel, by the policy (dismiss).`},
		{DialogAccept, nil, 190, []string{"confirm:true"}, `asked to confirm: "Delete the file?". It was answered OK, by the policy (accept).`},
		{DialogAccept, nil, 310, []string{"prompt:Ann"}, `It was answered OK with "Ann", by the policy (accept).`},
		{DialogAsk, person, 310, []string{"prompt:Bob"}, `It was answered OK with "Bob", by the user.`},
		{DialogAsk, func(context.Context, Dialog) (DialogAnswer, error) { return DialogAnswer{}, errors.New("no terminal") }, 190,
			[]string{"confirm:false"}, `It was answered Cancel, by the browser, since asking failed: no terminal.`},
	}
	for _, tt := range tests {
		set(tt.policy, tt.ask)
		do(t, ctx, b, click(tt.x, 35, "left"))
		if diff := cmp.Diff(tt.log, pageLog(t, b)); diff != "" {
			t.Errorf("%s: the page (-want +got):\n%s", tt.policy, diff)
		}
		notices := b.Notices()
		if len(notices) != 1 || !strings.Contains(notices[0], tt.notice) {
			t.Errorf("%s: told %q, want %q", tt.policy, notices, tt.notice)
		}
	}
	if len(asked) != 1 || asked[0].Type != DialogPrompt || asked[0].Message != "Your name?" || asked[0].DefaultPrompt != "Ann" || asked[0].URL != fix.main.URL+"/dialogs" {
		t.Errorf("asked %+v", asked)
	}

	// Leaving a page that asks to stay: left, and told.
	set(DialogDismiss, nil)
	do(t, ctx, b, click(430, 35, "left"), click(550, 35, "left"))
	if u, _ := b.CurrentURL(ctx); u != fix.main.URL+"/next" {
		t.Errorf("still on %s: the page kept the browser", u)
	}
	if n := b.Notices(); len(n) != 1 || n[0] != `The page at `+host+` asked to confirm leaving it. It was left.` {
		t.Errorf("told %q", n)
	}
}

// TestLastTabClosed: when the last tab closes, a new one opens where the
// model was, and the model is told.
func TestLastTabClosed(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := New(nil)
	defer func() { _ = b.Close() }()
	if err := b.Navigate(ctx, fix.main.URL+"/calm"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CurrentURL(ctx); err != nil { // the model saw it
		t.Fatal(err)
	}
	b.mu.Lock()
	closeTab(t, b.s, b.s.tabs[0])
	b.mu.Unlock()
	if _, err := b.Screenshot(ctx); err != nil {
		t.Fatal(err)
	}
	if u, _ := b.CurrentURL(ctx); u != fix.main.URL+"/calm" {
		t.Errorf("now on %q", u)
	}
	if n := b.Notices(); !slices.Contains(n, "The last tab was closed, so a new one was opened at "+fix.main.URL+"/calm.") {
		t.Errorf("told %q", n)
	}
}

// closeTab closes tb's target, as a person closing the tab would, and
// waits for the browser to report it.
func closeTab(t testing.TB, s *session, tb *tab) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cdp.Call(ctx, s.browser, target.CloseTarget, target.CloseTargetParams{TargetID: tb.id}); err != nil {
		t.Fatal(err)
	}
	if !s.waitGone(ctx, tb, 5*time.Second) {
		t.Fatal("the tab did not close")
	}
}
