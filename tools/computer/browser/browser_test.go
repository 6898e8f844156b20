package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
)

// helperEnv marks the child process of TestKilledParentLeavesNoProcess.
const helperEnv = "AGENTLOOP_BROWSER_TEST_HELPER"

// The tests share one browser and one fixture, started by TestMain.
var (
	shared         *Browser
	fix            *fixture
	missingBrowser string
)

// TestMain starts the shared browser and fixture, and after the tests
// fails the suite when a goroutine, a Chromium process or a profile folder
// outlives them (helper processes excepted: their parent counts for them).
func TestMain(m *testing.M) {
	helper := os.Getenv(helperEnv) != ""
	var leaks *suiteLeaks
	if !helper {
		var err error
		if leaks, err = startLeakCount(); err != nil {
			fmt.Fprintln(os.Stderr, "counting leaks:", err)
			os.Exit(1)
		}
	}
	fix = newFixture()
	if helper {
		missingBrowser = "a helper process: the shared browser is unavailable"
	} else if _, err := FindChromium(); err != nil {
		missingBrowser = "Chromium not found (apt-get install -y chromium): " + err.Error()
	} else {
		shared = New(&Options{Wait: 50 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		if err := shared.Start(ctx); err != nil {
			missingBrowser = "Chromium does not start: " + err.Error()
		}
		cancel()
	}
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the browser:", err)
			code = 1
		}
	}
	fix.close()
	if leaks != nil {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "browser suite: goroutines outlived the suite:", err)
			code = 1
		}
		if err := leaks.finish(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// page returns the shared browser showing a fresh fixture page.
func fixturePageOpen(t testing.TB) (*Browser, context.Context) {
	t.Helper()
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	// Open the page and wait for both iframes to load. Under a loaded
	// machine a frame has been seen never to report ready: the setup then
	// loads the page once more (logged) before it gives up.
	const ready = `new Promise(r => { const tick = () => window.__ready >= 2 ? r(true) : setTimeout(tick, 5); tick(); })`
	for attempt := 1; ; attempt++ {
		if err := shared.Navigate(ctx, fix.main.URL+"/"); err != nil {
			t.Fatal(err)
		}
		_, err := evalErr[bool](shared, ready, 8*time.Second)
		if err == nil {
			return shared, ctx
		}
		if attempt == 2 {
			t.Fatalf("fixture page never became ready: %v", err)
		}
		t.Logf("fixture page not ready after 8 s (%v); loading it again", err)
	}
}

// evalErr evaluates expr in the last tab, as eval does, within timeout.
func evalErr[T any](b *Browser, expr string, timeout time.Duration) (T, error) {
	b.mu.Lock()
	tb := b.s.tabs[len(b.s.tabs)-1]
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// eval evaluates expr in the current tab (awaiting a promise) and decodes its value.
func eval[T any](t testing.TB, b *Browser, expr string) T {
	t.Helper()
	b.mu.Lock()
	tb := b.s.tabs[len(b.s.tabs)-1]
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// pageLog returns and clears the fixture's log.
func pageLog(t testing.TB, b *Browser) []string {
	t.Helper()
	return eval[[]string](t, b, `(() => { const l = window.__log.slice(); window.__log.length = 0; return l; })()`)
}

func do(t testing.TB, ctx context.Context, b *Browser, actions ...responses.ComputerAction) {
	t.Helper()
	for _, a := range actions {
		if err := b.Do(ctx, a); err != nil {
			t.Fatalf("%s: %v", a.Type, err)
		}
	}
}

func errUnsupported() error { return computer.ErrUnsupportedAction }

func TestNoChromium(t *testing.T) {
	b := New(&Options{ExecPath: "/nonexistent/chromium"})
	defer func() { _ = b.Close() }()
	err := b.Start(context.Background())
	if !errors.Is(err, ErrNoChromium) {
		t.Errorf("Start: %v, want ErrNoChromium", err)
	}
	if got := b.Display(); got.Width != 1024 || got.Height != 768 || got.Environment != "browser" {
		t.Errorf("Display %+v", got)
	}
}
