package browser

import (
	"context"
	"fmt"
	"strings"

	"github.com/agentloop/agentloop/tools"
)

// Names of the navigation tools.
const (
	ToolGoto    = "browser_goto"
	ToolBack    = "browser_back"
	ToolForward = "browser_forward"
)

type gotoArgs struct {
	URL string `json:"url" jsonschema:"description=The absolute URL to open: https://… or http://…"`
}

type noArgs struct{}

// NavigationTools returns function tools that move b's current tab, for an
// agent's tool list beside the computer tool: headless pages have no
// address bar and no back button, so without them a model on about:blank, on
// a page a blocked link left it on, or on a tab it closed has no way out
// (OpenAI's computer-use sample app gives its models the same).
//
//   - browser_goto {"url"}: opens a URL in the current tab, checked against
//     the domain policy (Options.AllowDomains, BlockDomains, AllowSchemes);
//   - browser_back, browser_forward: move through the tab's history.
//
// Each answers with the page the browser ends on, and with what the model
// should know that happened meanwhile ([Browser.Notices]); a refused URL,
// a page that failed to load or a history with no such page is an error the
// model reads. The tools are safe for concurrent use with the computer tool:
// the browser runs one call at a time.
func NavigationTools(b *Browser) []tools.Tool {
	gotoTool, err := tools.NewFunc(ToolGoto,
		"Open a web page in the browser's current tab, as if typed in the address bar. Take a screenshot afterwards to see it.",
		func(ctx context.Context, in gotoArgs) (string, error) {
			u := strings.TrimSpace(in.URL)
			if err := b.Navigate(ctx, u); err != nil {
				return "", err
			}
			return b.where(ctx, "Opened"), nil
		})
	if err != nil {
		panic(err) // a fixed schema: a bug, which the tests catch
	}
	history := func(name, desc, verb string, move func(*Browser, context.Context) error) tools.Tool {
		t, err := tools.NewFunc(name, desc, func(ctx context.Context, _ noArgs) (string, error) {
			if err := move(b, ctx); err != nil {
				return "", err
			}
			return b.where(ctx, verb), nil
		})
		if err != nil {
			panic(err) // a fixed schema: a bug, which the tests catch
		}
		return t
	}
	return []tools.Tool{gotoTool,
		history(ToolBack, "Go back to the previous page in the browser's current tab, like the back button. Take a screenshot afterwards to see it.",
			"Went back to", (*Browser).Back),
		history(ToolForward, "Go forward to the next page in the browser's current tab, like the forward button. Take a screenshot afterwards to see it.",
			"Went forward to", (*Browser).Forward),
	}
}

// where says which page the browser is on now, and what happened meanwhile.
func (b *Browser) where(ctx context.Context, verb string) string {
	u, err := b.CurrentURL(ctx)
	if err != nil {
		u = fmt.Sprintf("a page whose URL could not be read (%v)", err)
	}
	out := verb + " " + u + "."
	if n := b.Notices(); len(n) > 0 {
		out += " Meanwhile: " + strings.Join(n, " ")
	}
	return out
}
