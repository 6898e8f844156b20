package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/agentloop/agentloop/tools/computer/browser"
)

// newBrowserTool returns the computer tool over a headless Chromium, and the
// function that closes the browser. Pending safety checks are refused (the
// run stops and says which) unless approve is set.
func newBrowserTool(startURL string, allow []string, approve bool) (tools.Tool, func(), error) {
	if _, err := browser.FindChromium(); err != nil {
		return nil, nil, fmt.Errorf("the browser tool needs Chromium: install it (apt-get install -y chromium) or put it on PATH: %w", err)
	}
	b := browser.New(&browser.Options{StartURL: startURL, AllowDomains: allow})
	opts := &computer.Options{NeedsApproval: outside(allow)}
	if approve {
		opts.ApproveSafetyCheck = func(context.Context, *responses.Item, responses.SafetyCheck) (bool, error) { return true, nil }
	}
	return computer.NewTool(b, opts), func() { _ = b.Close() }, nil
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
}

func addBrowserFlags(fs *flag.FlagSet) *browserFlags {
	bf := &browserFlags{}
	fs.StringVar(&bf.startURL, "start-url", "about:blank", "with --tools browser: the page the browser opens")
	fs.StringVar(&bf.allow, "allow-domains", "", "with --tools browser: comma-separated hosts the browser may load pages from (default: any)")
	fs.BoolVar(&bf.approve, "approve-safety-checks", false, "with --tools browser: approve the model's pending safety checks instead of stopping")
	return bf
}

func (bf *browserFlags) tool() (tools.Tool, func(), error) {
	var allow []string
	for _, h := range strings.Split(bf.allow, ",") {
		if h = strings.TrimSpace(h); h != "" {
			allow = append(allow, h)
		}
	}
	return newBrowserTool(bf.startURL, allow, bf.approve)
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
			tool, closeBrowser, err := newBrowserTool(page.URL, []string{u.Host}, false)
			if err != nil {
				page.Close()
				return nil, nil, err
			}
			a := &agent.Agent{Name: "browser", Instructions: "Use the computer to do what the user asks.",
				Model: "gpt-5.4", Tools: []tools.Tool{tool}}
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
