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
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
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

	// StartURL is opened when the browser starts, and where a page that
	// crashed is opened again when no page was seen working before. Empty
	// means about:blank. It must be an http or https URL (or of a scheme
	// AllowSchemes names) that the domain policy allows: otherwise the
	// browser does not start. A start URL that fails to load (a server
	// that is down) is no failure: the browser shows Chromium's error page,
	// and the model is told.
	StartURL string

	// AllowDomains, when not empty, lists the only hosts the browser may
	// connect to (a host matches itself and its subdomains; an entry may
	// carry a port, "127.0.0.1:8080", and then matches that port only).
	// BlockDomains lists hosts it may never connect to, checked first. Both
	// are checked on every connection of every tab, frame and worker:
	// documents, subresources, fetches, WebSockets. A blocked page fails to
	// load (Chromium shows its "blocked" error page) and the action returns
	// an error wrapping [ErrBlocked] that names the URL and the rule; a new
	// tab whose page is blocked is closed. Other refused requests fail in
	// the page, and the model is told (see [Browser.Notices]).
	AllowDomains, BlockDomains []string

	// AllowSchemes lists URL schemes, besides http and https, that pages
	// may be opened at ("file", "data"). Without it, opening a file:,
	// chrome:, data: or other URL is refused (about:blank excepted).
	AllowSchemes []string

	// Dialogs is how confirm() and prompt() are answered: DialogDismiss
	// (the default: Cancel), DialogAccept (OK, with the proposed text for a
	// prompt), or DialogAsk (AskDialog decides). alert() is closed, and
	// leaving a page (beforeunload) is confirmed, either way. Every dialog
	// is told to the model with its answer (see [Browser.Notices]).
	Dialogs string

	// AskDialog answers dialogs under DialogAsk: a person, typically. The
	// page waits for the answer (a live dialog cannot wait for a paused
	// run), and the time it takes does not count against ActionTimeout or
	// HangTimeout. ctx is the context of the action that opened the dialog
	// (or of the browser, for a dialog opened between actions). An error
	// answers Cancel. Nil under DialogAsk answers Cancel.
	AskDialog func(ctx context.Context, d Dialog) (DialogAnswer, error)

	// Format is FormatPNG (the default, encoded for speed rather than
	// size) or FormatJPEG; Quality is the JPEG quality, zero meaning 80.
	Format  string
	Quality int

	// ActionTimeout bounds each action and each screenshot. Zero means 10 s.
	ActionTimeout time.Duration

	// HangTimeout is how long a page may take to answer (an input event, a
	// screenshot) before it is taken for stuck, closed, and opened again
	// (see the package documentation). Zero means 5 s.
	HangTimeout time.Duration

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

	// Logger receives debug records (dialogs, blocked requests, tabs) and
	// warnings (pages opened again after a crash). Nil means silent.
	Logger *slog.Logger
}

// ErrNoChromium is returned (wrapped) when no Chromium binary can be found.
var ErrNoChromium = errors.New("browser: no Chromium found (install chromium, or set Options.ExecPath)")

// ErrClosed is returned by a Browser used after Close.
var ErrClosed = errors.New("browser: closed")

// ErrBlocked is wrapped by the error of an action whose navigation the
// domain policy blocked, and of a URL the browser is asked to open that the
// policy refuses.
var ErrBlocked = errors.New("browser: blocked by the domain policy")

// ErrCrashed is wrapped by the error of an action that found the page
// crashed (its renderer ran out of memory, or failed): the page was closed
// and a new one opened, which the error names.
var ErrCrashed = errors.New("browser: the page crashed")

// ErrUnresponsive is wrapped by the error of an action that found the page
// stuck (it did not answer within Options.HangTimeout, a script that never
// ends): the page was closed and a new one opened, which the error names.
var ErrUnresponsive = errors.New("browser: the page stopped responding")

// ErrRestarted is wrapped by the error of an action that found Chromium
// dead (a crash, a kill): a new browser was started, without the old one's
// cookies, logins and tabs, and the action was not run.
var ErrRestarted = errors.New("browser: Chromium exited and was started again")

// maxRestarts is how many times a browser that died is started again.
const maxRestarts = 3

// Browser is a headless Chromium that implements [computer.Computer],
// [computer.URLReporter], [computer.Navigator], [computer.Notifier] and
// io.Closer. It is safe for concurrent use; calls run one at a time.
type Browser struct {
	opts   Options
	policy policy
	board  board

	mu       sync.Mutex
	closed   bool
	s        *session // nil until started
	startErr error    // a failed start: every later call returns it
	restarts int
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
	if o.HangTimeout <= 0 {
		o.HangTimeout = 5 * time.Second
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
	b.policy = newPolicy(o.AllowDomains, o.BlockDomains, o.AllowSchemes)
	return b
}

// Display returns the viewport size and the "browser" environment.
func (b *Browser) Display() computer.Display {
	return computer.Display{Width: b.opts.Width, Height: b.opts.Height, Environment: computer.EnvironmentBrowser}
}

// Start starts the browser if it is not running yet, and opens the start
// URL. Every other method calls it; call it first to pay the start-up cost
// (about a second) up front. ctx bounds the start only: the browser lives
// until Close. A start that fails (no Chromium, a start URL the policy
// refuses, Chromium exiting at once) is returned by this and every later
// call, without starting Chromium again; a start cut short by ctx is not.
func (b *Browser) Start(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, restarted, err := b.session(ctx)
	if restarted != "" {
		b.board.notice(restarted)
	}
	return err
}

// session returns the running session, starting it when needed; when the
// browser died, it starts a new one and says so in restarted. b.mu is held.
func (b *Browser) session(ctx context.Context) (_ *session, restarted string, _ error) {
	if b.closed {
		return nil, "", ErrClosed
	}
	if b.startErr != nil {
		return nil, "", b.startErr
	}
	where := b.opts.StartURL
	if b.s != nil {
		if !b.s.lost() {
			return b.s, "", nil
		}
		// The browser died (a crash, the OOM killer, a kill): start a new
		// one where the model was.
		if u := b.s.reopenURL(); u != "" {
			where = u
		}
		_ = b.s.close() // the dead browser's profile: nothing to tell the caller
		b.s = nil
		b.restarts++
		if b.restarts > maxRestarts {
			b.startErr = fmt.Errorf("%w %d times, and is not started again", ErrRestarted, maxRestarts)
			return nil, "", b.startErr
		}
		restarted = fmt.Sprintf("Chromium exited (it crashed or was killed), so a new browser was started at %s: the cookies, logins, tabs and page state of the old one are gone.", orBlank(where))
		b.logWarn("browser died and was started again", "at", where)
		attrs := []attribute.KeyValue{genai.KeyBrowserRecoveryReason.String("browser_exited")}
		if h := hostname(where); h != "" {
			attrs = append(attrs, genai.KeyBrowserRecoveredDomain.String(h))
		}
		trace.SpanFromContext(ctx).AddEvent(genai.EventBrowserRecovered, trace.WithAttributes(attrs...))
	}
	if err := b.policy.page(b.opts.StartURL); b.opts.StartURL != "" && err != nil {
		b.startErr = fmt.Errorf("browser: start URL: %w", err)
		return nil, "", b.startErr
	}
	s, err := startSession(ctx, &b.opts, b.policy, &b.board)
	if err != nil {
		if ctx.Err() == nil {
			b.startErr = err
		}
		return nil, "", err
	}
	b.s = s
	if where != "" {
		nctx, cancel := context.WithTimeout(ctx, b.opts.NavigationTimeout+b.opts.ActionTimeout)
		err := s.navigate(nctx, where)
		cancel()
		if err != nil {
			s.logf("browser could not load the start page", "url", where, "error", err)
			b.board.notice(fmt.Sprintf("The start page %s did not load (%v).", where, err))
		} else {
			s.seen = append(s.seen, where)
		}
	}
	return s, restarted, nil
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

// opKind says what an operation does when the page it finds is broken.
type opKind int

const (
	opAction   opKind = iota // an action: not run on a page that was replaced
	opLook                   // a screenshot or the URL: look at the new page
	opNavigate               // a navigation: go on in the new page
)

// op runs f on the running browser (starting it when needed) within limit,
// and sees to a page that crashed or stopped responding, before or during
// f, and to a browser that died.
func (b *Browser) op(ctx context.Context, limit time.Duration, kind opKind, f func(ctx context.Context, s *session) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, restarted, err := b.session(ctx)
	if err != nil {
		return err
	}
	octx, end := s.begin(ctx, limit)
	defer end()
	if restarted != "" {
		if kind == opAction {
			return fmt.Errorf("%w: %s The action was not run", ErrRestarted, restarted)
		}
		b.board.notice(restarted)
	}
	if tb := s.tabs[len(s.tabs)-1]; tb.crashed() {
		// It crashed since the last call.
		msg, err := s.recoverPage(octx, tb, ErrCrashed, false)
		if err != nil {
			return opErr(octx, err)
		}
		if kind == opAction {
			return fmt.Errorf("%w: %s The action was not run", ErrCrashed, msg)
		}
		b.board.notice(msg)
	}
	fctx := octx
	for looks := 1; ; looks++ {
		err = f(fctx, s)
		if err == nil || ctx.Err() != nil {
			return opErr(fctx, err)
		}
		tb := s.tabs[len(s.tabs)-1]
		var why error
		switch {
		case errors.Is(err, ErrUnresponsive):
			why = ErrUnresponsive
		case errors.Is(err, errCrashed) || tb.crashed():
			why = ErrCrashed
		default:
			if s.lost() {
				return fmt.Errorf("%w (Chromium exited: the next call starts a new one)", err)
			}
			return opErr(fctx, err)
		}
		// The recovery has time of its own.
		rctx, rend := s.begin(context.WithoutCancel(ctx), b.opts.ActionTimeout+b.opts.NavigationTimeout)
		defer rend()
		msg, rerr := s.recoverPage(rctx, tb, why, kind == opAction)
		if rerr != nil {
			return errors.Join(err, rerr)
		}
		switch {
		case kind == opAction:
			return fmt.Errorf("%w: %s The action may not have been completed", why, msg)
		case kind == opNavigate || looks == maxLooks:
			return fmt.Errorf("%w: %s", why, msg)
		}
		// Look at the new page; if it fails in turn, it is replaced again
		// (a page that keeps failing is given up for about:blank).
		b.board.notice(msg)
		fctx = rctx
	}
}

// maxLooks is how many pages a screenshot tries, each replacing the last
// one that failed, before it gives up.
const maxLooks = 4

// Do runs one action on the current tab. See [computer.Computer].
func (b *Browser) Do(ctx context.Context, a responses.ComputerAction) error {
	return b.op(ctx, b.opts.ActionTimeout, opAction, func(ctx context.Context, s *session) error {
		return s.do(ctx, a)
	})
}

// Screenshot captures the viewport of the current tab.
func (b *Browser) Screenshot(ctx context.Context) (computer.Screenshot, error) {
	var shot computer.Screenshot
	err := b.op(ctx, b.opts.ActionTimeout, opLook, func(ctx context.Context, s *session) error {
		var err error
		shot, err = s.screenshot(ctx)
		return err
	})
	return shot, err
}

// CurrentURL returns the URL of the current tab. The page it returns is the
// one the model sees, and becomes the one a page that crashes later is
// opened again at.
func (b *Browser) CurrentURL(ctx context.Context) (string, error) {
	var u string
	err := b.op(ctx, b.opts.ActionTimeout, opLook, func(ctx context.Context, s *session) error {
		var err error
		if u, err = s.currentURL(ctx); err == nil {
			s.sawWorking(u)
		}
		return err
	})
	return u, err
}

// Navigate opens url in the current tab and waits for it to load (up to
// Options.NavigationTimeout). A URL the domain policy refuses (or of a
// scheme other than http and https, see Options.AllowSchemes) returns an
// error wrapping [ErrBlocked] and loads nothing.
func (b *Browser) Navigate(ctx context.Context, url string) error {
	if err := b.policy.page(url); err != nil {
		return err
	}
	return b.op(ctx, b.opts.NavigationTimeout+b.opts.ActionTimeout, opNavigate, func(ctx context.Context, s *session) error {
		return s.navigate(ctx, url)
	})
}

// Back goes one page back in the current tab's history, and waits for it to
// load; it returns an error when there is no page to go back to.
func (b *Browser) Back(ctx context.Context) error {
	return b.op(ctx, b.opts.NavigationTimeout+b.opts.ActionTimeout, opNavigate, func(ctx context.Context, s *session) error {
		return s.history(ctx, -1)
	})
}

// Forward goes one page forward in the current tab's history, and waits for
// it to load; it returns an error when there is no page to go forward to.
func (b *Browser) Forward(ctx context.Context) error {
	return b.op(ctx, b.opts.NavigationTimeout+b.opts.ActionTimeout, opNavigate, func(ctx context.Context, s *session) error {
		return s.history(ctx, 1)
	})
}

// Notices returns what happened since the last call that the model should
// know and a screenshot cannot show, one sentence each, and forgets it
// (it implements [computer.Notifier]): dialogs and their answers, requests
// the domain policy refused, pages opened again after a crash, a browser
// started again, a tab the page closed.
func (b *Browser) Notices() []string {
	return b.board.take()
}

func (b *Browser) logWarn(msg string, args ...any) {
	if b.opts.Logger != nil {
		b.opts.Logger.Warn(msg, args...)
	}
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

// allocatorOptions returns the flags of a closed-network headless browser
// whose profile and crash reports go to dataDir, its temporary files to
// tmpDir, and whose connections go through the SOCKS proxy at proxyAddr,
// when set.
func allocatorOptions(o *Options, execPath, dataDir, tmpDir, proxyAddr string, modify func(*exec.Cmd)) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(dataDir),
		chromedp.ModifyCmdFunc(modify),
		// Chromium's temporary files (its singleton socket folder,
		// org.chromium.Chromium.*) and crash reports (Crashpad writes them
		// under $XDG_CONFIG_HOME/chromium, whatever --user-data-dir says)
		// go to folders close removes.
		chromedp.Env("TMPDIR="+tmpDir, "XDG_CONFIG_HOME="+dataDir),
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
	if proxyAddr != "" {
		opts = append(opts,
			chromedp.ProxyServer("socks5://"+proxyAddr),
			// Without it, loopback addresses bypass the proxy.
			chromedp.Flag("proxy-bypass-list", "<-loopback>"),
			// WebRTC may not reach hosts around the proxy.
			chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"))
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
