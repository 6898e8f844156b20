package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/agentloop/agentloop/tools/computer/browser"
)

// browserConfig is what the browser tools are built from.
type browserConfig struct {
	startURL string
	allow    []string
	approve  bool // approve pending safety checks in code
	dialogs  string
	ask      func(context.Context, browser.Dialog) (browser.DialogAnswer, error)
	typeKeys bool
}

// newBrowserTools returns the computer tool over a headless Chromium and
// the navigation tools beside it, and the function that closes the browser.
// Pending safety checks need approval unless c.approve is set.
func newBrowserTools(c browserConfig) ([]tools.Tool, func(), error) {
	if _, err := browser.FindChromium(); err != nil {
		return nil, nil, fmt.Errorf("the browser tool needs Chromium: install it (apt-get install -y chromium) or put it on PATH: %w", err)
	}
	b := browser.New(&browser.Options{StartURL: c.startURL, AllowDomains: c.allow, Dialogs: c.dialogs, AskDialog: c.ask, TypeKeys: c.typeKeys})
	opts := &computer.Options{NeedsApproval: outside(c.allow)}
	if c.approve {
		opts.ApproveSafetyCheck = func(context.Context, *responses.Item, responses.SafetyCheck) (bool, error) { return true, nil }
	}
	ts := append([]tools.Tool{computer.NewTool(b, opts)}, browser.NavigationTools(b)...)
	return ts, func() { _ = b.Close() }, nil
}

// outside returns the approval policy of the CLI's browser: an action on a
// page whose host is not in allow needs approval (with no allow list, the
// browser may go anywhere, and nothing does). Blank pages need none.
func outside(allow []string) func(context.Context, computer.ActionInfo) (bool, error) {
	if len(allow) == 0 {
		return nil
	}
	return func(_ context.Context, a computer.ActionInfo) (bool, error) {
		if a.Domain == "" {
			return false, nil
		}
		for _, h := range allow {
			if strings.EqualFold(h, a.Domain) || strings.EqualFold(h, hostPort(a.URL)) {
				return false, nil
			}
		}
		return true, nil
	}
}

// hostPort returns the host[:port] of a URL.
func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// browserFlags are the flags of `run --tools browser`.
type browserFlags struct {
	startURL string
	allow    string
	approve  bool
	dialogs  string
	typeKeys bool

	// Set by the run before the tools are built: --approve, decided, and
	// the terminal's answers.
	approveMode string
	ask         func(context.Context, browser.Dialog) (browser.DialogAnswer, error)
}

func addBrowserFlags(fs *flag.FlagSet) *browserFlags {
	bf := &browserFlags{}
	fs.StringVar(&bf.startURL, "start-url", "", "with --tools browser: the page the browser opens (default: the first host of --allow-domains; one of the two is needed)")
	fs.StringVar(&bf.allow, "allow-domains", "", "with --tools browser: comma-separated hosts (host or host:port) the browser may connect to (default: any)")
	fs.BoolVar(&bf.approve, "approve-safety-checks", false, "with --tools browser: approve the model's pending safety checks instead of asking")
	fs.StringVar(&bf.dialogs, "dialogs", "", "with --tools browser: how the pages' confirm and prompt dialogs are answered: accept, dismiss, or ask (on the terminal) (default: ask under --approve ask, accept under --approve always, dismiss otherwise)")
	fs.BoolVar(&bf.typeKeys, "type-keys", false, "with --tools browser: type with a key event per character (slower), for pages whose widgets listen to keys")
	return bf
}

// config checks the flags and returns the browser's configuration.
func (bf *browserFlags) config() (browserConfig, error) {
	c := browserConfig{startURL: strings.TrimSpace(bf.startURL), approve: bf.approve, typeKeys: bf.typeKeys}
	for _, h := range strings.Split(bf.allow, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.allow = append(c.allow, h)
		}
	}
	if c.startURL == "" {
		if len(c.allow) == 0 {
			return c, fmt.Errorf("%w: --tools browser needs a page to start on: --start-url URL, or --allow-domains HOSTS (the first host is opened)", errUsage)
		}
		c.startURL = startURLOf(c.allow[0])
	}
	if u, err := url.Parse(c.startURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("%w: --start-url %q is not an http(s) URL such as https://example.com/", errUsage, c.startURL)
	}
	switch bf.dialogs {
	case "":
		switch bf.approveMode {
		case approveAsk:
			c.dialogs = browser.DialogAsk
		case approveAlways:
			c.dialogs = browser.DialogAccept
		default:
			c.dialogs = browser.DialogDismiss
		}
	case browser.DialogAccept, browser.DialogDismiss:
		c.dialogs = bf.dialogs
	case browser.DialogAsk:
		if bf.approveMode != approveAsk {
			return c, fmt.Errorf("%w: --dialogs ask asks on the terminal: it needs --approve ask (a terminal); use accept or dismiss", errUsage)
		}
		c.dialogs = browser.DialogAsk
	default:
		return c, fmt.Errorf("%w: --dialogs %q: want accept, dismiss or ask", errUsage, bf.dialogs)
	}
	if c.dialogs == browser.DialogAsk {
		c.ask = bf.ask
	}
	return c, nil
}

// startURLOf returns the page to open for an --allow-domains entry: http
// for a loopback host, https for the others.
func startURLOf(host string) string {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if ip := net.ParseIP(h); h == "localhost" || ip != nil && ip.IsLoopback() {
		return "http://" + host + "/"
	}
	return "https://" + host + "/"
}

func (bf *browserFlags) tools() ([]tools.Tool, func(), error) {
	c, err := bf.config()
	if err != nil {
		return nil, nil, err
	}
	return newBrowserTools(c)
}

// askDialog returns the function that asks about a page's dialog on the
// terminal: w shows the question, in reads the answer (the reader the
// approvals are read from).
func askDialog(w io.Writer, in *bufio.Reader) func(context.Context, browser.Dialog) (browser.DialogAnswer, error) {
	var mu sync.Mutex
	return func(_ context.Context, d browser.Dialog) (browser.DialogAnswer, error) {
		mu.Lock()
		defer mu.Unlock()
		where := hostPort(d.URL)
		if where == "" {
			where = d.URL
		}
		q := fmt.Sprintf("? the page at %s asks to confirm: %q\n  answer: [y]es (OK), [n]o (Cancel): ", where, clip(d.Message, 300))
		if d.Type == browser.DialogPrompt {
			q = fmt.Sprintf("? the page at %s asks for text: %q (proposing %q)\n  answer: the text for OK (Enter alone: the proposed text), or n for Cancel: ", where, clip(d.Message, 300), d.DefaultPrompt)
		}
		for {
			fmt.Fprint(w, q)
			line, err := in.ReadString('\n')
			if err != nil && line == "" {
				fmt.Fprintln(w)
				return browser.DialogAnswer{}, errors.New("no answer on the terminal")
			}
			line = strings.TrimRight(line, "\r\n")
			if d.Type == browser.DialogPrompt {
				switch {
				case strings.EqualFold(strings.TrimSpace(line), "n"):
					return browser.DialogAnswer{}, nil
				case line == "":
					return browser.DialogAnswer{Accept: true, Text: d.DefaultPrompt}, nil
				}
				return browser.DialogAnswer{Accept: true, Text: line}, nil
			}
			switch strings.ToLower(strings.TrimSpace(line)) {
			case "y", "yes":
				return browser.DialogAnswer{Accept: true}, nil
			case "n", "no":
				return browser.DialogAnswer{}, nil
			}
		}
	}
}

// demoPage is the page the browser demo fills in.
const demoPage = `<!doctype html>
<html><head><title>agentloop demo</title>
<style>body{margin:0;font:18px sans-serif} #name{position:absolute;left:40px;top:40px;width:300px;height:40px;font-size:18px}
#go{position:absolute;left:40px;top:100px;width:120px;height:40px}</style></head>
<body><form action="/hello"><input id="name" name="name" placeholder="Your name"><button id="go">Greet</button></form></body></html>`

func browserDemoCase() demoCase {
	return demoCase{
		name:   "browser",
		blurb:  "computer use: the model clicks, types and presses Enter in a real headless Chromium",
		prompt: "Greet me on the demo page: my name is agentloop.",
		agent: func() (*agent.Agent, func(), error) {
			if _, err := browser.FindChromium(); err != nil {
				return nil, nil, errSkip{"Chromium is not installed; `apt-get install -y chromium` adds this step"}
			}
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, demoPage)
			})
			mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, "<!doctype html><h1>Hello, %s!</h1>", htmlEscape(r.URL.Query().Get("name")))
			})
			page := httptest.NewServer(mux)
			u, _ := url.Parse(page.URL)
			ts, closeBrowser, err := newBrowserTools(browserConfig{startURL: page.URL, allow: []string{u.Host}, dialogs: browser.DialogDismiss})
			if err != nil {
				page.Close()
				return nil, nil, err
			}
			a := &agent.Agent{Name: "browser", Instructions: "Use the computer to do what the user asks.",
				Model: "gpt-5.4", Tools: ts}
			return a, func() { closeBrowser(); page.Close() }, nil
		},
		model: browserModel,
	}
}

// browserModel clicks the name field, types, presses Enter, and reports
// the page it ends on, read from the current_url of the last screenshot.
func browserModel(r *responsestest.Received) responsestest.Step {
	var last *responses.Item
	for i := range r.Request.Input.Items {
		if it := &r.Request.Input.Items[i]; it.Type == responses.ItemComputerCallOutput {
			last = it
		}
	}
	if last == nil {
		return responsestest.Reply(responsestest.ComputerCall("call_browser",
			responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 190, Y: 60},
			responses.ComputerAction{Type: responses.ActionType, Text: "agentloop"},
			responses.ComputerAction{Type: responses.ActionKeypress, Keys: []string{"ENTER"}},
		))
	}
	where := "an unknown page"
	kib := 0
	if last.Screenshot != nil {
		where = last.Screenshot.CurrentURL
		kib = len(last.Screenshot.ImageURL) * 3 / 4 / 1024
	}
	if strings.Contains(where, "name=agentloop") {
		return responsestest.Reply(responsestest.Message(fmt.Sprintf("Done: the form was submitted and the browser is on %s (I got a %d KiB screenshot of it).", where, kib)))
	}
	return responsestest.Reply(responsestest.Message("The form did not submit; the browser is on " + where + "."))
}

// errSkip marks a demo that cannot run here; it is reported, not failed.
type errSkip struct{ why string }

func (e errSkip) Error() string { return e.why }

func isSkip(err error) (string, bool) {
	var s errSkip
	if errors.As(err, &s) {
		return s.why, true
	}
	return "", false
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
