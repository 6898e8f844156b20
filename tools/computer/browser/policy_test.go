package browser

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPolicyCheck(t *testing.T) {
	p := newPolicy([]string{"example.com", "127.0.0.1:8080", "https://docs.test/"}, []string{"ads.example.com"})
	tests := []struct {
		url     string
		blocked string // "" means allowed
	}{
		{"https://example.com/a", ""},
		{"https://www.example.com/a", ""},
		{"https://EXAMPLE.com", ""},
		{"https://ads.example.com/x", "ads.example.com is on the block list"},
		{"https://x.ads.example.com/x", "on the block list"},
		{"https://notexample.com/", "notexample.com is not on the allow list"},
		{"https://example.com.evil.test/", "not on the allow list"},
		{"http://127.0.0.1:8080/", ""},
		{"http://127.0.0.1:9090/", "not on the allow list"},
		{"https://docs.test/page", ""},
		{"about:blank", ""},
		{"data:text/html,hi", ""},
		{"chrome-error://chromewebdata/", ""},
	}
	for _, tt := range tests {
		err := p.check(tt.url)
		if tt.blocked == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.url, err)
			}
			continue
		}
		if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), tt.blocked) {
			t.Errorf("%s: %v, want %q", tt.url, err, tt.blocked)
		}
	}
	if newPolicy(nil, nil).check("https://anything.test/") != nil {
		t.Error("an empty policy blocks")
	}
	if err := newPolicy(nil, []string{"bad.test"}).check("https://good.test/"); err != nil {
		t.Errorf("a block list alone: %v", err)
	}
}

// TestDomainPolicy runs a browser of its own that may load only from
// 127.0.0.1: the fixture's localhost iframe and links are blocked.
func TestDomainPolicy(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := New(&Options{AllowDomains: []string{"127.0.0.1"}, StartURL: fix.main.URL + "/"})
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
	// Navigating to a blocked host fails before anything loads.
	err := b.Navigate(ctx, fix.crossURL+"/frame")
	if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), "localhost is not on the allow list") {
		t.Errorf("Navigate: %v", err)
	}
	// A link to a blocked host: the action reports it.
	if err := b.Navigate(ctx, fix.main.URL+"/next"); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	err = b.Do(ctx, click(70, 35, "left"))
	t.Logf("blocked click %v", time.Since(start))
	if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), fix.crossURL+"/far") {
		t.Errorf("click on a blocked link: %v", err)
	}
	u, _ := b.CurrentURL(ctx)
	t.Logf("URL after the blocked click: %s", u)
	// The next action is clean again.
	if err := b.Do(ctx, click(500, 500, "left")); err != nil {
		t.Errorf("the next action: %v", err)
	}
	if diff := cmp.Diff(true, strings.HasPrefix(fix.main.URL, "http://127.0.0.1")); diff != "" {
		t.Fatal("the fixture is not on 127.0.0.1")
	}
	start = time.Now()
	if err := b.Close(); err != nil {
		t.Error(err)
	}
	t.Logf("close %v", time.Since(start))
}
