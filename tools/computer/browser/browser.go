// Package browser is a [computer.Computer] backed by a headless Chromium it
// starts and owns, driven over the Chrome DevTools Protocol with chromedp.
//
// The browser starts on first use and lives until [Browser.Close], which
// leaves no Chromium process behind (on Linux also when the Go process is
// killed: the browser gets SIGKILL when its parent dies). Each model action
// maps onto raw CDP input events at CSS-pixel coordinates; the viewport is
// forced on every tab at a device pixel ratio of 1, so screenshot pixels are
// the model's coordinates. JavaScript dialogs are answered by policy and never
// block, new tabs are followed, downloads are refused, and an allow/block
// list of domains is checked on every document request.
//
//	b := browser.New(&browser.Options{StartURL: "https://example.com"})
//	defer b.Close()
//	tool := computer.NewTool(b, nil)
package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
)

// Dialog policies, the values of Options.Dialogs.
const (
	DialogDismiss = "dismiss" // the default: Cancel on confirm() and prompt()
	DialogAccept  = "accept"  // OK on confirm(), empty answer to prompt()
)

// Screenshot formats, the values of Options.Format.
const (
	FormatPNG  = "png"
	FormatJPEG = "jpeg"
)

// Options configures a [Browser]. The zero value is valid.
type Options struct {
	// ExecPath is the Chromium binary. Empty means the first of chromium,
	// chromium-browser, google-chrome, google-chrome-stable, chrome and
	// headless_shell found on PATH (see [FindChromium]).
	ExecPath string

	// Width and Height are the viewport in CSS pixels, which are also the
	// screenshot size and the model's coordinates. Zero means 1024×768.
	Width, Height int

	// StartURL is opened when the browser starts. Empty means about:blank.
	StartURL string

	// AllowDomains, when not empty, lists the only hosts documents may be
	// loaded from (a host matches itself and its subdomains; an entry may
	// carry a port, "127.0.0.1:8080"). BlockDomains lists hosts documents may
	// never be loaded from, checked first. Both are checked on every document
	// request of every tab and frame, new tabs included. A blocked page
	// fails to load (Chromium shows its "blocked" error page) and the action
	// returns an error wrapping [ErrBlocked] that names the URL and the rule;
	// a blocked iframe is left empty and only logged. Subresources (images,
	// scripts, fetches) are not checked.
	AllowDomains, BlockDomains []string

	// Dialogs is DialogDismiss (the default) or DialogAccept: the answer to
	// confirm() and prompt(). alert() is closed either way, and
	// beforeunload is always accepted so navigation goes on.
	Dialogs string

	// Format is FormatPNG (the default) or FormatJPEG; Quality is the JPEG
	// quality, zero meaning 80.
	Format  string
	Quality int

	// ActionTimeout bounds each action and each screenshot. Zero means 10 s.
	ActionTimeout time.Duration

	// StartTimeout bounds the browser's start. Zero means 30 s.
	StartTimeout time.Duration

	// NavigationTimeout bounds the wait for a page an action started to
	// load. The action then goes on: a slow page is no failure. Zero means
	// 5 s.
	NavigationTimeout time.Duration

	// Wait is how long a wait action sleeps. Zero means 1 s.
	Wait time.Duration

	// TypeKeys makes type actions send a key event per character (keydown,
	// keypress, input, keyup; slower) instead of inserting the text
	// (beforeinput and input only), for widgets that listen to keys.
	TypeKeys bool

	// NoSandbox adds --no-sandbox. It is added anyway when running as root,
	// where Chromium refuses to start without it.
	NoSandbox bool

	// Flags are extra command-line flags, "--name" or "--name=value".
	Flags []string

	// Logger receives debug records (dialogs, blocked requests, tabs). Nil
	// means silent.
	Logger *slog.Logger
}

// ErrNoChromium is returned (wrapped) when no Chromium binary can be found.
var ErrNoChromium = errors.New("browser: no Chromium found (install chromium, or set Options.ExecPath)")

// ErrClosed is returned by a Browser used after Close.
var ErrClosed = errors.New("browser: closed")

// ErrBlocked is wrapped by the error of an action whose navigation the
// domain policy blocked.
var ErrBlocked = errors.New("browser: blocked by the domain policy")

// Browser is a headless Chromium that implements [computer.Computer],
// [computer.URLReporter], [computer.Navigator] and io.Closer. It is safe for
// concurrent use; calls run one at a time.
type Browser struct {
	opts   Options
	policy policy

	mu     sync.Mutex
	closed bool
	s      *session // nil until started
}

// New returns a Browser. It starts nothing: Chromium is started by the first
// call that needs it. Options may be nil.
func New(opts *Options) *Browser {
	b := &Browser{}
	if opts != nil {
		b.opts = *opts
	}
	o := &b.opts
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1024, 768
	}
	if o.Dialogs == "" {
		o.Dialogs = DialogDismiss
	}
	if o.Format == "" {
		o.Format = FormatPNG
	}
	if o.Quality <= 0 {
		o.Quality = 80
	}
	if o.ActionTimeout <= 0 {
		o.ActionTimeout = 10 * time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
	if o.NavigationTimeout <= 0 {
		o.NavigationTimeout = 5 * time.Second
	}
	if o.Wait <= 0 {
		o.Wait = time.Second
	}
	b.policy = newPolicy(o.AllowDomains, o.BlockDomains)
	return b
}

// Display returns the viewport size and the "browser" environment.
func (b *Browser) Display() computer.Display {
	return computer.Display{Width: b.opts.Width, Height: b.opts.Height, Environment: computer.EnvironmentBrowser}
}

// Start starts the browser if it is not running yet. Every other method calls
// it; call it first to pay the start-up cost (about a second) up front. ctx
// bounds the start only: the browser lives until Close.
func (b *Browser) Start(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err := b.session(ctx)
	return err
}

// session returns the running session, starting it when needed. b.mu is held.
func (b *Browser) session(ctx context.Context) (*session, error) {
	if b.closed {
		return nil, ErrClosed
	}
	if b.s != nil {
		if !b.s.lost() {
			return b.s, nil
		}
		// The browser died (crash, OOM kill): start a new one.
		_ = b.s.close() // the dead browser's profile: nothing to tell the caller
		b.s = nil
	}
	s, err := startSession(ctx, &b.opts, b.policy)
	if err != nil {
		return nil, err
	}
	b.s = s
	return s, nil
}

// Close stops the browser, kills every process it started and removes its
// profile directory. It is safe to call more than once.
func (b *Browser) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if b.s == nil {
		return nil
	}
	err := b.s.close()
	b.s = nil
	return err
}

// Do runs one action on the current tab. See [computer.Computer].
func (b *Browser) Do(ctx context.Context, a responses.ComputerAction) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.session(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.ActionTimeout)
	defer cancel()
	return s.do(ctx, a)
}

// Screenshot captures the viewport of the current tab.
func (b *Browser) Screenshot(ctx context.Context) (computer.Screenshot, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.session(ctx)
	if err != nil {
		return computer.Screenshot{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.ActionTimeout)
	defer cancel()
	return s.screenshot(ctx)
}

// CurrentURL returns the URL of the current tab.
func (b *Browser) CurrentURL(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.session(ctx)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.ActionTimeout)
	defer cancel()
	return s.currentURL(ctx)
}

// Navigate opens url in the current tab and waits for it to load (up to
// Options.NavigationTimeout). A URL the domain policy refuses returns an
// error wrapping [ErrBlocked] and loads nothing.
func (b *Browser) Navigate(ctx context.Context, url string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.session(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.NavigationTimeout+b.opts.ActionTimeout)
	defer cancel()
	return s.navigate(ctx, url)
}

// FindChromium returns the Chromium binary New would use when
// Options.ExecPath is empty, or an error wrapping [ErrNoChromium]. A
// distribution's launcher script (Debian's /usr/bin/chromium) is resolved to
// the binary it runs, when that binary is where the distribution puts it.
func FindChromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell", "headless-shell"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		return resolveLauncher(p), nil
	}
	return "", ErrNoChromium
}

// resolveLauncher returns the binary a launcher shell script runs, when it is
// in a well-known place; otherwise p itself.
func resolveLauncher(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return p
	}
	head := make([]byte, 2)
	n, _ := f.Read(head)
	_ = f.Close()
	if n < 2 || string(head) != "#!" {
		return p
	}
	for _, real := range []string{"/usr/lib/chromium/chromium", "/usr/lib/chromium-browser/chromium-browser",
		"/usr/lib64/chromium-browser/chromium-browser", "/usr/lib64/chromium/chromium", "/opt/google/chrome/chrome"} {
		if st, err := os.Stat(real); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return real
		}
	}
	return p
}

// allocatorOptions returns the flags of a closed-network headless browser.
func allocatorOptions(o *Options, execPath, dataDir string, modify func(*exec.Cmd)) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(dataDir),
		chromedp.ModifyCmdFunc(modify),
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-crash-reporter", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,InterestFeedContentSuggestions,AutofillServerCommunication"),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-hang-monitor", true),
		chromedp.Flag("disable-popup-blocking", true),
		chromedp.Flag("disable-prompt-on-repost", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("disable-smooth-scrolling", true), // a wheel scrolls at once
		chromedp.Flag("window-size", fmt.Sprintf("%d,%d", o.Width, o.Height)),
	}
	if o.NoSandbox || os.Geteuid() == 0 {
		opts = append(opts, chromedp.Flag("no-sandbox", true))
	}
	for _, f := range o.Flags {
		name, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if hasValue {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	return opts
}
