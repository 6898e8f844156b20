// Command research has a lead agent that calls two other agents as tools:
// a searcher, which answers from a file-search store of notes, and a
// writer, which turns the findings into a short brief. Each nested run is
// a real run: its tool calls show in the stream with the path that led to
// them, and its usage adds to the total.
//
//	OPENAI_API_KEY=sk-... go run ./examples/research [QUESTION]
//
// Through an OpenAI-compatible gateway, also set OPENAI_BASE_URL.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	question := "Why did the Q3 launch slip, and what is the new date?"
	if len(os.Args) > 1 {
		question = strings.Join(os.Args[1:], " ")
	}
	if err := run(ctx, responses.NewClient(nil), question, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// notes are the documents the searcher reads.
var notes = map[string]string{
	"launch.md":   "# Q3 launch\nThe Q3 launch slipped because the payment provider's certification took six weeks longer than planned.\nThe new launch date is 14 October.",
	"budget.md":   "# Budget\nMarketing spend moves to Q4 with the launch. No change to the total.",
	"staffing.md": "# Staffing\nTwo engineers join the payments team in September.",
}

func run(ctx context.Context, client *responses.Client, question string, out, progress io.Writer) error {
	dir, err := os.MkdirTemp("", "research-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for name, text := range notes {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			return err
		}
	}
	store := vectorstore.NewMemory(nil)
	if _, err := vectorstore.Ingest(ctx, store, "notes", []string{dir}, nil); err != nil {
		return err
	}
	search, err := filesearch.New(store, []string{"notes"}, nil)
	if err != nil {
		return err
	}
	r := runner.New(client, nil)
	searcher := &agent.Agent{Name: "searcher", Model: "gpt-5-mini", Tools: []tools.Tool{search},
		Instructions: "Find the facts that answer the question in the notes. Quote them with their file names."}
	writer := &agent.Agent{Name: "writer", Model: "gpt-5-mini",
		Instructions: "Write a three-sentence brief from the findings you are given. No new facts."}
	searchTool, err := runner.AgentTool(r, searcher, nil)
	if err != nil {
		return err
	}
	writeTool, err := runner.AgentTool(r, writer, nil)
	if err != nil {
		return err
	}
	lead := &agent.Agent{Name: "lead", Model: "gpt-5-mini", Tools: []tools.Tool{searchTool, writeTool},
		Instructions: "Ask the searcher for the facts, then the writer for the brief, and answer with the brief."}
	for ev, err := range r.Stream(ctx, lead, runner.Text(question)) {
		if err != nil {
			return err
		}
		switch ev.Type {
		case runner.EventToolFinished:
			where := ev.Agent
			if len(ev.Path) > 0 {
				where = strings.Join(ev.Path, " › ") + " › " + ev.Agent
			}
			fmt.Fprintf(progress, "[%s: %s]\n", where, ev.Tool)
		case runner.EventFinalOutput:
			if len(ev.Path) > 0 {
				continue // a nested run's answer
			}
			fmt.Fprintln(out, ev.Result.Output)
			u := ev.Result.Usage
			fmt.Fprintf(progress, "[%d input / %d output tokens over all agents]\n", u.InputTokens, u.OutputTokens)
		}
	}
	return nil
}
