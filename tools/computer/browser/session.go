package browser

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/agentloop/agentloop/tools/computer"
)

// session is one running Chromium: its process, its tabs and the state its
// event listeners keep.
type session struct {
	o      *Options
	policy policy

	cancelAll   context.CancelFunc // cancels everything below, killing the browser
	allocCancel context.CancelFunc
	root        context.Context // the chromedp context of the first tab
	rootCancel  context.CancelFunc
	browser     *chromedp.Browser
	proc        *exec.Cmd // the Chromium process, set when it starts
	dataDir     string
	wg          sync.WaitGroup // the dialog and request handlers

	tabs   []*tab // the current tab is the last
	mouseX float64
	mouseY float64

	// ev is written by the listeners, which run on chromedp's goroutines.
	ev struct {
		sync.Mutex
		changed    chan struct{} // closed and replaced on every change
		newTargets []target.ID   // page targets opened since the last look
		expectTab  time.Time     // when a navigation last asked for a new tab
		destroyed  map[target.ID]bool
		pages      map[target.ID]bool // every page target seen: their main frames share their IDs
		blocked    []string           // blocked main-frame documents since the last look
		lost       bool               // the browser connection is gone
	}
}

// tab is one page target.
type tab struct {
	id     target.ID
	ctx    context.Context
	cancel context.CancelFunc
	t      *chromedp.Target
	// Under session.ev: when the main frame last asked to navigate, and
	// whether it is loading a document.
	requested time.Time
	loading   bool

	detached <-chan struct{} // closed when the browser detached the tab
}

// isGone reports whether the tab closed. s.ev is held.
func (s *session) isGone(tb *tab) bool {
	if s.ev.destroyed[tb.id] {
		return true
	}
	select {
	case <-tb.detached:
		return true
	default:
		return false
	}
}

// waitGone waits up to d for tb to close and reports whether it did: a call
// on a tab that is closing fails before the browser reports the close.
func (s *session) waitGone(ctx context.Context, tb *tab, d time.Duration) bool {
	wait := time.NewTimer(d)
	defer wait.Stop()
	for {
		s.ev.Lock()
		gone, changed := s.isGone(tb), s.ev.changed
		s.ev.Unlock()
		if gone {
			return true
		}
		select {
		case <-changed:
		case <-tb.detached:
		case <-wait.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// onTab runs f on the current tab. When f fails because the tab is closing
// (a page that called window.close()), it waits for the close and runs f
// again on the tab that is current then.
func (s *session) onTab(ctx context.Context, f func(tb *tab) error) error {
	tb, err := s.current(ctx)
	if err != nil {
		return err
	}
	err = f(tb)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if !s.waitGone(ctx, tb, 500*time.Millisecond) {
		return err
	}
	if tb, err = s.current(ctx); err != nil {
		return err
	}
	return f(tb)
}

// profilePrefix names the temporary profile directories.
const profilePrefix = "agentloop-chromium-"

// requestGrace is how long a requested navigation or new tab may take to
// start: some never do (a same-document link, javascript: URLs, a
// cancelled navigation).
const requestGrace = time.Second

// startSession starts Chromium and prepares its first tab.
func startSession(ctx context.Context, o *Options, pol policy) (_ *session, err error) {
	execPath := o.ExecPath
	if execPath == "" {
		if execPath, err = FindChromium(); err != nil {
			return nil, err
		}
	} else if p, lerr := exec.LookPath(execPath); lerr == nil {
		execPath = p
	} else {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoChromium, execPath, lerr)
	}
	removeStaleProfiles(os.TempDir(), profilePrefix)
	dataDir, err := os.MkdirTemp("", profilePrefix)
	if err != nil {
		return nil, fmt.Errorf("browser: profile directory: %w", err)
	}
	s := &session{o: o, policy: pol, dataDir: dataDir}
	s.ev.changed = make(chan struct{})
	s.ev.destroyed = make(map[target.ID]bool)
	s.ev.pages = make(map[target.ID]bool)

	// The browser lives in a context of its own, with no deadline: a
	// deadline on the first run would kill it later. ctx and StartTimeout
	// bound the start only.
	bctx, cancelAll := context.WithCancel(context.Background())
	s.cancelAll = cancelAll
	allocCtx, allocCancel := chromedp.NewExecAllocator(bctx, allocatorOptions(o, execPath, dataDir, s.modifyCmd)...)
	s.allocCancel = allocCancel
	first := &tab{}
	s.root, s.rootCancel = chromedp.NewContext(allocCtx, chromedp.WithListener(s.tabListener(first)))

	sctx, scancel := context.WithTimeout(ctx, o.StartTimeout)
	defer scancel()
	stop := context.AfterFunc(sctx, cancelAll)
	defer func() {
		if !stop() && err == nil {
			err = sctx.Err()
		}
		if err != nil {
			_ = s.close() // the start error says more
		}
	}()

	if err := chromedp.Do(s.root); err != nil {
		if sctx.Err() != nil {
			err = sctx.Err()
		}
		return nil, fmt.Errorf("browser: starting %s: %w", execPath, err)
	}
	c := chromedp.FromContext(s.root)
	s.browser = c.Browser
	detached, err := chromedp.Detached(s.root)
	if err != nil {
		return nil, fmt.Errorf("browser: %w", err)
	}
	s.ev.Lock()
	first.id, first.ctx, first.cancel, first.t, first.detached = c.Target.TargetID, s.root, s.rootCancel, c.Target, detached
	s.ev.pages[first.id] = true
	s.ev.Unlock()
	if err := chromedp.ListenBrowser(s.root, s.browserListener); err != nil {
		return nil, fmt.Errorf("browser: %w", err)
	}
	// Nothing the model clicks writes files on this machine.
	if _, err := cdp.Call(sctx, s.browser, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorDeny}); err != nil {
		return nil, fmt.Errorf("browser: download behavior: %w", err)
	}
	if pol.active() {
		paused := chromedp.BrowserEvents(s.root, fetch.RequestPaused)
		s.wg.Go(func() { s.handleRequests(paused) })
		_, err := cdp.Call(sctx, s.browser, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: "*", ResourceType: network.ResourceTypeDocument}}})
		if err != nil {
			return nil, fmt.Errorf("browser: request interception: %w", err)
		}
	}
	if err := s.setupTab(sctx, first); err != nil {
		return nil, err
	}
	s.tabs = []*tab{first}
	if o.StartURL != "" {
		if err := s.navigate(sctx, o.StartURL); err != nil {
			return nil, fmt.Errorf("browser: start URL: %w", err)
		}
	}
	return s, nil
}

// modifyCmd prepares the Chromium process: its own process group, killed as
// a whole on close, and SIGKILL when the Go process dies (Linux).
func (s *session) modifyCmd(cmd *exec.Cmd) {
	setProcAttr(cmd)
	s.proc = cmd
}

// close kills the browser and everything it started, waits for the
// handlers, and removes the profile directory.
func (s *session) close() error {
	if s.proc != nil && s.proc.Process != nil {
		killGroup(s.proc.Process.Pid)
	}
	s.cancelAll()
	if s.rootCancel != nil {
		s.rootCancel()
	}
	if s.allocCancel != nil {
		s.allocCancel()
	}
	for _, tb := range s.tabs {
		if tb.ctx != s.root { // the root was cancelled above, and only once may be
			tb.cancel()
		}
	}
	s.wg.Wait()
	killLeftovers(s.dataDir)
	var err error
	for range 20 {
		if err = os.RemoveAll(s.dataDir); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("browser: removing the profile: %w", err)
	}
	return nil
}

func (s *session) lost() bool {
	s.ev.Lock()
	defer s.ev.Unlock()
	if s.ev.lost {
		return true
	}
	select {
	case <-s.browser.LostConnection:
		s.ev.lost = true
	case <-s.root.Done():
		s.ev.lost = true
	default:
	}
	return s.ev.lost
}

// notify wakes the waiters. s.ev is held.
func (s *session) notify() {
	close(s.ev.changed)
	s.ev.changed = make(chan struct{})
}

// tabListener follows the main frame's loading. It runs on the tab's event
// loop: it must not block or send commands.
func (s *session) tabListener(tb *tab) func(ev any) {
	return func(ev any) {
		var frame cdp.FrameID
		var update func()
		switch ev := ev.(type) {
		case *page.EventFrameRequestedNavigation:
			frame = ev.FrameID
			switch ev.Disposition {
			case page.ClientNavigationDispositionCurrentTab:
				update = func() { tb.requested = time.Now() }
			case page.ClientNavigationDispositionNewTab, page.ClientNavigationDispositionNewWindow:
				update = func() { s.ev.expectTab = time.Now() }
			default:
				return
			}
		case *page.EventFrameStartedLoading:
			frame = ev.FrameID
			update = func() { tb.loading, tb.requested = true, time.Time{} }
		case *page.EventFrameStoppedLoading:
			frame = ev.FrameID
			update = func() { tb.loading, tb.requested = false, time.Time{} }
		case *page.EventNavigatedWithinDocument:
			frame = ev.FrameID
			update = func() { tb.requested = time.Time{} }
		default:
			return
		}
		s.ev.Lock()
		defer s.ev.Unlock()
		if tb.id == "" || frame != cdp.FrameID(tb.id) {
			return // an iframe, or the tab is not attached yet
		}
		update()
		s.notify()
	}
}

// browserListener notes the tabs that open and close.
func (s *session) browserListener(ev any) {
	s.ev.Lock()
	defer s.ev.Unlock()
	switch ev := ev.(type) {
	case *target.EventTargetCreated:
		info := ev.TargetInfo
		if info.Type != "page" || info.Subtype != "" {
			return
		}
		s.ev.pages[info.TargetID] = true
		s.ev.newTargets = append(s.ev.newTargets, info.TargetID) // settle skips our own
	case *target.EventTargetDestroyed:
		s.ev.destroyed[ev.TargetID] = true
	case *target.EventTargetCrashed:
		s.ev.destroyed[ev.TargetID] = true
	default:
		return
	}
	s.notify()
}

// handleRequests answers the paused document requests by the domain
// policy, until the browser stops.
func (s *session) handleRequests(paused iter.Seq2[fetch.EventRequestPaused, error]) {
	for ev, err := range paused {
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(s.root, s.o.ActionTimeout)
		if perr := s.policy.check(ev.Request.URL); perr != nil {
			// A blocked page is the action's failure; a blocked iframe
			// (an ad, a widget) is only logged.
			s.ev.Lock()
			if s.ev.pages[target.ID(ev.FrameID)] {
				s.ev.blocked = append(s.ev.blocked, ev.Request.URL)
			}
			s.ev.Unlock()
			s.logf("browser blocked a document request", "url", ev.Request.URL, "frame", ev.FrameID, "reason", perr)
			_, _ = cdp.Call(ctx, s.browser, fetch.FailRequest, fetch.FailRequestParams{
				RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		} else {
			_, _ = cdp.Call(ctx, s.browser, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
		cancel()
	}
}

// setupTab forces the viewport, keeps the page focused, and answers its
// dialogs.
func (s *session) setupTab(ctx context.Context, tb *tab) error {
	dialogs := chromedp.Events(tb.ctx, page.JavascriptDialogOpening)
	s.wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			accept := s.o.Dialogs == DialogAccept || ev.Type == page.DialogTypeBeforeunload
			s.logf("browser answered a dialog", "type", ev.Type, "message", ev.Message, "accept", accept)
			hctx, cancel := context.WithTimeout(tb.ctx, s.o.ActionTimeout)
			_, _ = cdp.Call(hctx, tb.t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
			cancel()
		}
	})
	if _, err := cdp.Call(ctx, tb.t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(s.o.Width), Height: int64(s.o.Height), DeviceScaleFactor: 1}); err != nil {
		return fmt.Errorf("browser: viewport: %w", err)
	}
	if _, err := cdp.Call(ctx, tb.t, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		return fmt.Errorf("browser: focus emulation: %w", err)
	}
	return nil
}

// current returns the current tab, first dropping tabs that closed.
func (s *session) current(ctx context.Context) (*tab, error) {
	for {
		tb := s.tabs[len(s.tabs)-1]
		s.ev.Lock()
		gone := s.isGone(tb)
		s.ev.Unlock()
		if !gone {
			return tb, nil
		}
		s.logf("browser tab closed", "target", tb.id)
		if len(s.tabs) > 1 {
			tb.cancel()
			s.tabs = s.tabs[:len(s.tabs)-1]
			next := s.tabs[len(s.tabs)-1]
			_, _ = cdp.Call(ctx, next.t, page.BringToFront, cdp.Empty{})
			continue
		}
		// The last tab closed: open a blank one.
		if err := s.openTab(ctx, ""); err != nil {
			return nil, err
		}
		s.tabs = s.tabs[len(s.tabs)-1:]
	}
}

// openTab attaches to the page target id, or to a new blank tab when id is
// empty, and makes it the current tab.
func (s *session) openTab(ctx context.Context, id target.ID) error {
	tb := &tab{id: id}
	opts := []chromedp.ContextOption{chromedp.WithListener(s.tabListener(tb))}
	if id != "" {
		opts = append(opts, chromedp.WithTargetID(id))
	}
	tctx, tcancel := chromedp.NewContext(s.root, opts...)
	// The first run binds the tab's life to its context: run it on tctx and
	// let ctx cancel the attach only.
	stop := context.AfterFunc(ctx, tcancel)
	err := chromedp.Do(tctx)
	if !stop() {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		tcancel()
		return fmt.Errorf("browser: attaching a tab: %w", err)
	}
	c := chromedp.FromContext(tctx)
	detached, err := chromedp.Detached(tctx)
	if err != nil {
		tcancel()
		return fmt.Errorf("browser: attaching a tab: %w", err)
	}
	s.ev.Lock()
	tb.id, tb.ctx, tb.cancel, tb.t, tb.detached = c.Target.TargetID, tctx, tcancel, c.Target, detached
	s.ev.Unlock()
	if err := s.setupTab(ctx, tb); err != nil {
		tcancel()
		return err
	}
	_, _ = cdp.Call(ctx, tb.t, page.BringToFront, cdp.Empty{})
	s.tabs = append(s.tabs, tb)
	s.logf("browser switched tab", "target", tb.id)
	return nil
}

// settle waits for what the last action started: a navigation of the
// current tab (up to NavigationTimeout), or a new tab, which becomes the
// current one. It returns an error wrapping ErrBlocked when the domain
// policy blocked a document request meanwhile.
func (s *session) settle(ctx context.Context, flush bool) error {
	tb, err := s.current(ctx)
	if err != nil {
		return err
	}
	if flush {
		// A round trip to the renderer: the events it sent while handling
		// the action arrive before the reply.
		_, _ = cdp.Call(ctx, tb.t, runtime.Evaluate, runtime.EvaluateParams{Expression: "0"})
	}
	deadline := time.NewTimer(s.o.NavigationTimeout)
	defer deadline.Stop()
	for {
		s.ev.Lock()
		now := time.Now()
		newTargets := s.ev.newTargets
		// The next moment a pending request gives up, if any.
		var grace time.Duration
		for _, at := range []time.Time{s.ev.expectTab, tb.requested} {
			if left := requestGrace - now.Sub(at); !at.IsZero() && left > 0 && (grace == 0 || left < grace) {
				grace = left
			}
		}
		expect := !s.ev.expectTab.IsZero() && now.Sub(s.ev.expectTab) < requestGrace
		docLoading := tb.loading
		loading := docLoading || (!tb.requested.IsZero() && now.Sub(tb.requested) < requestGrace)
		changed := s.ev.changed
		gone := s.isGone(tb)
		if len(newTargets) > 0 {
			s.ev.newTargets, s.ev.expectTab = nil, time.Time{}
		}
		s.ev.Unlock()

		newTargets = slices.DeleteFunc(newTargets, func(id target.ID) bool {
			return slices.ContainsFunc(s.tabs, func(tb *tab) bool { return tb.id == id })
		})
		if len(newTargets) > 0 {
			for _, id := range newTargets {
				if err := s.openTab(ctx, id); err != nil {
					return err
				}
			}
			tb = s.tabs[len(s.tabs)-1]
			if err := s.waitLoaded(ctx, tb, deadline.C); err != nil {
				return err
			}
			break
		}
		if gone {
			if tb, err = s.current(ctx); err != nil {
				return err
			}
			continue
		}
		if !loading && !expect {
			break
		}
		var graceC <-chan time.Time
		if grace > 0 && !docLoading {
			gt := time.NewTimer(grace)
			defer gt.Stop() // a few per settle at most
			graceC = gt.C
		}
		select {
		case <-changed:
		case <-graceC:
		case <-deadline.C:
			s.logf("browser stopped waiting for a page", "target", tb.id)
			s.ev.Lock()
			s.ev.expectTab = time.Time{}
			s.ev.Unlock()
			return s.blockedErr()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.blockedErr()
}

// waitLoaded polls a freshly attached tab until its document has loaded.
func (s *session) waitLoaded(ctx context.Context, tb *tab, deadline <-chan time.Time) error {
	for {
		res, err := cdp.Call(ctx, tb.t, runtime.Evaluate, runtime.EvaluateParams{
			Expression: "document.readyState === 'complete' && location.href !== 'about:blank'", ReturnByValue: new(true)})
		if err == nil && res.Result != nil && string(res.Result.Value) == "true" {
			return nil
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// blockedErr reports and forgets the blocked requests.
func (s *session) blockedErr() error {
	s.ev.Lock()
	blocked := s.ev.blocked
	s.ev.blocked = nil
	s.ev.Unlock()
	if len(blocked) == 0 {
		return nil
	}
	var reasons []string
	for _, u := range blocked {
		reasons = append(reasons, s.policy.check(u).Error())
	}
	return fmt.Errorf("%w: the page tried to load %s (%s)", ErrBlocked, strings.Join(blocked, ", "),
		strings.Join(reasons, "; "))
}

// navigate loads url in the current tab.
func (s *session) navigate(ctx context.Context, url string) error {
	if err := s.policy.check(url); err != nil {
		return err
	}
	tb, err := s.current(ctx)
	if err != nil {
		return err
	}
	s.ev.Lock()
	tb.requested = time.Now()
	s.ev.Unlock()
	res, err := cdp.Call(ctx, tb.t, page.Navigate, page.NavigateParams{URL: url})
	if err != nil {
		return fmt.Errorf("browser: navigate: %w", err)
	}
	serr := s.settle(ctx, false)
	if res.ErrorText != "" {
		return errors.Join(fmt.Errorf("browser: navigate to %s: %s", url, res.ErrorText), serr)
	}
	return serr
}

func (s *session) currentURL(ctx context.Context) (string, error) {
	var u string
	err := s.onTab(ctx, func(tb *tab) error {
		res, err := cdp.Call(ctx, s.browser, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: tb.id})
		if err != nil {
			return fmt.Errorf("browser: current URL: %w", err)
		}
		u = res.TargetInfo.URL
		return nil
	})
	return u, err
}

func (s *session) screenshot(ctx context.Context) (computer.Screenshot, error) {
	var shot computer.Screenshot
	err := s.onTab(ctx, func(tb *tab) error {
		var err error
		shot, err = s.capture(ctx, tb)
		return err
	})
	return shot, err
}

func (s *session) capture(ctx context.Context, tb *tab) (computer.Screenshot, error) {
	p := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng}
	mime := "image/png"
	if s.o.Format == FormatJPEG {
		q := int64(s.o.Quality)
		p = page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatJpeg, Quality: &q}
		mime = "image/jpeg"
	}
	res, err := cdp.Call(ctx, tb.t, page.CaptureScreenshot, p)
	if err != nil {
		return computer.Screenshot{}, fmt.Errorf("browser: screenshot: %w", err)
	}
	return computer.Screenshot{Data: res.Data, MIME: mime}, nil
}

func (s *session) logf(msg string, args ...any) {
	if s.o.Logger != nil {
		s.o.Logger.Debug(msg, args...)
	}
}
