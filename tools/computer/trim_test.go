package computer_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/google/go-cmp/cmp"
)

func TestTrimScreenshots(t *testing.T) {
	// The raw bytes carry an unknown field and odd spacing, which a trimmed
	// item loses (it is rebuilt from its fields) and a kept item keeps.
	history := `[
{"role":"user","content":"go"},
{"type":"computer_call","call_id":"c1","action":{"type":"screenshot"},"pending_safety_checks":[]},
{"type":"computer_call_output","call_id":"c1", "extra":1, "output":{"type":"computer_screenshot","image_url":"data:image/png;base64,AAAA","current_url":"http://a.test/"}},
{"type":"computer_call","call_id":"c2","action":{"type":"screenshot"},"pending_safety_checks":[]},
{"type":"computer_call_output","call_id":"c2","acknowledged_safety_checks":[{"id":"sc","code":"x","message":"y"}],"output":{"type":"computer_screenshot","image_url":"data:image/png;base64,BBBB"}},
{"type":"computer_call_output","call_id":"c3","output":{"type":"computer_screenshot","file_id":"file-1"}},
{"type":"computer_call_output","call_id":"c4", "extra":2, "output":{"type":"computer_screenshot","image_url":"data:image/png;base64,DDDD"}}
]`
	var items []responses.Item
	if err := json.Unmarshal([]byte(history), &items); err != nil {
		t.Fatal(err)
	}
	before := encode(t, items)

	ph := computer.PlaceholderImageURL
	tests := []struct {
		keep int
		want []string // the encoded computer_call_outputs, in order
	}{
		{-1, []string{
			`{"type":"computer_call_output","call_id":"c1", "extra":1, "output":{"type":"computer_screenshot","image_url":"data:image/png;base64,AAAA","current_url":"http://a.test/"}}`,
			`{"type":"computer_call_output","call_id":"c2","acknowledged_safety_checks":[{"id":"sc","code":"x","message":"y"}],"output":{"type":"computer_screenshot","image_url":"data:image/png;base64,BBBB"}}`,
			`{"type":"computer_call_output","call_id":"c3","output":{"type":"computer_screenshot","file_id":"file-1"}}`,
			`{"type":"computer_call_output","call_id":"c4", "extra":2, "output":{"type":"computer_screenshot","image_url":"data:image/png;base64,DDDD"}}`,
		}},
		{2, []string{
			`{"type":"computer_call_output","call_id":"c1","output":{"type":"computer_screenshot","image_url":"` + ph + `","current_url":"http://a.test/"}}`,
			`{"type":"computer_call_output","call_id":"c2","acknowledged_safety_checks":[{"id":"sc","code":"x","message":"y"}],"output":{"type":"computer_screenshot","image_url":"` + ph + `"}}`,
			`{"type":"computer_call_output","call_id":"c3","output":{"type":"computer_screenshot","file_id":"file-1"}}`,
			`{"type":"computer_call_output","call_id":"c4", "extra":2, "output":{"type":"computer_screenshot","image_url":"data:image/png;base64,DDDD"}}`,
		}},
		{0, []string{
			`{"type":"computer_call_output","call_id":"c1","output":{"type":"computer_screenshot","image_url":"` + ph + `","current_url":"http://a.test/"}}`,
			`{"type":"computer_call_output","call_id":"c2","acknowledged_safety_checks":[{"id":"sc","code":"x","message":"y"}],"output":{"type":"computer_screenshot","image_url":"` + ph + `"}}`,
			`{"type":"computer_call_output","call_id":"c3","output":{"type":"computer_screenshot","file_id":"file-1"}}`,
			`{"type":"computer_call_output","call_id":"c4","output":{"type":"computer_screenshot","image_url":"` + ph + `"}}`,
		}},
	}
	for _, tt := range tests {
		got := computer.TrimScreenshots(items, tt.keep)
		if len(got) != len(items) {
			t.Fatalf("keep %d: %d items, want %d", tt.keep, len(got), len(items))
		}
		var outs []string
		for _, it := range got {
			if it.Type == responses.ItemComputerCallOutput {
				b, err := it.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, string(b))
			}
		}
		if diff := cmp.Diff(tt.want, outs); diff != "" {
			t.Errorf("keep %d (-want +got):\n%s", tt.keep, diff)
		}
		if after := encode(t, items); after != before {
			t.Fatalf("keep %d modified the input:\n%s", tt.keep, after)
		}
		// Trimming again changes nothing more.
		if again := encode(t, computer.TrimScreenshots(got, tt.keep)); again != encode(t, got) {
			t.Errorf("keep %d: a second trim changed the history", tt.keep)
		}
	}
}

func encode(t *testing.T, items []responses.Item) string {
	t.Helper()
	var b []byte
	for _, it := range items {
		enc, err := it.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		b = append(append(b, enc...), '\n')
	}
	return string(b)
}

func TestPlaceholderIsAPNG(t *testing.T) {
	b64, ok := strings.CutPrefix(computer.PlaceholderImageURL, "data:image/png;base64,")
	if !ok {
		t.Fatal("not a PNG data URL")
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got.X != 8 || got.Y != 8 {
		t.Errorf("placeholder is %v", got)
	}
}

func TestEditRequest(t *testing.T) {
	shot := func(id, url string) responses.Item {
		return responses.Item{Type: responses.ItemComputerCallOutput, CallID: id,
			Screenshot: &responses.ComputerScreenshot{ImageURL: url}}
	}
	var items []responses.Item
	for i := range 5 {
		items = append(items, shot(string(rune('a'+i)), "data:image/png;base64,QQ=="))
	}
	tests := []struct {
		name      string
		opts      *computer.Options
		model     string
		items     []responses.Item
		wantTrunc string
		wantKept  int  // images left as they were
		wantSame  bool // the Items slice is the one passed in
	}{
		{"preview, default keep", nil, "computer-use-preview", items, "auto", 3, false},
		{"GA, keep 1", &computer.Options{KeepScreenshots: 1}, "gpt-5.4", items, "", 1, false},
		{"keep all", &computer.Options{KeepScreenshots: -1}, "gpt-5.4", items, "", 5, true},
		{"nothing to trim", nil, "gpt-5.4", items[:3], "", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tool interface {
				EditRequest(*responses.Request)
			} = computer.NewTool(&fakeComputer{}, tt.opts)
			req := &responses.Request{Model: tt.model, Input: responses.InputItems(tt.items...)}
			tool.EditRequest(req)
			if req.Truncation != tt.wantTrunc {
				t.Errorf("truncation %q, want %q", req.Truncation, tt.wantTrunc)
			}
			kept := 0
			for _, it := range req.Input.Items {
				if it.Screenshot.ImageURL != computer.PlaceholderImageURL {
					kept++
				}
			}
			if kept != tt.wantKept {
				t.Errorf("kept %d images, want %d", kept, tt.wantKept)
			}
			if same := &req.Input.Items[0] == &tt.items[0]; same != tt.wantSame {
				t.Errorf("same slice = %v, want %v", same, tt.wantSame)
			}
			for _, it := range items {
				if it.Screenshot.ImageURL == computer.PlaceholderImageURL {
					t.Fatal("the caller's items were modified")
				}
			}
		})
	}
}
