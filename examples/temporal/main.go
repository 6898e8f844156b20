// Command temporal runs an agent as a Temporal workflow: a worker runs the
// agent's model calls and tool calls as activities, and a starter starts a
// run, answers the approvals it asks for and prints its result. The run
// survives the worker: stop the worker while the run waits for an approval,
// start it again, and the run goes on.
//
// It is a module of its own (examples/temporal/go.mod), so that the
// agentloop module never depends on the Temporal SDK:
//
//	cd examples/temporal
//
// All in one process, with a Temporal server started for the example
// (-dev: the temporaltest server of go.temporal.io/server, built with the
// go command the first time, which takes a few minutes) and a scripted
// model (-scripted: no key, no network):
//
//	go run . -dev -scripted "Mail the weather in Paris to ann@example.com"
//
// Against a Temporal dev server (`temporal server start-dev`, where you
// have the temporal CLI) and the OpenAI API, in two terminals:
//
//	OPENAI_API_KEY=sk-... go run . worker
//	go run . start "Mail the weather in Paris to ann@example.com"
//
// Flags: -address (default localhost:7233), -namespace (default
// "default"), -queue (default agentloop-example); -dev starts a server and
// prints its address, for a worker and a starter in other terminals:
//
//	go run . worker -dev -scripted      # prints: temporal: 127.0.0.1:PORT, namespace NS
//	go run . start -address 127.0.0.1:PORT -namespace NS "Mail the weather to ann@example.com"
//
// The worker reads OPENAI_API_KEY and OPENAI_BASE_URL, as every example.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/internal/exampletools"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/temporal"
	"github.com/agentloop/agentloop/tools"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

type config struct {
	address, namespace, queue string
	dev, scripted             bool
}

func run(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	mode := "all"
	if len(args) > 0 && (args[0] == "worker" || args[0] == "start") {
		mode, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.address, "address", "localhost:7233", "the Temporal frontend, host:port")
	fs.StringVar(&cfg.namespace, "namespace", "default", "the Temporal namespace")
	fs.StringVar(&cfg.queue, "queue", "agentloop-example", "the task queue")
	fs.BoolVar(&cfg.dev, "dev", false, "start a Temporal server for the example")
	fs.BoolVar(&cfg.scripted, "scripted", false, "answer with a scripted model (no key, no network)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	prompt := strings.Join(fs.Args(), " ")
	if prompt == "" {
		prompt = "What's the weather in Paris? Mail it to ann@example.com."
	}
	if cfg.dev {
		srv, err := startDevServer(ctx)
		if err != nil {
			return err
		}
		defer srv.stop()
		cfg.address, cfg.namespace = srv.Address, srv.Namespace
		fmt.Fprintf(out, "temporal: %s, namespace %s\n", cfg.address, cfg.namespace)
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: cfg.address, Namespace: cfg.namespace, Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))})
	if err != nil {
		return fmt.Errorf("connecting to Temporal at %s (start one with `temporal server start-dev`, or pass -dev): %w", cfg.address, err)
	}
	defer c.Close()
	switch mode {
	case "worker":
		w, err := startWorker(c, cfg)
		if err != nil {
			return err
		}
		defer w.Stop()
		fmt.Fprintln(out, "worker: running; Ctrl-C stops it")
		<-ctx.Done()
		return nil
	case "start":
		return start(ctx, c, cfg, prompt, in, out)
	}
	w, err := startWorker(c, cfg)
	if err != nil {
		return err
	}
	defer w.Stop()
	return start(ctx, c, cfg, prompt, in, out)
}

// newAgent returns the example's agent: get_weather, and send_mail, which
// asks for approval.
func newAgent() (*agent.Agent, error) {
	weather, err := exampletools.NewWeatherTool()
	if err != nil {
		return nil, err
	}
	type mailArgs struct {
		To   string `json:"to" jsonschema:"description=Recipient's address"`
		Body string `json:"body" jsonschema:"description=The mail's text"`
	}
	mail, err := tools.NewFunc("send_mail", "Sends a mail.",
		func(_ context.Context, in mailArgs) (string, error) {
			log.Printf("send_mail: to %s: %s", in.To, in.Body)
			return "sent to " + in.To, nil
		}, tools.WithApproval(tools.AlwaysAsk()))
	if err != nil {
		return nil, err
	}
	return &agent.Agent{Name: "mailer", Model: "gpt-5-mini",
		Instructions: "Answer weather questions with get_weather; send mails with send_mail when asked.",
		Tools:        []tools.Tool{weather, mail}}, nil
}

// newRuntime returns the runtime of the example's agent, whose model is
// the OpenAI API (OPENAI_API_KEY, OPENAI_BASE_URL) or base.
func newRuntime(base string) (*temporal.Runtime, error) {
	a, err := newAgent()
	if err != nil {
		return nil, err
	}
	var opts temporal.Options
	if base != "" {
		opts.Responses = &responses.Options{BaseURL: base, APIKey: "scripted"}
	}
	return temporal.New([]*agent.Agent{a}, &opts)
}

// worker is a running worker.
type runningWorker struct {
	w     worker.Worker
	rt    *temporal.Runtime
	model *responsestest.Server
}

func (w *runningWorker) Stop() {
	w.w.Stop()
	_ = w.rt.Close()
	if w.model != nil {
		w.model.Close()
	}
}

func startWorker(c client.Client, cfg config) (*runningWorker, error) {
	rw := &runningWorker{}
	base := ""
	if cfg.scripted {
		rw.model = scriptedModel()
		base = rw.model.URL()
	}
	rt, err := newRuntime(base)
	if err != nil {
		return nil, err
	}
	rw.rt = rt
	rw.w = worker.New(c, cfg.queue, worker.Options{})
	rt.Register(rw.w)
	if err := rw.w.Start(); err != nil {
		return nil, err
	}
	return rw, nil
}

// start starts a run, answers its approvals from in, and prints its
// result.
func start(ctx context.Context, c client.Client, cfg config, prompt string, in io.Reader, out io.Writer) error {
	a, err := newAgent()
	if err != nil {
		return err
	}
	run, err := temporal.Start(ctx, c, client.StartWorkflowOptions{TaskQueue: cfg.queue}, a, runner.Text(prompt))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "run %s started\n", run.ID())
	answers := bufio.NewScanner(in)
	done := make(chan struct{})
	var res *runner.Result
	var runErr error
	go func() {
		defer close(done)
		res, runErr = run.Result(ctx)
	}()
	asked := map[string]bool{}
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			if runErr != nil {
				return runErr
			}
			fmt.Fprintf(out, "%s\n(%d turns, %d tokens)\n", res.Output, res.Turns, res.Usage.TotalTokens)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		p, err := run.Progress(ctx)
		if err != nil || p.Status != runner.StatusPaused {
			continue
		}
		for _, call := range p.Pending {
			if asked[call.CallID] {
				continue
			}
			asked[call.CallID] = true
			fmt.Fprintf(out, "approve %s %s? [y/N] ", call.Tool, call.Arguments)
			yes := answers.Scan() && strings.HasPrefix(strings.ToLower(strings.TrimSpace(answers.Text())), "y")
			d := runner.Decision{Approve: yes}
			if !yes {
				d.Message = "the user said no"
			}
			if err := run.DecideBound(ctx, call.CallID, call.Fingerprint, d); err != nil {
				return err
			}
		}
	}
}

// scriptedModel answers as a model would for the example's agent: it asks
// for the weather and a mail, then reports.
func scriptedModel() *responsestest.Server {
	return responsestest.NewServer(&responsestest.Options{Fallback: func(r *responsestest.Received) responsestest.Step {
		var outputs []string
		for _, it := range r.Request.Input.Items {
			if it.Type == responses.ItemFunctionCallOutput {
				outputs = append(outputs, it.Output.String())
			}
		}
		if len(outputs) == 0 {
			return responsestest.Reply(
				responsestest.FunctionCall("call_weather", "get_weather", `{"city":"Paris"}`),
				responsestest.FunctionCall("call_mail", "send_mail", `{"to":"ann@example.com","body":"The weather in Paris."}`))
		}
		return responsestest.Reply(responsestest.Message("Done: " + strings.Join(outputs, "; ")))
	}})
}

// devServer is the Temporal server of temporal/internal/devserver, in a
// process of its own.
type devServer struct {
	Address, Namespace string
	cmd                *exec.Cmd
	stdin              io.WriteCloser
}

// startDevServer builds and starts the dev server of this repository.
func startDevServer(ctx context.Context) (*devServer, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, errors.New("-dev: cannot find the repository")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "temporal", "internal", "devserver")
	bin := filepath.Join(os.TempDir(), "agentloop-devserver")
	log.Printf("-dev: building the Temporal server in %s (a few minutes the first time)", dir)
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = dir
	if b, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("-dev: building the server: %w\n%s", err, b)
	}
	cmd := exec.Command(bin) // not tied to ctx: it stops when stop closes its input, after the worker
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("-dev: %w", err)
	}
	s := &devServer{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err == nil {
		err = json.Unmarshal([]byte(line), s)
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("-dev: the server did not start: %w", err)
	}
	return s, nil
}

// stop stops the server (it stops when its standard input closes).
func (s *devServer) stop() {
	_ = s.stdin.Close()
	_ = s.cmd.Wait()
}
