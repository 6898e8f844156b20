package browser_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/agentloop/agentloop/tools/computer/browser"
)

// A browser for the computer tool: started on first use, closed at the end.
// (Not run as a test: it needs Chromium and the network.)
func Example() {
	b := browser.New(&browser.Options{
		StartURL:     "https://example.com",
		AllowDomains: []string{"example.com"},
	})
	defer func() {
		if err := b.Close(); err != nil {
			log.Print(err)
		}
	}()
	tool := computer.NewTool(b, &computer.Options{
		ApproveSafetyCheck: func(ctx context.Context, call *responses.Item, check responses.SafetyCheck) (bool, error) {
			log.Printf("safety check %s: %s", check.Code, check.Message)
			return false, nil // ask a person here
		},
	})
	_ = tool // add it to the agent's tools
}

// The navigation tools go beside the computer tool: a model on a blank or
// dead-end page can go to a URL, back or forward, within the domain policy.
func ExampleNavigationTools() {
	b := browser.New(&browser.Options{StartURL: "https://example.com", AllowDomains: []string{"example.com"}})
	defer func() { _ = b.Close() }() // nothing started: the tools start the browser when called
	ts := append([]tools.Tool{computer.NewTool(b, nil)}, browser.NavigationTools(b)...)
	for _, t := range ts {
		d := t.Definition()
		fmt.Println(strings.TrimSpace(d.Type + " " + d.Name))
	}
	// Output:
	// computer
	// function browser_goto
	// function browser_back
	// function browser_forward
}

// A dialog a page opens is answered by the policy, or by a person; either
// way the model is told what it said and what was answered.
func ExampleOptions_askDialog() {
	b := browser.New(&browser.Options{
		Dialogs: browser.DialogAsk,
		AskDialog: func(ctx context.Context, d browser.Dialog) (browser.DialogAnswer, error) {
			log.Printf("the page at %s asks: %s", d.URL, d.Message)
			return browser.DialogAnswer{Accept: false}, nil // ask a person here
		},
	})
	_ = b.Close()
	// Output:
}
