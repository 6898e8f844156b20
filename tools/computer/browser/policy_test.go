package browser

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	p := newPolicy([]string{"example.com", "127.0.0.1:8080", "https://docs.test/", "*.wild.test"}, []string{"ads.example.com", "example.com:8443"}, []string{"data"})
	tests := []struct {
		url     string
		page    string // the error of policy.page; "" means allowed
		request string // the error of policy.request, when it differs from page's
	}{
		{url: "https://example.com/a"},
		{url: "https://www.example.com/a"},
		{url: "https://EXAMPLE.com"},
		{url: "https://example.com:443/"},
		{url: "https://ads.example.com/x", page: "ads.example.com is on the block list (ads.example.com)"},
		{url: "https://x.ads.example.com/x", page: "x.ads.example.com is on the block list (ads.example.com)"},
		{url: "https://example.com:8443/", page: "example.com:8443 is on the block list (example.com:8443)"},
		{url: "https://notexample.com/", page: "notexample.com is not on the allow list"},
		{url: "https://example.com.evil.test/", page: "example.com.evil.test is not on the allow list"},
		{url: "http://127.0.0.1:8080/"},
		{url: "http://127.0.0.1:9090/", page: "127.0.0.1:9090 is not on the allow list (127.0.0.1 is allowed on port 8080 only)"},
		{url: "http://127.0.0.1/", page: "127.0.0.1:80 is not on the allow list (127.0.0.1 is allowed on port 8080 only)"},
		{url: "https://docs.test/page"},
		{url: "https://a.wild.test/"},
		{url: "ws://127.0.0.1:8080/socket", page: "ws: URLs are refused"},
		{url: "wss://evil.test/socket", page: "wss: URLs are refused", request: "evil.test is not on the allow list"},
		{url: "about:blank"},
		{url: "about:settings", page: "about: URLs are refused", request: "-"},
		{url: "data:text/html,hi"},
		{url: "blob:https://example.com/1", page: "blob: URLs are refused", request: "-"},
		{url: "file:///etc/passwd", page: "file: URLs are refused (only http and https pages may be opened, unless Options.AllowSchemes names the scheme)", request: "-"},
		{url: "chrome://settings", page: "chrome: URLs are refused", request: "-"},
		{url: "javascript:alert(1)", page: "javascript: URLs are refused", request: "-"},
		{url: "example.com", page: `"example.com" is not an absolute URL`, request: "-"},
		{url: "chrome-error://chromewebdata/", page: "chrome-error: URLs are refused", request: "-"},
	}
	for _, tt := range tests {
		check := func(what string, err error, want string) {
			t.Helper()
			if want == "" || want == "-" {
				if err != nil {
					t.Errorf("%s %s: %v, want it allowed", what, tt.url, err)
				}
				return
			}
			if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s %s: %v, want %q", what, tt.url, err, want)
			}
		}
		check("page", p.page(tt.url), tt.page)
		want := tt.request
		if want == "" {
			want = tt.page
			if strings.Contains(want, "URLs are refused") {
				want = ""
			}
		}
		check("request", p.request(tt.url), want)
	}
	// Without host lists, only schemes are checked.
	open := newPolicy(nil, nil, nil)
	if open.page("https://anything.test/") != nil || open.request("wss://anything.test/") != nil {
		t.Error("an empty policy blocks hosts")
	}
	if err := open.page("file:///etc/passwd"); !errors.Is(err, ErrBlocked) {
		t.Errorf("an empty policy opens file: URLs: %v", err)
	}
	if err := newPolicy(nil, []string{"bad.test"}, nil).page("https://good.test/"); err != nil {
		t.Errorf("a block list alone: %v", err)
	}
	if err := newPolicy(nil, nil, []string{"FILE://"}).page("file:///tmp/x.html"); err != nil {
		t.Errorf("an allowed scheme: %v", err)
	}
}

// TestDomainPolicy runs a browser of its own that may connect to the main
// fixture server only (127.0.0.1 on its port): the page's iframe, images,
// fetches, WebSockets and worker requests to other hosts and ports never
// reach them, the model is told, and a link or a new tab to a blocked host
// fails its action.
func TestDomainPolicy(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	mainHost := strings.TrimPrefix(fix.main.URL, "http://")
	_, crossPort, _ := net.SplitHostPort(strings.TrimPrefix(fix.crossURL, "http://"))
	_, mainPort, _ := net.SplitHostPort(mainHost)
	b := New(&Options{AllowDomains: []string{mainHost}, StartURL: fix.main.URL + "/"})
	defer func() { _ = b.Close() }()
	start := time.Now()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("start %v", time.Since(start))
	// The start page loaded; its localhost iframe did not.
	if got := eval[int](t, b, `new Promise(r => setTimeout(() => r(window.__ready), 200))`); got != 1 {
		t.Errorf("%d frames loaded, want 1 (the cross-origin one is blocked)", got)
	}
	fix.hits()

	// Every kind of request to another host or port is refused.
	if err := b.Navigate(ctx, fix.main.URL+"/net"); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, b, `new Promise(r => { const tick = () => window.__done >= 3 ? r(true) : setTimeout(tick, 10); tick(); })`)
	time.Sleep(300 * time.Millisecond) // the worker's WebSocket
	if h := fix.hits(); len(h) != 0 {
		t.Errorf("requests reached a blocked host: %q", h)
	}
	notices := strings.Join(b.Notices(), "\n")
	if strings.Contains(notices, "google") {
		t.Errorf("Chromium's own connections told as the page's: %q", notices)
	}
	for _, want := range []string{
		"The domain policy refused connections the page tried to make, so they failed:",
		"localhost:" + crossPort + " (localhost is not on the allow list)",
		"127.0.0.1:" + crossPort + " (127.0.0.1:" + crossPort + " is not on the allow list (127.0.0.1 is allowed on port " + mainPort + " only))",
	} {
		if !strings.Contains(notices, want) {
			t.Errorf("told %q, want %q", notices, want)
		}
	}

	// Opening a blocked host, or a local file, fails before anything loads.
	for _, tt := range []struct{ url, want string }{
		{fix.crossURL + "/frame", "localhost is not on the allow list"},
		{fix.crossIP + "/frame", "127.0.0.1:" + crossPort + " is not on the allow list (127.0.0.1 is allowed on port " + mainPort + " only)"},
		{"file:///etc/passwd", "file: URLs are refused"},
		{"chrome://settings", "chrome: URLs are refused"},
	} {
		if err := b.Navigate(ctx, tt.url); !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Navigate %s: %v, want %q", tt.url, err, tt.want)
		}
	}
	// A link to a blocked host: the action reports it.
	if err := b.Navigate(ctx, fix.main.URL+"/next"); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	err := b.Do(ctx, click(70, 35, "left"))
	t.Logf("blocked click %v", time.Since(start))
	if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), fix.crossURL+"/far") {
		t.Errorf("click on a blocked link: %v", err)
	}
	// The next action is clean again.
	if err := b.Do(ctx, click(500, 500, "left")); err != nil {
		t.Errorf("the next action: %v", err)
	}
	// A new tab on a blocked host: the tab is closed, the model told, and
	// the page it came from is current again.
	if err := b.Navigate(ctx, fix.main.URL+"/net"); err != nil {
		t.Fatal(err)
	}
	b.Notices()
	err = b.Do(ctx, click(70, 115, "left"))
	if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), "the new tab it opened was closed") {
		t.Errorf("a blocked new tab: %v", err)
	}
	if u, _ := b.CurrentURL(ctx); u != fix.main.URL+"/net" {
		t.Errorf("after the blocked tab: on %s", u)
	}
	if h := fix.hits(); len(h) != 0 {
		t.Errorf("requests reached a blocked host: %q", h)
	}
	start = time.Now()
	if err := b.Close(); err != nil {
		t.Error(err)
	}
	t.Logf("close %v", time.Since(start))
}

// TestStartFailures: a start that cannot work is reported once and not
// tried again; a start page that does not load is told, and the browser
// works.
func TestStartFailures(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// A start URL the policy refuses: Chromium never starts.
	b := New(&Options{StartURL: "file:///etc/passwd"})
	err := b.Start(ctx)
	if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), "start URL") {
		t.Errorf("a file start URL: %v", err)
	}
	if err2 := b.Do(ctx, click(1, 1, "left")); err2 != err || b.s != nil {
		t.Errorf("the next call: %v (started: %v)", err2, b.s != nil)
	}
	_ = b.Close()

	// A Chromium that exits at once: started once, reported, not again.
	dir := t.TempDir()
	counter := filepath.Join(dir, "starts")
	fake := filepath.Join(dir, "chromium")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho x >> "+counter+"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	b = New(&Options{ExecPath: fake})
	err = b.Start(ctx)
	for range 3 {
		if _, err2 := b.Screenshot(ctx); err2 != err {
			t.Errorf("a later call: %v, want the start's error %v", err2, err)
		}
	}
	if got, _ := os.ReadFile(counter); string(got) != "x\n" {
		t.Errorf("Chromium was started %d times, want once (start error %v)", strings.Count(string(got), "x"), err)
	}
	_ = b.Close()

	// A start page on a server that is down: the browser runs, and says so.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/"
	_ = ln.Close()
	b = New(&Options{StartURL: down})
	defer func() { _ = b.Close() }()
	if err := b.Start(ctx); err != nil {
		t.Fatalf("a start page that does not load: %v", err)
	}
	if n := b.Notices(); len(n) != 1 || !strings.Contains(n[0], "The start page "+down+" did not load") || !strings.Contains(n[0], "ERR_CONNECTION_REFUSED") {
		t.Errorf("told %q", n)
	}
	if _, err := b.Screenshot(ctx); err != nil {
		t.Errorf("screenshot: %v", err)
	}
}
