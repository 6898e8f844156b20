// Command crashagent is agentloop's CLI with two extra tools, for the crash
// tests of package cli: "charge" and "charge_idempotent" append a line to
// the file named by $CRASH_LOG each time they start (run id, call id,
// attempt), then, on their first attempt, block until the process is
// killed.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/agentloop/agentloop/internal/cli"
	"github.com/agentloop/agentloop/tools"
)

type chargeArgs struct {
	Amount int `json:"amount"`
}

func charge(ctx context.Context, _ chargeArgs) (string, error) {
	info, _ := tools.CallInfoFrom(ctx)
	f, err := os.OpenFile(os.Getenv("CRASH_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(f, "%s %s %d\n", info.RunID, info.CallID, info.Attempt)
	if err := f.Close(); err != nil {
		return "", err
	}
	if info.Attempt == 1 {
		select {} // the test kills the process here
	}
	return "charged", nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Tools: map[string]func() (tools.Tool, error){
		"charge": func() (tools.Tool, error) {
			return tools.NewFunc("charge", "Charges the card", charge)
		},
		"charge_idempotent": func() (tools.Tool, error) {
			return tools.NewFunc("charge", "Charges the card", charge, tools.WithIdempotent())
		},
	}}
	code := cli.Main(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}
