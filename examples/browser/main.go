// Command browser gives the model a real headless Chromium (computer use):
// it sees screenshots and answers with clicks, typing and key presses, which
// agentloop runs through the Chrome DevTools protocol.
//
//	OPENAI_API_KEY=sk-... go run ./examples/browser [-url URL] [-model MODEL] TASK
//
// Needs Chromium on PATH (apt-get install -y chromium) and a model that
// serves the computer tool: gpt-5.4 or later (the GA "computer" tool), or
// computer-use-preview (the preview tool, chosen by the model name).
// Through a gateway, also set OPENAI_BASE_URL; the channel must serve that
// model. Pending safety checks are shown and refused unless -approve is set.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/agentloop/agentloop/tools/computer/browser"
)

type config struct {
	startURL, model, task string
	approve               bool
}

func main() {
	var c config
	flag.StringVar(&c.startURL, "url", "https://example.com", "page to start on; the browser may only visit this site")
	flag.StringVar(&c.model, "model", "gpt-5.4", "model (computer-use-preview selects the preview tool)")
	flag.BoolVar(&c.approve, "approve", false, "approve pending safety checks instead of stopping")
	flag.Parse()
	c.task = strings.Join(flag.Args(), " ")
	if c.task == "" {
		c.task = "What is the main heading of this page?"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, responses.NewClient(nil), c, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, client *responses.Client, c config, out, progress io.Writer) error {
	u, err := url.Parse(c.startURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad -url %q", c.startURL)
	}
	b := browser.New(&browser.Options{StartURL: c.startURL, AllowDomains: []string{u.Host}})
	defer b.Close() // no Chromium process is left behind
	tool := computer.NewTool(b, &computer.Options{
		ApproveSafetyCheck: func(_ context.Context, _ *responses.Item, sc responses.SafetyCheck) (bool, error) {
			fmt.Fprintf(progress, "safety check %s: %s (approved: %v)\n", sc.Code, sc.Message, c.approve)
			return c.approve, nil
		},
	})
	a := &agent.Agent{
		Name:         "browser",
		Instructions: "You operate a web browser to do the user's task, then answer briefly.",
		Model:        c.model,
		Tools:        []tools.Tool{tool},
	}
	r := runner.New(client, &runner.Options{MaxTurns: 20})
	for ev, err := range r.Stream(ctx, a, runner.Text(c.task)) {
		if err != nil {
			return err
		}
		switch ev.Type {
		case runner.EventToolFinished:
			var acts []string
			for _, a := range ev.Item.Actions {
				acts = append(acts, a.Type)
			}
			if ev.Item.Action != nil {
				acts = append(acts, ev.Item.Action.Type)
			}
			status := "ok"
			if ev.Err != nil {
				status = ev.Err.Error()
			}
			fmt.Fprintf(progress, "[computer %s: %s, %v]\n", strings.Join(acts, ", "), status, ev.Duration.Round(1e6))
		case runner.EventFinalOutput:
			fmt.Fprintln(out, ev.Result.Output)
		}
	}
	return nil
}
