// Package browser is a [computer.Computer] backed by a headless Chromium it
// starts and owns, driven over the Chrome DevTools Protocol with chromedp.
//
//	b := browser.New(&browser.Options{
//		StartURL:     "https://example.com",
//		AllowDomains: []string{"example.com"},
//	})
//	defer b.Close()
//	ts := append([]tools.Tool{computer.NewTool(b, nil)}, browser.NavigationTools(b)...)
//
// The browser starts on first use and lives until [Browser.Close], which
// leaves nothing behind: no Chromium process (on Linux also when the Go
// process is killed: the browser gets SIGKILL when its parent dies), no
// profile, temporary file or crash report (they all live in temporary
// directories that Close removes). A browser that fails to start is
// reported once, and not started again.
//
// # Actions
//
// Each model action maps onto raw CDP input events at CSS-pixel
// coordinates; the viewport is forced on every tab at a device pixel ratio
// of 1, so screenshot pixels are the model's coordinates. An action waits
// for what it started and nothing else: the document a click loads (until
// it is parsed, then briefly for its images), a new tab (which becomes the
// current one); a page still loading a resource that never arrives costs
// nothing. Downloads are refused: nothing the model clicks writes files. The options of a native <select> are shown in the page, so a
// click on one chooses it. Typing inserts text; Options.TypeKeys sends a
// key event per character instead, for widgets that listen to keys.
//
// # What the model is told
//
// [Browser.Notices] (a [computer.Notifier]) returns what the screenshot
// cannot show, and the computer tool passes it to the model beside the
// call's output: a JavaScript dialog and how it was answered (by
// Options.Dialogs, or by a person through Options.AskDialog), requests the
// domain policy refused, a page that crashed or stopped responding and was
// opened again, a browser that died and was started again, a tab the page
// closed.
//
// # Failures survived
//
// A page whose renderer crashed (out of memory) or stopped answering (a
// script that never ends; Options.HangTimeout) is closed and a new page is
// opened at the last other page seen working, else the start URL, else
// about:blank (a page that fails again by itself each time it is opened
// again is given up after twice); the action that found it fails with an
// error wrapping
// [ErrCrashed] or [ErrUnresponsive] that says so, and the span in its
// context gets a "browser.recovered" event. A browser that died is started
// again at the last page seen working ([ErrRestarted]), up to three times.
// The browser never stays without a page: a last tab that closes is opened
// again where the model was.
//
// # Domain policy
//
// Pages open only at http and https URLs (and about:blank), unless
// Options.AllowSchemes names another scheme: the start URL, [Browser.Navigate]
// and the navigation tools are refused file:, chrome: and the like. With
// Options.AllowDomains or Options.BlockDomains, every connection of the
// browser is checked by host and port (documents, subresources, fetches,
// workers, WebSockets): the requests of pages and workers by request
// interception, every connection again by a SOCKS proxy of its own on the
// loopback interface (which also keeps Chromium's own update and sign-in
// connections in). A blocked page fails its action with an error wrapping
// [ErrBlocked] that names the URL and the rule; the page's other refused
// requests are told as a notice.
//
// [NavigationTools] are function tools beside the computer tool (go to a
// URL, back, forward), checked against the same policy, so that a model on
// a blank or dead-end page is never stranded.
package browser
