package browser

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
)

var (
	_ computer.Computer    = (*Browser)(nil)
	_ computer.URLReporter = (*Browser)(nil)
	_ computer.Navigator   = (*Browser)(nil)
)

func callItem(t testing.TB, s string) *responses.Item {
	t.Helper()
	var it responses.Item
	if err := json.Unmarshal([]byte(s), &it); err != nil {
		t.Fatal(err)
	}
	return &it
}

// TestComputerTool drives the browser through the computer tool, as the
// runner does.
func TestComputerTool(t *testing.T) {
	b, ctx := fixturePageOpen(t)
	tool := computer.NewTool(b, nil)

	// A GA batch ending in a screenshot action.
	out, err := tool.CallItem(ctx, callItem(t, `{"type":"computer_call","call_id":"call_1","status":"completed","pending_safety_checks":[],
		"actions":[{"type":"click","button":"left","x":120,"y":85},{"type":"type","text":"batch"},{"type":"keypress","keys":["SHIFT","1"]},{"type":"screenshot"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if out.Type != responses.ItemComputerCallOutput || out.CallID != "call_1" || out.Screenshot.CurrentURL != fix.main.URL+"/" {
		t.Errorf("output %+v %+v", out, out.Screenshot)
	}
	data, ok := strings.CutPrefix(out.Screenshot.ImageURL, "data:image/png;base64,")
	if !ok {
		t.Fatalf("image URL %.40s", out.Screenshot.ImageURL)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(strings.NewReader(string(raw))); err != nil || cfg.Width != 1024 || cfg.Height != 768 {
		t.Errorf("screenshot %dx%d %v", cfg.Width, cfg.Height, err)
	}
	if got := eval[string](t, b, `document.getElementById('input').value`); got != "batch1" {
		t.Errorf("input %q", got)
	}

	// A preview call with one action.
	pageLog(t, b)
	if _, err := tool.CallItem(ctx, callItem(t, `{"type":"computer_call","call_id":"call_2","action":{"type":"double_click","x":70,"y":35}}`)); err != nil {
		t.Fatal(err)
	}
	if got := pageLog(t, b); !slices.Contains(got, "dblclick:0:70,35:") {
		t.Errorf("preview action: %v", got)
	}

	// A failing action: the output still comes, with the error beside it.
	out, err = tool.CallItem(ctx, callItem(t, `{"type":"computer_call","call_id":"call_3","actions":[{"type":"keypress","keys":["CTRL","HYPERSPACE"]}]}`))
	var ae *computer.ActionError
	if !errors.As(err, &ae) || errors.Is(err, tools.ErrAbort) || out.Screenshot == nil || !strings.HasPrefix(out.Screenshot.ImageURL, "data:image/png") {
		t.Errorf("failing action: %v, %+v", err, out)
	}

	// A safety check with no callback: refused before anything runs.
	_, err = tool.CallItem(ctx, callItem(t, `{"type":"computer_call","call_id":"call_4","action":{"type":"click","button":"left","x":70,"y":35},
		"pending_safety_checks":[{"id":"sc","code":"malicious_instructions","message":"m"}]}`))
	if !errors.Is(err, tools.ErrAbort) {
		t.Errorf("refused check: %v", err)
	}
	if got := pageLog(t, b); len(got) != 0 {
		t.Errorf("a refused call ran: %v", got)
	}
}

// measure runs f n times and returns the median duration.
func measure(n int, f func()) time.Duration {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		f()
		d[i] = time.Since(start)
	}
	return median(d)
}

func benchCall(b *testing.B, call string) {
	br, ctx := fixturePageOpen(b)
	tool := computer.NewTool(br, nil)
	item := callItem(b, call)
	var size int
	b.ResetTimer()
	median := measure(b.N, func() {
		out, err := tool.CallItem(ctx, item)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out.Screenshot.ImageURL) * 3 / 4
	})
	b.ReportMetric(float64(median.Microseconds())/1000, "ms/median")
	b.ReportMetric(float64(size), "screenshot-bytes")
}

// BenchmarkClickCall is a one-action computer call: a click and the
// screenshot.
func BenchmarkClickCall(b *testing.B) {
	benchCall(b, `{"type":"computer_call","call_id":"c","actions":[{"type":"click","button":"left","x":70,"y":35}]}`)
}

// BenchmarkBatchCall is a five-action batch and its screenshot.
func BenchmarkBatchCall(b *testing.B) {
	benchCall(b, `{"type":"computer_call","call_id":"c","actions":[{"type":"move","x":350,"y":225},
		{"type":"click","button":"left","x":120,"y":85},{"type":"type","text":"hello"},
		{"type":"keypress","keys":["CTRL","A"]},{"type":"scroll","x":400,"y":100,"scroll_x":0,"scroll_y":40}]}`)
}

// BenchmarkStart starts a browser (until it can take input) and closes it.
func BenchmarkStart(b *testing.B) {
	if missingBrowser != "" {
		b.Skip(missingBrowser)
	}
	var starts, closes []time.Duration
	for range b.N {
		br := New(nil)
		t0 := time.Now()
		if err := br.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := br.Close(); err != nil {
			b.Fatal(err)
		}
		starts, closes = append(starts, t1.Sub(t0)), append(closes, time.Since(t1))
	}
	b.ReportMetric(float64(median(starts).Milliseconds()), "ms-start/median")
	b.ReportMetric(float64(median(closes).Milliseconds()), "ms-close/median")
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}
