package browser

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp/kb"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
)

// mouseEvent is Input.dispatchMouseEvent's parameters. It is our own type:
// cdproto's omits a zero deltaX or deltaY, and Chrome rejects a mouseWheel
// without both.
type mouseEvent struct {
	Type       string   `json:"type"`
	X          float64  `json:"x"`
	Y          float64  `json:"y"`
	Modifiers  int64    `json:"modifiers,omitzero"`
	Button     string   `json:"button,omitzero"`
	Buttons    int64    `json:"buttons,omitzero"`
	ClickCount int64    `json:"clickCount,omitzero"`
	DeltaX     *float64 `json:"deltaX,omitempty"`
	DeltaY     *float64 `json:"deltaY,omitempty"`
}

// buttons maps the CUA buttons to CDP's button names and `buttons` bits.
var buttons = map[string]struct {
	name string
	mask int64
}{
	"left":    {"left", 1},
	"right":   {"right", 2},
	"wheel":   {"middle", 4},
	"back":    {"back", 8},
	"forward": {"forward", 16},
}

// maxStep is the longest straight move of a drag, in CSS pixels; longer
// segments are interpolated, up to maxMoves moves per segment (each move
// costs about a frame).
const (
	maxStep  = 20
	maxMoves = 12
)

// do runs one action and waits for what it started.
func (s *session) do(ctx context.Context, a responses.ComputerAction) error {
	tb, err := s.current(ctx)
	if err != nil {
		return err
	}
	m := s.mark(tb)
	flush := true
	switch a.Type {
	case responses.ActionClick:
		err = s.withKeys(ctx, tb, a.Keys, func(mods int64) error { return s.click(ctx, tb, a, mods) })
	case responses.ActionDoubleClick:
		err = s.withKeys(ctx, tb, a.Keys, func(mods int64) error { return s.doubleClick(ctx, tb, a, mods) })
	case responses.ActionMove:
		err = s.withKeys(ctx, tb, a.Keys, func(mods int64) error { return s.move(ctx, tb, float64(a.X), float64(a.Y), mods, "", 0) })
	case responses.ActionDrag:
		err = s.withKeys(ctx, tb, a.Keys, func(mods int64) error { return s.drag(ctx, tb, a.Path, mods) })
	case responses.ActionScroll:
		err = s.withKeys(ctx, tb, a.Keys, func(mods int64) error { return s.scroll(ctx, tb, a, mods) })
	case responses.ActionType:
		err = s.typeText(ctx, tb, a.Text)
	case responses.ActionKeypress:
		err = s.keypress(ctx, tb, a.Keys)
	case responses.ActionWait:
		flush = false
		t := time.NewTimer(s.o.Wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	default:
		return fmt.Errorf("browser: %w %q", computer.ErrUnsupportedAction, a.Type)
	}
	if err != nil && (ctx.Err() != nil || errors.Is(err, ErrUnresponsive) || errors.Is(err, errCrashed) ||
		!s.waitGone(ctx, tb, 500*time.Millisecond)) {
		return err
	}
	// Either the action went through, or its own effect closed the tab
	// (a button calling window.close()) while its last input event was
	// being delivered: that is success too, and the previous tab is current.
	return s.settle(ctx, flush, m)
}

func (s *session) mouse(ctx context.Context, tb *tab, ev mouseEvent) error {
	if err := s.tabCall(ctx, tb, input.CommandDispatchMouseEvent, ev, nil); err != nil {
		return fmt.Errorf("browser: %s at (%g,%g): %w", ev.Type, ev.X, ev.Y, err)
	}
	if ev.Type == "mouseMoved" || ev.Type == "mouseWheel" {
		s.mouseX, s.mouseY = ev.X, ev.Y
	}
	return nil
}

func (s *session) move(ctx context.Context, tb *tab, x, y float64, mods int64, button string, mask int64) error {
	return s.mouse(ctx, tb, mouseEvent{Type: "mouseMoved", X: x, Y: y, Modifiers: mods, Button: button, Buttons: mask})
}

func (s *session) press(ctx context.Context, tb *tab, x, y float64, mods int64, button string, mask, count int64) error {
	if err := s.mouse(ctx, tb, mouseEvent{Type: "mousePressed", X: x, Y: y, Modifiers: mods,
		Button: button, Buttons: mask, ClickCount: count}); err != nil {
		return err
	}
	return s.mouse(ctx, tb, mouseEvent{Type: "mouseReleased", X: x, Y: y, Modifiers: mods,
		Button: button, ClickCount: count})
}

func (s *session) click(ctx context.Context, tb *tab, a responses.ComputerAction, mods int64) error {
	b, ok := buttons[a.Button]
	if !ok {
		return fmt.Errorf("browser: unknown button %q", a.Button)
	}
	x, y := float64(a.X), float64(a.Y)
	if err := s.move(ctx, tb, x, y, mods, "", 0); err != nil {
		return err
	}
	return s.press(ctx, tb, x, y, mods, b.name, b.mask, 1)
}

func (s *session) doubleClick(ctx context.Context, tb *tab, a responses.ComputerAction, mods int64) error {
	x, y := float64(a.X), float64(a.Y)
	if err := s.move(ctx, tb, x, y, mods, "", 0); err != nil {
		return err
	}
	if err := s.press(ctx, tb, x, y, mods, "left", 1, 1); err != nil {
		return err
	}
	return s.press(ctx, tb, x, y, mods, "left", 1, 2)
}

// drag presses the left button at the path's first point, moves through the
// others with the button held (interpolating long segments, since pages and
// native drag and drop need intermediate moves), and releases at the last.
func (s *session) drag(ctx context.Context, tb *tab, path []responses.Point, mods int64) error {
	if len(path) == 0 {
		return fmt.Errorf("browser: drag needs a path")
	}
	px, py := float64(path[0].X), float64(path[0].Y)
	if err := s.move(ctx, tb, px, py, mods, "", 0); err != nil {
		return err
	}
	if err := s.mouse(ctx, tb, mouseEvent{Type: "mousePressed", X: px, Y: py, Modifiers: mods,
		Button: "left", Buttons: 1, ClickCount: 1}); err != nil {
		return err
	}
	release := func(x, y float64) error {
		return s.mouse(ctx, tb, mouseEvent{Type: "mouseReleased", X: x, Y: y, Modifiers: mods,
			Button: "left", ClickCount: 1})
	}
	for _, p := range path[1:] {
		qx, qy := float64(p.X), float64(p.Y)
		n := int(math.Ceil(math.Hypot(qx-px, qy-py) / maxStep))
		n = max(1, min(n, maxMoves))
		for i := 1; i <= n; i++ {
			f := float64(i) / float64(n)
			x, y := math.Round(px+(qx-px)*f), math.Round(py+(qy-py)*f)
			if err := s.move(ctx, tb, x, y, mods, "left", 1); err != nil {
				_ = release(s.mouseX, s.mouseY)
				return err
			}
		}
		px, py = qx, qy
	}
	return release(px, py)
}

// scroll turns the wheel at (x, y): the element under the pointer scrolls,
// by scroll_x and scroll_y CSS pixels.
func (s *session) scroll(ctx context.Context, tb *tab, a responses.ComputerAction, mods int64) error {
	x, y := float64(a.X), float64(a.Y)
	if err := s.move(ctx, tb, x, y, mods, "", 0); err != nil {
		return err
	}
	dx, dy := float64(a.ScrollX), float64(a.ScrollY)
	if err := s.mouse(ctx, tb, mouseEvent{Type: "mouseWheel", X: x, Y: y, Modifiers: mods, DeltaX: &dx, DeltaY: &dy}); err != nil {
		return err
	}
	// The compositor applies the scroll after the event's ack: wait for the
	// next frame, so the screenshot shows it.
	return s.nextFrame(ctx, tb)
}

// nextFrame waits until the page has rendered a frame.
func (s *session) nextFrame(ctx context.Context, tb *tab) error {
	err := s.tabCall(ctx, tb, runtime.CommandEvaluate, runtime.EvaluateParams{
		Expression: "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))", AwaitPromise: new(true)}, nil)
	if err != nil {
		return fmt.Errorf("browser: waiting for a frame: %w", err)
	}
	return nil
}

// typeText types text: each line is inserted, and each "\n" is an Enter
// key press. With Options.TypeKeys, every character is a key press.
func (s *session) typeText(ctx context.Context, tb *tab, text string) error {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if s.o.TypeKeys {
		for _, r := range text {
			for _, ev := range encodeRune(r) {
				if err := s.key(ctx, tb, *ev); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			if err := s.keypress(ctx, tb, []string{"Enter"}); err != nil {
				return err
			}
		}
		if line == "" {
			continue
		}
		if err := s.tabCall(ctx, tb, input.CommandInsertText, input.InsertTextParams{Text: line}, nil); err != nil {
			return fmt.Errorf("browser: insert text: %w", err)
		}
	}
	return nil
}

// encodeRune returns the key events that type r: those of its key on a US
// keyboard, or for a character no key has (CJK, emoji), a key down and up
// named by the character itself around the character, so that widgets
// reading event.key see it.
func encodeRune(r rune) []*input.DispatchKeyEventParams {
	if _, ok := kb.Keys[r]; ok || r == '\n' || !unicode.IsPrint(r) {
		return kb.Encode(r)
	}
	ch := string(r)
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: ch}
	char := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeChar, Key: ch, Text: ch, UnmodifiedText: ch}
	up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: ch}
	return []*input.DispatchKeyEventParams{&down, &char, &up}
}

func (s *session) key(ctx context.Context, tb *tab, ev input.DispatchKeyEventParams) error {
	if err := s.tabCall(ctx, tb, input.CommandDispatchKeyEvent, ev, nil); err != nil {
		return fmt.Errorf("browser: key %s %q: %w", ev.Type, ev.Key, err)
	}
	return nil
}

// keyDown presses k with the modifiers mods (which include k's own bit for
// a modifier key).
func (s *session) keyDown(ctx context.Context, tb *tab, k key, mods int64) error {
	ev := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeRawKeyDown, Modifiers: mods,
		Key: k.key, Code: k.code, WindowsVirtualKeyCode: k.vk, NativeVirtualKeyCode: k.vk}
	if k.mod == 0 && k.text != "" && mods&(modCtrl|modAlt|modMeta) == 0 {
		ev.Type, ev.Text, ev.UnmodifiedText = input.DispatchKeyEventTypeKeyDown, k.text, k.text
	}
	return s.key(ctx, tb, ev)
}

func (s *session) keyUp(ctx context.Context, tb *tab, k key, mods int64) error {
	return s.key(ctx, tb, input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Modifiers: mods,
		Key: k.key, Code: k.code, WindowsVirtualKeyCode: k.vk, NativeVirtualKeyCode: k.vk})
}

// parseKeys looks up every key name before anything is pressed. A name
// such as "ctrl+a", which some models send as one key, is a chord.
func parseKeys(names []string) ([]key, error) {
	keys := make([]key, 0, len(names))
	for _, n := range names {
		parts := []string{n}
		if len(n) > 1 && strings.Contains(n, "+") {
			parts = strings.Split(n, "+")
			for i, p := range parts {
				if p == "" && i > 0 { // "ctrl++" is Ctrl and the + key
					parts = append(parts[:i], "+")
					break
				}
			}
		}
		for _, p := range parts {
			k, err := lookupKey(p)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// keypress presses the keys in order, modifiers held for the keys after
// them, and releases them in reverse order: ["CTRL","A"] is Ctrl+A.
func (s *session) keypress(ctx context.Context, tb *tab, names []string) error {
	keys, err := parseKeys(names)
	if err != nil {
		return err
	}
	return s.hold(ctx, tb, keys, func(int64) error { return nil })
}

// withKeys runs a mouse action with the keys held (GA `keys`), passing the
// modifier bits for the mouse events.
func (s *session) withKeys(ctx context.Context, tb *tab, names []string, f func(mods int64) error) error {
	if len(names) == 0 {
		return f(0)
	}
	keys, err := parseKeys(names)
	if err != nil {
		return err
	}
	return s.hold(ctx, tb, keys, f)
}

// hold presses keys in order, runs f with the modifiers held, and releases
// the pressed keys in reverse order, also when a step failed.
func (s *session) hold(ctx context.Context, tb *tab, keys []key, f func(mods int64) error) error {
	var mods int64
	pressed := make([]key, 0, len(keys))
	var err error
	for _, k := range keys {
		mods |= k.mod
		if mods&modShift != 0 {
			k = k.shifted()
		}
		if err = s.keyDown(ctx, tb, k, mods); err != nil {
			break
		}
		pressed = append(pressed, k)
	}
	if err == nil {
		err = f(mods)
	}
	for i := len(pressed) - 1; i >= 0; i-- {
		mods &^= pressed[i].mod
		if uerr := s.keyUp(ctx, tb, pressed[i], mods); uerr != nil && err == nil {
			err = uerr
		}
	}
	return err
}
