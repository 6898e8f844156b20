// Command testworker is a Temporal worker running the agents of
// internal/testenv, for the integration tests and the load figure of the
// temporal module. It prints "ready" once it polls its task queue, and
// stops when its standard input closes or it receives SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/temporal"
	"github.com/agentloop/agentloop/temporal/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testworker:", err)
		os.Exit(1)
	}
}

func run() error {
	address := flag.String("address", "", "the Temporal frontend, host:port")
	namespace := flag.String("namespace", "default", "the Temporal namespace")
	queue := flag.String("queue", "agents", "the task queue")
	model := flag.String("model", "", "the base URL of the Responses server")
	dir := flag.String("dir", "", "where the tools leave their marks")
	inline := flag.Int("inline", 0, "temporal.Options.InlineRequestBytes")
	heartbeat := flag.Duration("heartbeat", 0, "temporal.Options.HeartbeatTimeout")
	sticky := flag.Duration("sticky", 0, "worker.Options.StickyScheduleToStartTimeout")
	pollers := flag.Int("pollers", 0, "task pollers of each kind (0: the SDK's default, 2)")
	stream := flag.Bool("stream", false, "stream the model's responses")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: *address, Namespace: *namespace,
		Logger: quiet{}})
	if err != nil {
		return err
	}
	defer c.Close()
	rt, err := temporal.New(testenv.Agents(*dir), &temporal.Options{
		Runner:             &runner.Options{DisableStreaming: !*stream, ToolGracePeriod: 100 * time.Millisecond},
		Responses:          &responses.Options{BaseURL: *model, APIKey: "sk-test"},
		InlineRequestBytes: *inline,
		HeartbeatTimeout:   *heartbeat,
	})
	if err != nil {
		return err
	}
	defer rt.Close()
	w := worker.New(c, *queue, worker.Options{StickyScheduleToStartTimeout: *sticky,
		MaxConcurrentWorkflowTaskPollers: *pollers, MaxConcurrentActivityTaskPollers: *pollers})
	rt.Register(w)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	fmt.Println("ready")
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	<-ctx.Done()
	return nil
}

// quiet drops the SDK's logs but its warnings and errors.
type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(msg string, kv ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"WARN", msg}, kv...)...)
}
func (quiet) Error(msg string, kv ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"ERROR", msg}, kv...)...)
}
