package browser

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
)

func drag(points ...int) responses.ComputerAction {
	a := responses.ComputerAction{Type: "drag"}
	for i := 0; i+1 < len(points); i += 2 {
		a.Path = append(a.Path, responses.Point{X: points[i], Y: points[i+1]})
	}
	return a
}

func TestDrag(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	// A mouse-event draggable follows the pointer through the path.
	do(t, ctx, b, drag(45, 275, 100, 330, 400, 600))
	if diff := cmp.Diff([]string{"dragged:375,575"}, pageLog(t, b)); diff != "" {
		t.Errorf("mouse draggable (-want +got):\n%s", diff)
	}
	// An HTML5 draggable gets a native drag and drop.
	do(t, ctx, b, drag(125, 275, 180, 275, 250, 275))
	if diff := cmp.Diff([]string{"dragstart", "drop:h5"}, pageLog(t, b)); diff != "" {
		t.Errorf("HTML5 drag and drop (-want +got):\n%s", diff)
	}
	// A range slider's thumb, dragged from the left end to the middle.
	do(t, ctx, b, drag(22, 340, 120, 340))
	if got := eval[string](t, b, `document.getElementById('range').value`); got < "45" || got > "55" {
		t.Errorf("range value %s, want about 50", got)
	}
	// A single point is a press and a release there.
	do(t, ctx, b, drag(70, 35))
	if got := pageLog(t, b); !slices.Contains(got, "click:0:70,35:") {
		t.Errorf("single-point drag: %v", got)
	}
}

func TestIframes(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	// The same-origin frame's input, at (10,10)+(550,20) in the page.
	do(t, ctx, b, click(600, 45, "left"), responses.ComputerAction{Type: "type", Text: "same"})
	// The cross-origin (out-of-process) frame's input.
	do(t, ctx, b, click(600, 175, "left"), responses.ComputerAction{Type: "type", Text: "cross"})
	// Messages from the out-of-process frame arrive asynchronously.
	eval[bool](t, b, `new Promise(r => { const tick = () => window.__log.length >= 2 ? r(true) : setTimeout(tick, 5); tick(); })`)
	got := pageLog(t, b)
	host := strings.TrimPrefix(fix.main.URL, "http://")
	crossHost := strings.TrimPrefix(fix.crossURL, "http://")
	for _, want := range []string{"msg:" + host + "=same", "msg:" + crossHost + "=cross"} {
		if !slices.Contains(got, want) {
			t.Errorf("no %q in %v", want, got)
		}
	}
	if !eval[bool](t, b, `(() => { try { document.getElementById('cross').contentDocument.body; return false; } catch (e) { return true; } })() || document.getElementById('cross').contentDocument === null`) {
		t.Error("the cross-origin frame is readable: the test does not test what it says")
	}
}

func TestDialogs(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	start := time.Now()
	do(t, ctx, b, click(70, 465, "left"))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the alert blocked the click for %v", d)
	}
	do(t, ctx, b, click(190, 465, "left"))
	if diff := cmp.Diff([]string{"after-alert", "confirm:false"}, pageLog(t, b)); diff != "" {
		t.Errorf("dismiss policy (-want +got):\n%s", diff)
	}
	if _, err := b.Screenshot(ctx); err != nil {
		t.Errorf("screenshot after dialogs: %v", err)
	}
	b.mu.Lock()
	b.opts.Dialogs = DialogAccept
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.opts.Dialogs = DialogDismiss; b.mu.Unlock() }()
	do(t, ctx, b, click(190, 465, "left"))
	if diff := cmp.Diff([]string{"confirm:true"}, pageLog(t, b)); diff != "" {
		t.Errorf("accept policy (-want +got):\n%s", diff)
	}
}

func TestNewTab(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	do(t, ctx, b, click(70, 515, "left"))
	u, err := b.CurrentURL(ctx)
	if err != nil || u != fix.main.URL+"/popup" {
		t.Fatalf("current URL %q (%v), want the new tab's", u, err)
	}
	if got := eval[[]float64](t, b, `[innerWidth, innerHeight, devicePixelRatio]`); !cmp.Equal(got, []float64{1024, 768, 1}) {
		t.Errorf("new tab viewport %v", got)
	}
	do(t, ctx, b, click(5, 700, "left"))
	if diff := cmp.Diff([]string{"popup-click"}, pageLog(t, b)); diff != "" {
		t.Errorf("input to the new tab (-want +got):\n%s", diff)
	}
	// Its button closes it: the previous tab is current again.
	do(t, ctx, b, click(70, 35, "left"))
	u, err = b.CurrentURL(ctx)
	if err != nil || u != fix.main.URL+"/" {
		t.Fatalf("current URL %q (%v) after the tab closed, want the first tab's", u, err)
	}
	do(t, ctx, b, click(70, 35, "left"))
	if got := pageLog(t, b); !slices.Contains(got, "click:0:70,35:") {
		t.Errorf("input to the first tab after the popup closed: %v", got)
	}
	if _, err := b.Screenshot(ctx); err != nil {
		t.Error(err)
	}
}

func TestNavigationButtons(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	do(t, ctx, b, click(190, 515, "left")) // the "Next" link
	url := func() string {
		u, err := b.CurrentURL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if got := url(); got != fix.main.URL+"/next" {
		t.Fatalf("after the link: %s", got)
	}
	if got := eval[string](t, b, `document.title`); got != "next" {
		t.Errorf("the action returned before the page loaded: title %q", got)
	}
	do(t, ctx, b, click(500, 500, "back"))
	if got := url(); got != fix.main.URL+"/" {
		t.Errorf("after the back button: %s", got)
	}
	do(t, ctx, b, click(500, 500, "forward"))
	if got := url(); got != fix.main.URL+"/next" {
		t.Errorf("after the forward button: %s", got)
	}
	do(t, ctx, b, responses.ComputerAction{Type: "keypress", Keys: []string{"ALT", "ARROWLEFT"}})
	if got := url(); got != fix.main.URL+"/" {
		t.Errorf("after ALT+ARROWLEFT: %s", got)
	}
}

func TestWait(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	start := time.Now()
	do(t, ctx, b, responses.ComputerAction{Type: "wait"})
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("wait took %v, want the configured 50ms", d)
	}
	if err := b.Do(ctx, responses.ComputerAction{Type: "teleport"}); !errors.Is(err, errUnsupported()) {
		t.Errorf("unknown action: %v", err)
	}
}

// TestSettle checks that an action waits for the page it loads, and not for
// navigations that never load anything.
func TestSettle(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	for _, tt := range []struct {
		name string
		x, y int
	}{{"same-document link", 290, 515}, {"javascript: link", 370, 515}} {
		start := time.Now()
		do(t, ctx, b, click(tt.x, tt.y, "left"))
		// Waiting for a load that never comes lasts the navigation timeout
		// (5 s); half of it tells that apart from a slow machine (a click
		// takes about 70 ms on a quiet one, and was seen at 0.9 s under load).
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("%s: the click waited %v, as if for a load", tt.name, d)
		}
	}
	// A page that takes 1.5 s to answer: the click returns once it shows.
	do(t, ctx, b, click(450, 515, "left"))
	if got := eval[string](t, b, `document.title`); got != "slow" {
		t.Errorf("the click returned on %q, before the slow page loaded", got)
	}
}
