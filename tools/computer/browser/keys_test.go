package browser

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseKeys(t *testing.T) {
	tests := []struct {
		names []string
		want  []string // key:code:vk:text:mod
		err   string
	}{
		{[]string{"CTRL", "A"}, []string{"Control:ControlLeft:17::2", "a:KeyA:65:a:0"}, ""},
		{[]string{"ctrl+shift+t"}, []string{"Control:ControlLeft:17::2", "Shift:ShiftLeft:16::8", "t:KeyT:84:t:0"}, ""},
		{[]string{"ctrl++"}, []string{"Control:ControlLeft:17::2", "+:Equal:187:+:0"}, ""},
		{[]string{"Return", "esc", "Page_Down", "arrowup", "F12", "cmd", "option", "space", "/", "\\"},
			[]string{"Enter:Enter:13:\r:0", "Escape:Escape:27::0", "PageDown:PageDown:34::0", "ArrowUp:ArrowUp:38::0",
				"F12:F12:123::0", "Meta:MetaLeft:91::4", "Alt:AltLeft:18::1", " :Space:32: :0", "/:Slash:191:/:0", "\\:Backslash:220:\\:0"}, ""},
		{[]string{"1", "é"}, []string{"1:Digit1:49:1:0", "é::0:é:0"}, ""},
		{[]string{"CTRL", "HYPERSPACE"}, nil, `unknown key "HYPERSPACE"`},
		{[]string{"F25"}, nil, `unknown key "F25"`},
	}
	for _, tt := range tests {
		keys, err := parseKeys(tt.names)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.names, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.names, err)
			continue
		}
		var got []string
		for _, k := range keys {
			got = append(got, strings.Join([]string{k.key, k.code, itoa(k.vk), k.text, itoa(k.mod)}, ":"))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.names, diff)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
