package browser

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
)

func click(x, y int, button string, keys ...string) responses.ComputerAction {
	return responses.ComputerAction{Type: "click", Button: button, X: x, Y: y, Keys: keys}
}

func TestViewportAndScreenshot(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	got := eval[[]float64](t, b, `[innerWidth, innerHeight, devicePixelRatio]`)
	if diff := cmp.Diff([]float64{1024, 768, 1}, got); diff != "" {
		t.Errorf("viewport (-want +got):\n%s", diff)
	}
	shot, err := b.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.DecodeConfig(bytes.NewReader(shot.Data))
	if err != nil || shot.MIME != "image/png" {
		t.Fatalf("not a PNG (%s): %v", shot.MIME, err)
	}
	if img.Width != 1024 || img.Height != 768 {
		t.Errorf("screenshot is %dx%d, want 1024x768", img.Width, img.Height)
	}

	b.mu.Lock()
	b.opts.Format = FormatJPEG
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.opts.Format = FormatPNG; b.mu.Unlock() }()
	shot, err = b.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jimg, err := jpeg.DecodeConfig(bytes.NewReader(shot.Data))
	if err != nil || shot.MIME != "image/jpeg" || jimg.Width != 1024 || jimg.Height != 768 {
		t.Errorf("JPEG screenshot: %s %dx%d %v", shot.MIME, jimg.Width, jimg.Height, err)
	}
}

func TestClick(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	tests := []struct {
		action responses.ComputerAction
		want   []string
	}{
		{click(70, 35, "left"), []string{"mousedown:0:70,35:", "click:0:70,35:"}},
		{click(71, 36, "right"), []string{"mousedown:2:71,36:", "contextmenu:2:71,36:", "auxclick:2:71,36:"}},
		{click(72, 37, "wheel"), []string{"mousedown:1:72,37:", "auxclick:1:72,37:"}},
		// GA held keys: modifiers on the mouse events, and their key events.
		{click(75, 40, "left", "SHIFT"), []string{"keydown:Shift:ShiftLeft:16:S", "mousedown:0:75,40:S", "click:0:75,40:S", "keyup:Shift"}},
		{click(76, 41, "left", "CTRL", "ALT"), []string{"keydown:Control:ControlLeft:17:C", "keydown:Alt:AltLeft:18:AC", "mousedown:0:76,41:AC", "click:0:76,41:AC", "keyup:Alt", "keyup:Control"}},
	}
	for _, tt := range tests {
		do(t, ctx, b, tt.action)
		if diff := cmp.Diff(tt.want, pageLog(t, b)); diff != "" {
			t.Errorf("%s %v (-want +got):\n%s", tt.action.Button, tt.action.Keys, diff)
		}
	}
}

func TestDoubleClick(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	do(t, ctx, b, responses.ComputerAction{Type: "double_click", X: 70, Y: 35})
	want := []string{"mousedown:0:70,35:", "click:0:70,35:", "mousedown:0:70,35:", "click:0:70,35:", "dblclick:0:70,35:"}
	if diff := cmp.Diff(want, pageLog(t, b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A double click selects the word under the pointer.
	do(t, ctx, b, responses.ComputerAction{Type: "double_click", X: 30, Y: 560})
	if got := eval[string](t, b, `getSelection().toString()`); got != "hello" {
		t.Errorf("selection %q, want hello", got)
	}
}

func TestMove(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	do(t, ctx, b, responses.ComputerAction{Type: "move", X: 350, Y: 225})
	if diff := cmp.Diff([]string{"mouseenter"}, pageLog(t, b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := eval[string](t, b, `getComputedStyle(document.getElementById('hover')).backgroundColor`); got != "rgb(255, 0, 0)" {
		t.Errorf(":hover style not applied: %s", got)
	}
}

func TestScroll(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	// Inside the inner scroller: it scrolls, the page does not.
	do(t, ctx, b, responses.ComputerAction{Type: "scroll", X: 400, Y: 100, ScrollY: 300})
	// A zero delta on one axis (the wheel trap): horizontal only.
	do(t, ctx, b, responses.ComputerAction{Type: "scroll", X: 400, Y: 100, ScrollX: 120})
	got := eval[[]float64](t, b, `[document.getElementById('scroller').scrollTop, document.getElementById('scroller').scrollLeft, scrollY]`)
	if diff := cmp.Diff([]float64{300, 120, 0}, got); diff != "" {
		t.Errorf("inner scroll [top left pageY] (-want +got):\n%s", diff)
	}
	// Outside it: the page scrolls.
	do(t, ctx, b, responses.ComputerAction{Type: "scroll", X: 900, Y: 700, ScrollY: 400})
	if got := eval[float64](t, b, `scrollY`); got != 400 {
		t.Errorf("page scrollY %v, want 400", got)
	}
	do(t, ctx, b, responses.ComputerAction{Type: "scroll", X: 900, Y: 700, ScrollY: -400})
	if got := eval[float64](t, b, `scrollY`); got != 0 {
		t.Errorf("page scrollY %v after scrolling back, want 0", got)
	}
}

func TestType(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	const text = "Héllo, wörld 🌍 ✓"
	do(t, ctx, b, click(120, 85, "left"), responses.ComputerAction{Type: "type", Text: text})
	if got := eval[string](t, b, `document.getElementById('input').value`); got != text {
		t.Errorf("input %q, want %q", got, text)
	}
	do(t, ctx, b, click(120, 150, "left"), responses.ComputerAction{Type: "type", Text: "one\ntwo\r\nthree"})
	if got := eval[string](t, b, `document.getElementById('ta').value`); got != "one\ntwo\nthree" {
		t.Errorf("textarea %q", got)
	}
	pageLog(t, b)
	// "\n" is Enter: it submits the form.
	do(t, ctx, b, click(120, 395, "left"), responses.ComputerAction{Type: "type", Text: "penguin\n"})
	if got := strings.Join(pageLog(t, b), " "); !strings.Contains(got, "submit:penguin") {
		t.Errorf("no submit in %s", got)
	}
}

func TestTypeKeys(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	b.mu.Lock()
	b.opts.TypeKeys = true
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.opts.TypeKeys = false; b.mu.Unlock() }()
	do(t, ctx, b, click(120, 85, "left"))
	pageLog(t, b)
	do(t, ctx, b, responses.ComputerAction{Type: "type", Text: "aB"})
	if got := eval[string](t, b, `document.getElementById('input').value`); got != "aB" {
		t.Errorf("input %q", got)
	}
	want := []string{"keydown:a:KeyA:65:", "keyup:a", "keydown:B:KeyB:66:S", "keyup:B"}
	if diff := cmp.Diff(want, pageLog(t, b)); diff != "" {
		t.Errorf("key events (-want +got):\n%s", diff)
	}
}

func TestKeypress(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	key := func(keys ...string) responses.ComputerAction {
		return responses.ComputerAction{Type: "keypress", Keys: keys}
	}
	value := func() string { return eval[string](t, b, `document.getElementById('input').value`) }
	do(t, ctx, b, click(120, 85, "left"), responses.ComputerAction{Type: "type", Text: "abcdef"})
	pageLog(t, b)

	// Select all and delete.
	do(t, ctx, b, key("CTRL", "A"), key("BACKSPACE"))
	if got := value(); got != "" {
		t.Errorf("after CTRL+A BACKSPACE: %q", got)
	}
	want := []string{"keydown:Control:ControlLeft:17:C", "keydown:a:KeyA:65:C", "keyup:a", "keyup:Control",
		"keydown:Backspace:Backspace:8:", "keyup:Backspace"}
	if diff := cmp.Diff(want, pageLog(t, b)); diff != "" {
		t.Errorf("key events (-want +got):\n%s", diff)
	}

	// Shift+letter types a capital; lower-case names work too.
	do(t, ctx, b, key("shift", "a"), key("b"), key("SPACE"), key("/"))
	if got := value(); got != "Ab /" {
		t.Errorf("typed %q, want %q", got, "Ab /")
	}
	// Shift+ArrowLeft twice selects two characters.
	do(t, ctx, b, key("END"), key("SHIFT", "ARROWLEFT"), key("SHIFT", "LEFT"))
	if got := eval[[]int](t, b, `[document.getElementById('input').selectionStart, document.getElementById('input').selectionEnd]`); !cmp.Equal(got, []int{2, 4}) {
		t.Errorf("selection %v, want [2 4]", got)
	}
	// Copy and paste.
	do(t, ctx, b, key("CTRL", "C"), key("END"), key("CTRL", "V"))
	if got := value(); got != "Ab / /" {
		t.Errorf("after copy and paste %q", got)
	}
	// Enter in the form submits it.
	do(t, ctx, b, click(120, 395, "left"), responses.ComputerAction{Type: "type", Text: "x"}, key("RETURN"))
	if got := strings.Join(pageLog(t, b), " "); !strings.Contains(got, "submit:x") {
		t.Errorf("no submit: %s", got)
	}
	// Tab moves the focus; Space activates the focused button.
	do(t, ctx, b, click(120, 85, "left"), key("SHIFT", "TAB"), key("TAB"), key("TAB"))
	if got := eval[string](t, b, `document.activeElement.id`); got != "ta" {
		t.Errorf("focus on %q after Tab, want ta", got)
	}
	eval[bool](t, b, `(document.getElementById('btn').focus(), true)`)
	pageLog(t, b)
	do(t, ctx, b, key("space"))
	if got := strings.Join(pageLog(t, b), " "); !strings.Contains(got, "click:0:0,0:") {
		t.Errorf("Space did not click the button: %s", got)
	}
	// PageDown and Home scroll the page.
	do(t, ctx, b, click(900, 700, "left"), key("PAGEDOWN"))
	if y := eval[float64](t, b, `new Promise(r => setTimeout(() => r(scrollY), 300))`); y <= 0 {
		t.Errorf("PageDown: scrollY %v", y)
	}
	do(t, ctx, b, key("HOME"))
	if y := eval[float64](t, b, `new Promise(r => setTimeout(() => r(scrollY), 300))`); y != 0 {
		t.Errorf("Home: scrollY %v", y)
	}
	// Escape, F-keys and Delete reach the page.
	pageLog(t, b)
	do(t, ctx, b, key("ESC"), key("F2"), key("Delete"))
	got := pageLog(t, b)
	want = []string{"keydown:Escape:Escape:27:", "keyup:Escape", "keydown:F2:F2:113:", "keyup:F2", "keydown:Delete:Delete:46:", "keyup:Delete"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// An unknown key name is an error and presses nothing.
	if err := b.Do(ctx, key("CTRL", "HYPERSPACE")); err == nil || !strings.Contains(err.Error(), `unknown key "HYPERSPACE"`) {
		t.Errorf("unknown key: %v", err)
	}
	if got := pageLog(t, b); len(got) != 0 {
		t.Errorf("an invalid chord pressed %v", got)
	}
}
