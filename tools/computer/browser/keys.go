package browser

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chromedp/chromedp/kb"
)

// Modifier bits of CDP input events.
const (
	modAlt   = 1
	modCtrl  = 2
	modMeta  = 4
	modShift = 8
)

// key is one key of a keypress: its DOM key and code, its Windows virtual
// key code, the text it types (empty for keys that type nothing) and the
// modifier bit it sets (0 for ordinary keys).
type key struct {
	key, code string
	vk        int64
	text      string
	mod       int64
}

// namedKeys maps the CUA key names (upper case) to keys. Modifier virtual key
// codes are the generic 17/16/18 that pages check in keyCode.
var namedKeys = map[string]key{
	"ENTER":      {"Enter", "Enter", 13, "\r", 0},
	"RETURN":     {"Enter", "Enter", 13, "\r", 0},
	"TAB":        {"Tab", "Tab", 9, "", 0},
	"ESC":        {"Escape", "Escape", 27, "", 0},
	"ESCAPE":     {"Escape", "Escape", 27, "", 0},
	"BACKSPACE":  {"Backspace", "Backspace", 8, "", 0},
	"DELETE":     {"Delete", "Delete", 46, "", 0},
	"DEL":        {"Delete", "Delete", 46, "", 0},
	"SPACE":      {" ", "Space", 32, " ", 0},
	"CTRL":       {"Control", "ControlLeft", 17, "", modCtrl},
	"CONTROL":    {"Control", "ControlLeft", 17, "", modCtrl},
	"SHIFT":      {"Shift", "ShiftLeft", 16, "", modShift},
	"ALT":        {"Alt", "AltLeft", 18, "", modAlt},
	"OPTION":     {"Alt", "AltLeft", 18, "", modAlt},
	"CMD":        {"Meta", "MetaLeft", 91, "", modMeta},
	"COMMAND":    {"Meta", "MetaLeft", 91, "", modMeta},
	"META":       {"Meta", "MetaLeft", 91, "", modMeta},
	"SUPER":      {"Meta", "MetaLeft", 91, "", modMeta},
	"WIN":        {"Meta", "MetaLeft", 91, "", modMeta},
	"ARROWUP":    {"ArrowUp", "ArrowUp", 38, "", 0},
	"ARROWDOWN":  {"ArrowDown", "ArrowDown", 40, "", 0},
	"ARROWLEFT":  {"ArrowLeft", "ArrowLeft", 37, "", 0},
	"ARROWRIGHT": {"ArrowRight", "ArrowRight", 39, "", 0},
	"UP":         {"ArrowUp", "ArrowUp", 38, "", 0},
	"DOWN":       {"ArrowDown", "ArrowDown", 40, "", 0},
	"LEFT":       {"ArrowLeft", "ArrowLeft", 37, "", 0},
	"RIGHT":      {"ArrowRight", "ArrowRight", 39, "", 0},
	"HOME":       {"Home", "Home", 36, "", 0},
	"END":        {"End", "End", 35, "", 0},
	"PAGEUP":     {"PageUp", "PageUp", 33, "", 0},
	"PAGEDOWN":   {"PageDown", "PageDown", 34, "", 0},
	"INSERT":     {"Insert", "Insert", 45, "", 0},
	"CAPSLOCK":   {"CapsLock", "CapsLock", 20, "", 0},
	"/":          {"/", "Slash", 191, "/", 0},
	"\\":         {"\\", "Backslash", 220, "\\", 0},
}

// lookupKey returns the key named name (case-insensitive): a CUA key name,
// F1–F24, or a single character.
func lookupKey(name string) (key, error) {
	up := strings.ToUpper(name)
	up = strings.NewReplacer("_", "", "-", "").Replace(up)
	if k, ok := namedKeys[up]; ok {
		return k, nil
	}
	if n := 0; len(up) >= 2 && up[0] == 'F' {
		if _, err := fmt.Sscanf(up[1:], "%d", &n); err == nil && n >= 1 && n <= 24 && fmt.Sprint(n) == up[1:] {
			return key{key: up, code: up, vk: int64(111 + n)}, nil
		}
	}
	if utf8.RuneCountInString(name) == 1 {
		r, _ := utf8.DecodeRuneInString(name)
		lr := unicode.ToLower(r)
		if k, ok := kb.Keys[lr]; ok {
			return key{key: string(lr), code: k.Code, vk: k.Windows, text: string(lr)}, nil
		}
		return key{key: string(r), text: string(r)}, nil
	}
	return key{}, fmt.Errorf("browser: unknown key %q", name)
}

// shifted returns the key as typed with Shift held: letters become upper
// case.
func (k key) shifted() key {
	if utf8.RuneCountInString(k.key) == 1 {
		r, _ := utf8.DecodeRuneInString(k.key)
		if unicode.IsLetter(r) {
			u := string(unicode.ToUpper(r))
			k.key, k.text = u, u
		}
	}
	return k
}
