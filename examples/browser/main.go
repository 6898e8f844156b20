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
// The model also gets go-to, back and forward tools (browser.NavigationTools)
// within the start URL's site. Each call is printed with what became of it:
// ok, its error, or refused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

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
	// Pending safety checks pause the run: they are decided below.
	tool := computer.NewTool(b, nil)
	a := &agent.Agent{
		Name:         "browser",
		Instructions: "You operate a web browser to do the user's task, then answer briefly.",
		Model:        c.model,
		Tools:        append([]tools.Tool{tool}, browser.NavigationTools(b)...),
	}
	r := runner.New(client, &runner.Options{MaxTurns: 20})
	events := r.Stream(ctx, a, runner.Text(c.task))
	for {
		var paused *runner.Result
		for ev, err := range events {
			if err != nil {
				return err
			}
			switch ev.Type {
			case runner.EventToolFinished:
				status := "ok"
				switch {
				case errors.Is(ev.Err, runner.ErrRejected):
					status = "refused"
				case ev.Err != nil:
					status = "failed: " + ev.Err.Error()
				}
				fmt.Fprintf(progress, "[%s %s: %s, %v]\n", ev.Tool, describe(ev.Item), status, ev.Duration.Round(time.Millisecond))
			case runner.EventPaused:
				paused = ev.Result
			case runner.EventFinalOutput:
				fmt.Fprintln(out, ev.Result.Output)
			}
		}
		if paused == nil {
			return nil
		}
		// Only pending safety checks pause this run.
		for _, in := range paused.Interruptions {
			for _, sc := range in.Call.PendingSafetyChecks {
				fmt.Fprintf(progress, "safety check %s: %s (approved: %v)\n", sc.Code, sc.Message, c.approve)
			}
			if c.approve {
				err = paused.State.Approve(in.CallID)
			} else {
				err = paused.State.Reject(in.CallID, "the user did not approve the safety check (-approve is not set)")
			}
			if err != nil {
				return err
			}
		}
		events = r.ResumeStream(ctx, a, paused.State)
	}
}

// describe names a call's actions, or its function's arguments.
func describe(call *responses.Item) string {
	if call.Type != responses.ItemComputerCall {
		return call.Arguments
	}
	var acts []string
	for _, a := range call.Actions {
		acts = append(acts, a.Type)
	}
	if call.Action != nil {
		acts = append(acts, call.Action.Type)
	}
	return strings.Join(acts, ", ")
}
