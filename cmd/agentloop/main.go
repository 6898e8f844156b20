// Command agentloop runs agents over the OpenAI Responses API.
//
//	agentloop demo              the whole loop against a scripted model: no key, no network
//	agentloop run PROMPT        one agent against OpenAI or an OpenAI-compatible gateway
//	agentloop resume [STATE]    continue a run that paused for approvals or was interrupted
//	agentloop chat              talk with an agent, the conversation kept in a session file
//	agentloop doctor            which parts of the Responses API work through an endpoint
//	agentloop ingest DIR        build a local file-search store from a folder
//	agentloop search QUERY      search that store
//	agentloop version           the version
//
// Run `agentloop help` or `agentloop COMMAND --help` for the flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/agentloop/agentloop/internal/cli"
)

func main() {
	// SIGTERM ends any command; Ctrl-C is delivered to it (chat cancels
	// the turn under way, the others stop).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], &cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Stdin: os.Stdin, StdinIsTerminal: isTerminal(os.Stdin), StdoutIsTerminal: isTerminal(os.Stdout), Interrupts: interrupts})
	signal.Stop(interrupts)
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
