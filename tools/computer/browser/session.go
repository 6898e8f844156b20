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
	"github.com/chromedp/cdproto/inspector"
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
	board  *board // what the model is to be told

	cancelAll   context.CancelFunc // cancels everything below, killing the browser
	allocCancel context.CancelFunc
	root        context.Context // the chromedp context of the first tab
	rootCancel  context.CancelFunc
	browser     *chromedp.Browser
	proc        *exec.Cmd // the Chromium process, set when it starts
	dataDir     string
	tmpDir      string         // Chromium's TMPDIR when it is not dataDir (a long TMPDIR)
	proxy       *proxy         // the domain policy's SOCKS proxy, nil without a host policy
	wg          sync.WaitGroup // the dialog and request handlers

	// Touched by the operation running (Browser.mu is held) only.
	tabs     []*tab // the current tab is the last
	mouseX   float64
	mouseY   float64
	seen     []string       // the pages seen working, the last last: where a crashed page is opened again
	failures map[string]int // pages that crashed or stopped responding, by URL

	// ev is written by the listeners, which run on chromedp's goroutines.
	ev struct {
		sync.Mutex
		changed    chan struct{} // closed and replaced on every change
		newTargets []target.ID   // page targets opened since the last look
		expectTab  time.Time     // when a navigation last asked for a new tab
		destroyed  map[target.ID]bool
		pages      map[target.ID]bool // every page target seen: their main frames share their IDs
		blocked    []string           // blocked documents of page frames since the last look
		dialogs    int                // dialogs open and not answered yet
		op         *deadline          // the running operation's, if any
		lost       bool               // the browser connection is gone
	}
}

// tab is one page target.
type tab struct {
	id     target.ID
	ctx    context.Context
	cancel context.CancelFunc
	t      *chromedp.Target
	// alive ends, with errCrashed as its cause, when the page crashes.
	alive context.Context
	kill  context.CancelCauseFunc

	// Under session.ev: when the main frame last asked to navigate; whether
	// it is loading a document; how many documents it started loading, and
	// whether the last one got as far as DOMContentLoaded (or stopped).
	requested time.Time
	loading   bool
	gen       int
	dcl       bool
	dclAt     time.Time
	url       string // of the main frame's document: a crashed page's target reports about:blank

	reopened bool // opened in place of a page that failed

	detached <-chan struct{} // closed when the browser detached the tab
}

func newTab(id target.ID) *tab {
	tb := &tab{id: id, dcl: true}
	tb.alive, tb.kill = context.WithCancelCause(context.Background())
	return tb
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

// crashed reports whether the tab's page crashed.
func (tb *tab) crashed() bool { return tb.alive.Err() != nil }

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
	if err == nil || ctx.Err() != nil || tb.crashed() || errors.Is(err, ErrUnresponsive) {
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

// profilePrefix names the temporary profile directories, and tempPrefix
// Chromium's temporary directories when they cannot be in the profile (a
// long TMPDIR). Profiles left by killed programs are removed when a
// browser starts (their processes name them); those temporary directories
// are not (no process names them), but they are only left by a kill in
// that case.
const (
	profilePrefix = "agentloop-chromium-"
	tempPrefix    = "agentloop-chromium.tmp-"
)

// requestGrace is how long a requested navigation or new tab may take to
// start: some never do (a same-document link, javascript: URLs, a
// cancelled navigation).
const requestGrace = time.Second

// loadGrace is how long an action waits, once the document it loaded got
// to DOMContentLoaded, for the rest of the page (images, styles) to load.
// A page whose resources never finish costs an action this much at most.
const loadGrace = 500 * time.Millisecond

// startSession starts Chromium and prepares its first tab, on about:blank.
func startSession(ctx context.Context, o *Options, pol policy, bd *board) (_ *session, err error) {
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
	s := &session{o: o, policy: pol, board: bd, dataDir: dataDir, failures: map[string]int{}}
	tmpDir := dataDir
	if len(dataDir)+len(singletonSuffix) > maxSocketPath {
		// Chromium's singleton socket would not fit: its temporary files
		// go to a folder of their own, with a path short enough.
		if s.tmpDir, err = os.MkdirTemp(shortTemp, tempPrefix); err != nil {
			_ = os.RemoveAll(dataDir)
			return nil, fmt.Errorf("browser: temporary directory: %w", err)
		}
		tmpDir = s.tmpDir
	}
	s.ev.changed = make(chan struct{})
	s.ev.destroyed = make(map[target.ID]bool)
	s.ev.pages = make(map[target.ID]bool)
	s.cancelAll = func() {}

	var proxyAddr string
	if pol.hosts() {
		// The proxy refuses quietly: Chromium's own connections (its
		// component updater, sign-in) go through it too, and are no news
		// to the model; the page's refused requests are told by
		// handleRequests and the tabs' listeners, which know whose they are.
		refused := func(hostPort string, err error) {
			s.logf("browser proxy refused a connection", "to", hostPort, "reason", err)
		}
		if s.proxy, err = startProxy(pol, refused); err != nil {
			_ = s.removeDirs()
			return nil, err
		}
		proxyAddr = s.proxy.addr()
	}

	// The browser lives in a context of its own, with no deadline: a
	// deadline on the first run would kill it later. ctx and StartTimeout
	// bound the start only.
	bctx, cancelAll := context.WithCancel(context.Background())
	s.cancelAll = cancelAll
	allocCtx, allocCancel := chromedp.NewExecAllocator(bctx, allocatorOptions(o, execPath, dataDir, tmpDir, proxyAddr, s.modifyCmd)...)
	s.allocCancel = allocCancel
	first := newTab("")
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
	if pol.hosts() {
		// The requests of pages and their workers are checked here, where
		// their URL and frame are known: a blocked page fails its action,
		// other blocked requests are told. The proxy checks every
		// connection again, WebSockets included, which interception does
		// not see.
		paused := chromedp.BrowserEvents(s.root, fetch.RequestPaused)
		s.wg.Go(func() { s.handleRequests(paused) })
		_, err := cdp.Call(sctx, s.browser, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
		if err != nil {
			return nil, fmt.Errorf("browser: request interception: %w", err)
		}
	}
	if err := s.setupTab(sctx, first); err != nil {
		return nil, err
	}
	s.tabs = []*tab{first}
	return s, nil
}

// modifyCmd prepares the Chromium process: its own process group, killed as
// a whole on close, and SIGKILL when the Go process dies (Linux).
func (s *session) modifyCmd(cmd *exec.Cmd) {
	setProcAttr(cmd)
	s.proc = cmd
}

// close kills the browser and everything it started, waits for the
// handlers, and removes the profile directory (which also holds Chromium's
// temporary files and crash reports).
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
		tb.kill(errClosed)
	}
	s.wg.Wait()
	if s.proxy != nil {
		s.proxy.close()
	}
	killLeftovers(s.dataDir)
	return s.removeDirs()
}

// removeDirs removes the profile directory and Chromium's temporary one.
func (s *session) removeDirs() error {
	var err error
	for _, dir := range []string{s.dataDir, s.tmpDir} {
		if dir == "" {
			continue
		}
		for range 50 {
			if err = os.RemoveAll(dir); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("browser: removing the profile: %w", err)
		}
	}
	return nil
}

// Chromium's singleton socket is TMPDIR/org.chromium.Chromium.XXXXXX/
// SingletonSocket, and a Unix socket's path has at most 107 bytes: Chromium
// exits at once when it is longer. A TMPDIR too long for it is replaced by
// a folder in shortTemp.
const (
	singletonSuffix = "/org.chromium.Chromium.XXXXXX/SingletonSocket"
	maxSocketPath   = 107
	shortTemp       = "/tmp"
)

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

// tabListener follows the main frame's loading and the page's crash. It
// runs on the tab's event loop: it must not block or send commands.
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
			update = func() { tb.loading, tb.requested, tb.dcl = true, time.Time{}, false; tb.gen++ }
		case *page.EventFrameStoppedLoading:
			frame = ev.FrameID
			update = func() {
				if !tb.dcl {
					tb.dclAt = time.Now()
				}
				tb.loading, tb.requested, tb.dcl = false, time.Time{}, true
			}
		case *page.EventDomContentEventFired:
			frame = cdp.FrameID(tb.id) // the main frame's
			update = func() { tb.dcl, tb.dclAt = true, time.Now() }
		case *page.EventNavigatedWithinDocument:
			frame = ev.FrameID
			update = func() { tb.requested, tb.url = time.Time{}, ev.URL }
		case *page.EventFrameNavigated:
			if ev.Frame == nil || ev.Frame.ParentID != "" {
				return
			}
			frame = ev.Frame.ID
			update = func() { tb.url = ev.Frame.URL + ev.Frame.URLFragment }
		case *network.EventWebSocketCreated:
			// Interception does not see WebSockets; the proxy refuses
			// them, and here the model is told.
			if err := s.policy.request(ev.URL); err != nil {
				s.board.refused(hostOf(ev.URL), err)
			}
			return
		case *inspector.EventTargetCrashed:
			tb.kill(errCrashed)
			s.ev.Lock()
			s.notify()
			s.ev.Unlock()
			return
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
	default:
		return
	}
	s.notify()
}

// requestWorkers is how many paused requests are answered at once.
const requestWorkers = 4

// handleRequests answers the paused requests by the domain policy, until
// the browser stops.
func (s *session) handleRequests(paused iter.Seq2[fetch.EventRequestPaused, error]) {
	queue := make(chan fetch.EventRequestPaused)
	var wg sync.WaitGroup
	for range requestWorkers {
		wg.Go(func() {
			for ev := range queue {
				s.answerRequest(&ev)
			}
		})
	}
	for ev, err := range paused {
		if err != nil {
			break
		}
		queue <- ev
	}
	close(queue)
	wg.Wait()
}

// answerRequest lets a paused request go on, or fails it when the policy
// refuses it: a blocked page is its action's failure; a blocked iframe (an
// ad, a widget) or subresource is told.
func (s *session) answerRequest(ev *fetch.EventRequestPaused) {
	ctx, cancel := context.WithTimeout(s.root, s.o.ActionTimeout)
	defer cancel()
	check := s.policy.request
	if ev.ResourceType == network.ResourceTypeDocument {
		check = s.policy.page
	}
	perr := check(ev.Request.URL)
	if perr == nil {
		_, _ = cdp.Call(ctx, s.browser, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	s.ev.Lock()
	page := ev.ResourceType == network.ResourceTypeDocument && s.ev.pages[target.ID(ev.FrameID)]
	if page {
		s.ev.blocked = append(s.ev.blocked, ev.Request.URL)
	}
	s.ev.Unlock()
	if !page {
		s.board.refused(hostOf(ev.Request.URL), perr)
	}
	s.logf("browser blocked a request", "url", ev.Request.URL, "type", ev.ResourceType, "frame", ev.FrameID, "reason", perr)
	_, _ = cdp.Call(ctx, s.browser, fetch.FailRequest, fetch.FailRequestParams{
		RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
}

// setupTab forces the viewport, keeps the page focused, and answers its
// dialogs.
func (s *session) setupTab(ctx context.Context, tb *tab) error {
	dialogs := chromedp.Events(tb.ctx, page.JavascriptDialogOpening)
	s.wg.Go(func() { s.handleDialogs(tb, dialogs) })
	if _, err := cdp.Call(ctx, tb.t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(s.o.Width), Height: int64(s.o.Height), DeviceScaleFactor: 1}); err != nil {
		return fmt.Errorf("browser: viewport: %w", err)
	}
	if _, err := cdp.Call(ctx, tb.t, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		return fmt.Errorf("browser: focus emulation: %w", err)
	}
	return nil
}

// current returns the current tab, first dropping tabs that closed. When
// the last tab closed, a new one is opened where the model was (the last
// page seen working, else the start URL): the browser never stays without
// a page. A current tab whose page crashed is returned as it is; the caller
// recovers it.
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
		tb.kill(errClosed)
		if len(s.tabs) > 1 {
			tb.cancel()
			s.tabs = s.tabs[:len(s.tabs)-1]
			next := s.tabs[len(s.tabs)-1]
			_, _ = cdp.Call(ctx, next.t, page.BringToFront, cdp.Empty{})
			continue
		}
		// The last tab closed (a page's window.close(), Ctrl+W).
		if err := s.openTab(ctx, ""); err != nil {
			return nil, err
		}
		s.tabs = s.tabs[len(s.tabs)-1:]
		where := s.reopenURL()
		if where != "" {
			if err := s.navigate(ctx, where); err != nil {
				s.logf("browser could not reopen the page", "url", where, "error", err)
			}
		}
		s.board.notice(fmt.Sprintf("The last tab was closed, so a new one was opened at %s.", orBlank(where)))
	}
}

// reopenURL is where a new page opens in place of one that closed, or of a
// browser that died: the last page seen working, else the start URL, unless
// a page failed there twice already; "" for about:blank.
func (s *session) reopenURL() string {
	if c := s.reopenCandidates(""); len(c) > 0 {
		return c[0]
	}
	return ""
}

func orBlank(u string) string {
	if u == "" {
		return "about:blank (an empty page)"
	}
	return u
}

// openTab attaches to the page target id, or to a new blank tab when id is
// empty, and makes it the current tab.
func (s *session) openTab(ctx context.Context, id target.ID) error {
	tb := newTab(id)
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
	s.ev.pages[tb.id] = true
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

// mark is where the current tab's loading stood when an action began:
// settle waits only for documents started after it.
type mark struct {
	tb  *tab
	gen int
}

// mark returns the current tab's loading state.
func (s *session) mark(tb *tab) mark {
	s.ev.Lock()
	defer s.ev.Unlock()
	return mark{tb: tb, gen: tb.gen}
}

// settle waits for what the last action started, and for nothing else: a
// navigation of the current tab it requested (until the new document's
// DOMContentLoaded, up to NavigationTimeout, then up to loadGrace for the
// rest of the page), or a new tab, which becomes the current one. A page
// that was loading before the action (an image that never arrives) costs
// nothing. It returns an error wrapping ErrBlocked when the domain policy
// blocked a document of the current tab meanwhile.
func (s *session) settle(ctx context.Context, flush bool, m mark) error {
	tb, err := s.current(ctx)
	if err != nil {
		return err
	}
	if flush {
		// A round trip to the renderer: the events it sent while handling
		// the action arrive before the reply. It also shows the options of
		// a native <select> the action opened in the page (see picker.go).
		if err := s.flush(ctx, tb); err != nil {
			return err
		}
	}
	deadline := time.NewTimer(s.o.NavigationTimeout)
	defer deadline.Stop()
	probe := time.NewTicker(s.o.HangTimeout)
	defer probe.Stop()
	for {
		s.ev.Lock()
		now := time.Now()
		newTargets := s.ev.newTargets
		// The next moment something settle waits for is due, if any.
		var wake time.Duration
		due := func(left time.Duration) {
			if left > 0 && (wake == 0 || left < wake) {
				wake = left
			}
		}
		expect := !s.ev.expectTab.IsZero() && now.Sub(s.ev.expectTab) < requestGrace
		if expect {
			due(requestGrace - now.Sub(s.ev.expectTab))
		}
		requested := !tb.requested.IsZero() && now.Sub(tb.requested) < requestGrace
		if requested {
			due(requestGrace - now.Sub(tb.requested))
		}
		started := m.tb == tb && tb.gen > m.gen || m.tb != tb && tb.gen > 0
		docPending := started && !tb.dcl
		loadPending := started && tb.dcl && tb.loading && now.Sub(tb.dclAt) < loadGrace
		if loadPending {
			due(loadGrace - now.Sub(tb.dclAt))
		}
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
			prev := tb
			for _, id := range newTargets {
				if err := s.openTab(ctx, id); err != nil {
					return err
				}
			}
			tb = s.tabs[len(s.tabs)-1]
			if err := s.waitLoaded(ctx, tb, deadline.C); err != nil {
				return err
			}
			return s.newTabBlocked(ctx, prev, tb)
		}
		if gone {
			if tb, err = s.current(ctx); err != nil {
				return err
			}
			continue
		}
		if tb.crashed() {
			return errCrashed
		}
		if !docPending && !loadPending && !requested && !expect {
			break
		}
		var wakeC <-chan time.Time
		if wake > 0 && !docPending {
			wt := time.NewTimer(wake)
			defer wt.Stop() // a few per settle at most
			wakeC = wt.C
		}
		select {
		case <-changed:
		case <-wakeC:
		case <-tb.alive.Done():
		case <-probe.C:
			// A document that never gets to DOMContentLoaded may be
			// stuck in a script: does the page still answer?
			if docPending {
				if err := s.tabCall(ctx, tb, runtime.CommandEvaluate, runtime.EvaluateParams{Expression: "0"}, nil); err != nil {
					return err
				}
			}
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

// newTabBlocked closes a new tab whose page the domain policy blocked,
// going back to prev, and returns the blocked error; for any other new tab
// it returns nil.
func (s *session) newTabBlocked(ctx context.Context, prev, tb *tab) error {
	err := s.blockedErr()
	if err == nil || prev == tb || !slices.Contains(s.tabs, prev) {
		return err
	}
	if _, cerr := cdp.Call(ctx, s.browser, target.CloseTarget, target.CloseTargetParams{TargetID: tb.id}); cerr != nil {
		return err
	}
	s.waitGone(ctx, tb, time.Second)
	if _, cerr := s.current(ctx); cerr != nil {
		return errors.Join(err, cerr)
	}
	return fmt.Errorf("%w; the new tab it opened was closed, and the previous page is shown", err)
}

// waitLoaded polls a freshly attached tab until its document has been
// parsed (DOMContentLoaded), then gives the rest of the page up to
// loadGrace.
func (s *session) waitLoaded(ctx context.Context, tb *tab, deadline <-chan time.Time) error {
	var parsed time.Time
	for {
		var res runtime.EvaluateResult
		err := s.tabCall(ctx, tb, runtime.CommandEvaluate, runtime.EvaluateParams{
			Expression: "location.href === 'about:blank' ? 0 : document.readyState === 'complete' ? 2 : document.readyState === 'loading' ? 0 : 1", ReturnByValue: new(true)}, &res)
		if errors.Is(err, ErrUnresponsive) || errors.Is(err, errCrashed) {
			return err
		}
		if err == nil && res.Result != nil {
			switch string(res.Result.Value) {
			case "2":
				return nil
			case "1":
				if parsed.IsZero() {
					parsed = time.Now()
				}
				if time.Since(parsed) >= loadGrace {
					return nil
				}
			}
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

// blockedErr reports and forgets the blocked documents.
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
		reasons = append(reasons, strings.TrimPrefix(s.policy.page(u).Error(), ErrBlocked.Error()+": "))
	}
	return fmt.Errorf("%w: the page tried to load %s (%s)", ErrBlocked, strings.Join(blocked, ", "),
		strings.Join(reasons, "; "))
}

// navigate loads url in the current tab.
func (s *session) navigate(ctx context.Context, url string) error {
	if err := s.policy.page(url); err != nil {
		return err
	}
	tb, err := s.current(ctx)
	if err != nil {
		return err
	}
	// A page stuck in a script would hold a navigation to its own site
	// (same renderer) until the operation's end: find out first.
	if err := s.tabCall(ctx, tb, runtime.CommandEvaluate, runtime.EvaluateParams{Expression: "0"}, nil); errors.Is(err, ErrUnresponsive) || errors.Is(err, errCrashed) {
		return err
	}
	m := s.mark(tb)
	s.ev.Lock()
	tb.requested = time.Now()
	s.ev.Unlock()
	res, err := cdp.Call(ctx, tb.t, page.Navigate, page.NavigateParams{URL: url})
	if err != nil {
		return fmt.Errorf("browser: navigate: %w", err)
	}
	serr := s.settle(ctx, false, m)
	if res.ErrorText != "" && !errors.Is(serr, ErrBlocked) {
		return errors.Join(fmt.Errorf("browser: navigate to %s: %s", url, res.ErrorText), serr)
	}
	return serr
}

// history moves the current tab delta entries through its history, and
// returns an error when there is no such entry.
func (s *session) history(ctx context.Context, delta int64) error {
	tb, err := s.current(ctx)
	if err != nil {
		return err
	}
	h, err := cdp.Call(ctx, tb.t, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("browser: history: %w", err)
	}
	i := h.CurrentIndex + delta
	if i < 0 || i >= int64(len(h.Entries)) {
		if delta < 0 {
			return errors.New("browser: there is no page to go back to in this tab")
		}
		return errors.New("browser: there is no page to go forward to in this tab")
	}
	m := s.mark(tb)
	s.ev.Lock()
	tb.requested = time.Now()
	s.ev.Unlock()
	if _, err := cdp.Call(ctx, tb.t, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: h.Entries[i].ID}); err != nil {
		return fmt.Errorf("browser: history: %w", err)
	}
	return s.settle(ctx, false, m)
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
	// PNG encoded for speed: about a quarter faster, at twice the bytes
	// of a simple page and a fifth more of a busy one.
	p := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng, OptimizeForSpeed: new(true)}
	mime := "image/png"
	if s.o.Format == FormatJPEG {
		q := int64(s.o.Quality)
		p = page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatJpeg, Quality: &q}
		mime = "image/jpeg"
	}
	var res page.CaptureScreenshotResult
	if err := s.tabCall(ctx, tb, page.CommandCaptureScreenshot, p, &res); err != nil {
		return computer.Screenshot{}, fmt.Errorf("browser: screenshot: %w", err)
	}
	return computer.Screenshot{Data: res.Data, MIME: mime}, nil
}

func (s *session) logf(msg string, args ...any) {
	if s.o.Logger != nil {
		s.o.Logger.Debug(msg, args...)
	}
}
