package browser

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
)

// told runs a computer call through the tool as the runner does, and
// returns everything the model is told beside the screenshot: the error and
// the notices.
func told(t *testing.T, ctx context.Context, tool *computer.Tool, actions string) (responses.Item, string) {
	t.Helper()
	ctx, notes := tools.WithNotes(tools.WithCallInfo(ctx, tools.CallInfo{RunID: "run", CallID: "call"}))
	out, err := tool.CallItem(ctx, callItem(t, `{"type":"computer_call","call_id":"call","actions":[`+actions+`]}`))
	var s []string
	if err != nil {
		s = append(s, err.Error())
	}
	s = append(s, notes()...)
	if out.Screenshot == nil || !strings.HasPrefix(out.Screenshot.ImageURL, "data:image/png;base64,") {
		t.Errorf("no screenshot: %+v", out.Screenshot)
	}
	return out, strings.Join(s, "\n")
}

// TestCrashAndHang: pages that run out of memory or never stop running a
// script, and a browser that dies, are detected, told to the model in
// words, and replaced by a working page where the model was, with the
// recovery on the call's spans.
func TestCrashAndHang(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	calm := fix.main.URL + "/calm"
	b := New(&Options{StartURL: calm, Wait: 50 * time.Millisecond,
		Flags: []string{"--js-flags=--max-old-space-size=48"}})
	hangTimeout := func(d time.Duration) {
		b.mu.Lock()
		b.opts.HangTimeout = d
		b.mu.Unlock()
	}
	defer func() { _ = b.Close() }()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("test").Start(ctx, "execute_tool computer")
	defer span.End()
	tool := computer.NewTool(b, nil)
	url := func() string {
		u, err := b.CurrentURL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if u := url(); u != calm {
		t.Fatalf("started on %s", u)
	}

	// A page that runs out of memory: its renderer crashes (within a
	// second here; while it does, it does not answer, which the default
	// HangTimeout covers).
	out, msg := told(t, ctx, tool, `{"type":"click","button":"left","x":70,"y":95},{"type":"wait"}`)
	if !strings.Contains(msg, "crashed") {
		// The page crashed after the call's screenshot: the next call finds it.
		_, msg = told(t, ctx, tool, `{"type":"screenshot"}`)
	}
	crashed := b.s.dataDir
	if !strings.Contains(msg, "The page at "+fix.main.URL+"/oom crashed") || !strings.Contains(msg, "a new page was opened at "+calm) {
		t.Errorf("told %q", msg)
	}
	if out.Screenshot.CurrentURL != calm || eval[string](t, b, `document.title`) != "calm" {
		t.Errorf("after the crash: on %s", out.Screenshot.CurrentURL)
	}
	// Its crash report went to the profile, which Close removes.
	if dumps, _ := filepath.Glob(filepath.Join(crashed, "chromium", "Crash Reports", "*", "*.dmp")); len(dumps) == 0 {
		t.Log("no crash report in the profile (Crashpad wrote none)")
	}

	// A button whose script never ends.
	hangTimeout(time.Second)
	start := time.Now()
	_, msg = told(t, ctx, tool, `{"type":"click","button":"left","x":70,"y":35}`)
	d := time.Since(start)
	if !strings.Contains(msg, "The page at "+calm+" stopped responding") || !strings.Contains(msg, "a new page was opened at "+calm) {
		t.Errorf("told %q", msg)
	}
	if d > 8*time.Second {
		t.Errorf("the stuck page cost the call %v", d)
	}
	t.Logf("a stuck page: detected and replaced in %v", d)
	if _, err := tool.CallItem(ctx, callItem(t, `{"type":"computer_call","call_id":"x","actions":[{"type":"move","x":5,"y":5}]}`)); err != nil {
		t.Errorf("the page is not usable after the recovery: %v", err)
	}

	// A page stuck between calls (a timer's script): a navigation finds out
	// at once, instead of waiting for the stuck renderer until it times out.
	eval[int](t, b, `setTimeout(() => { for (;;) {} }, 10), 0`)
	time.Sleep(100 * time.Millisecond)
	start = time.Now()
	err := b.Navigate(ctx, fix.main.URL+"/next")
	if !errors.Is(err, ErrUnresponsive) || !strings.Contains(err.Error(), "a new page was opened at "+calm) || time.Since(start) > 8*time.Second {
		t.Errorf("Navigate from a stuck page: %v after %v", err, time.Since(start))
	}

	// A page stuck while it loads: the navigation fails, saying so.
	err = b.Navigate(ctx, fix.main.URL+"/busyload")
	if !errors.Is(err, ErrUnresponsive) || !strings.Contains(err.Error(), "a new page was opened at "+calm) {
		t.Errorf("Navigate to a stuck page: %v", err)
	}
	if u := url(); u != calm {
		t.Errorf("after the stuck page: on %s", u)
	}

	// The whole browser dies: the next action is not run, and says why; a
	// new browser shows the page the model was on.
	killGroup(b.s.browser.Process().Pid)
	<-b.s.browser.LostConnection
	out, msg = told(t, ctx, tool, `{"type":"click","button":"left","x":500,"y":500}`)
	if !strings.Contains(msg, "Chromium exited (it crashed or was killed), so a new browser was started at "+calm) ||
		!strings.Contains(msg, "The action was not run") {
		t.Errorf("told %q", msg)
	}
	if out.Screenshot.CurrentURL != calm {
		t.Errorf("after the restart: on %s", out.Screenshot.CurrentURL)
	}
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Errorf("the dead browser's profile (and crash reports) are still there: %v", err)
	}

	// The recoveries are on the spans.
	span.End()
	var reasons []string
	for _, s := range rec.Ended() {
		for _, ev := range s.Events() {
			if ev.Name == genai.EventBrowserRecovered {
				for _, a := range ev.Attributes {
					if a.Key == genai.KeyBrowserRecoveryReason {
						reasons = append(reasons, a.Value.AsString())
					}
				}
			}
		}
	}
	slices.Sort(reasons)
	if strings.Join(reasons, ",") != "browser_exited,crash,unresponsive,unresponsive,unresponsive" {
		t.Errorf("recovery events %q", reasons)
	}
}

// TestCrashLoop: a page that crashes again each time it is opened again is
// given up after twice: the browser ends on about:blank, not in a loop.
func TestCrashLoop(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	oom := fix.main.URL + "/oom"
	b := New(&Options{StartURL: oom, Flags: []string{"--js-flags=--max-old-space-size=48"}})
	defer func() { _ = b.Close() }()
	var told []string
	var u string
	for i := 0; i < 40 && u != "about:blank"; i++ {
		if _, err := b.Screenshot(ctx); err != nil {
			t.Fatal(err)
		}
		var err error
		if u, err = b.CurrentURL(ctx); err != nil {
			t.Fatal(err)
		}
		told = append(told, b.Notices()...)
		time.Sleep(200 * time.Millisecond)
	}
	if u != "about:blank" {
		t.Fatalf("still on %s after 40 looks; told %q", u, told)
	}
	var crashes int
	for _, n := range told {
		if strings.HasPrefix(n, "The page at "+oom+" crashed") {
			crashes++
		}
	}
	if crashes != 3 || !strings.Contains(told[len(told)-1], "a new page was opened at about:blank (an empty page)") {
		t.Errorf("told %q, want three crashes, the last one opening about:blank", told)
	}
}
