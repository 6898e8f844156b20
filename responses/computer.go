package responses

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Computer action types, the values of [ComputerAction.Type].
const (
	ActionClick       = "click"
	ActionDoubleClick = "double_click"
	ActionDrag        = "drag"
	ActionKeypress    = "keypress"
	ActionMove        = "move"
	ActionScreenshot  = "screenshot"
	ActionScroll      = "scroll"
	ActionType        = "type"
	ActionWait        = "wait"
)

// ComputerAction is one action of a computer_call: the single `action` of the
// computer_use_preview tool or one entry of the GA tool's batched `actions`.
//
// Which fields are meaningful depends on Type: X and Y for click, double_click,
// move and scroll; Button for click (left, right, wheel, back, forward); Path
// for drag; Keys for keypress (the chord) and, on mouse actions, the keys held
// down; ScrollX and ScrollY for scroll; Text for type.
type ComputerAction struct {
	Type    string          `json:"type"`
	Button  string          `json:"button,omitempty"`
	X       int             `json:"x"`
	Y       int             `json:"y"`
	Path    []Point         `json:"path,omitempty"`
	Keys    []string        `json:"keys,omitempty"`
	ScrollX int             `json:"scroll_x"`
	ScrollY int             `json:"scroll_y"`
	Text    string          `json:"text,omitempty"`
	Raw     json.RawMessage `json:"-"` // the action as received, when decoded
}

// Point is a coordinate of a drag path, in screenshot pixels.
type Point struct {
	X int `json:"x"`
	Y int `json:"y"`
}

// UnmarshalJSON decodes an action and keeps its raw bytes. Coordinates sent as
// floating-point numbers are rounded, since some models emit them. Invalid
// UTF-8 is replaced with U+FFFD first, in the kept bytes too, as an [Item]
// does, so an action decoded on its own never carries it upstream either.
func (a *ComputerAction) UnmarshalJSON(b []byte) error {
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	var w struct {
		Type    string      `json:"type"`
		Button  string      `json:"button"`
		X       flexInt     `json:"x"`
		Y       flexInt     `json:"y"`
		Path    []flexPoint `json:"path"`
		Keys    []string    `json:"keys"`
		ScrollX flexInt     `json:"scroll_x"`
		ScrollY flexInt     `json:"scroll_y"`
		Text    string      `json:"text"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = ComputerAction{Type: w.Type, Button: w.Button, X: int(w.X), Y: int(w.Y), Keys: w.Keys,
		ScrollX: int(w.ScrollX), ScrollY: int(w.ScrollY), Text: w.Text, Raw: cloneBytes(b)}
	if w.Path != nil {
		a.Path = make([]Point, len(w.Path))
		for i, p := range w.Path {
			a.Path[i] = Point{X: int(p.X), Y: int(p.Y)}
		}
	}
	return nil
}

// MarshalJSON writes the raw bytes of a decoded action, or the fields that
// belong to its Type.
func (a ComputerAction) MarshalJSON() ([]byte, error) {
	if a.Raw != nil {
		return a.Raw, nil
	}
	b := []byte(`{"type":`)
	b = appendString(b, a.Type)
	switch a.Type {
	case ActionClick, ActionDoubleClick, ActionMove, ActionScroll:
		if a.Type == ActionClick {
			b = append(b, `,"button":`...)
			b = appendString(b, a.Button)
		}
		b = append(b, `,"x":`...)
		b = strconv.AppendInt(b, int64(a.X), 10)
		b = append(b, `,"y":`...)
		b = strconv.AppendInt(b, int64(a.Y), 10)
		if a.Type == ActionScroll {
			b = append(b, `,"scroll_x":`...)
			b = strconv.AppendInt(b, int64(a.ScrollX), 10)
			b = append(b, `,"scroll_y":`...)
			b = strconv.AppendInt(b, int64(a.ScrollY), 10)
		}
	case ActionDrag:
		p, err := json.Marshal(a.Path)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"path":`...)
		b = append(b, p...)
	case ActionType:
		b = append(b, `,"text":`...)
		b = appendString(b, a.Text)
	}
	switch {
	case a.Type == ActionKeypress && a.Keys == nil:
		b = append(b, `,"keys":[]`...)
	case a.Type == ActionDoubleClick && a.Keys == nil:
		b = append(b, `,"keys":null`...) // required, nullable
	case a.Keys != nil:
		k, err := json.Marshal(a.Keys)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"keys":`...)
		b = append(b, k...)
	}
	return append(b, '}'), nil
}

// SafetyCheck is a pending safety check on a computer_call, echoed back in
// acknowledged_safety_checks once a person has approved it.
type SafetyCheck struct {
	ID      string `json:"id"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// ComputerScreenshot is the output of a computer_call_output item.
type ComputerScreenshot struct {
	Type       string `json:"type"` // "computer_screenshot"
	ImageURL   string `json:"image_url,omitempty"`
	FileID     string `json:"file_id,omitempty"`
	CurrentURL string `json:"current_url,omitempty"` // not in the spec; OpenAI's own sample sends it for browsers
}

type flexPoint struct {
	X flexInt `json:"x"`
	Y flexInt `json:"y"`
}
