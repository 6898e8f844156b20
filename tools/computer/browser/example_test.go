package browser_test

import (
	"context"
	"log"

	"github.com/agentloop/agentloop/responses"
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
