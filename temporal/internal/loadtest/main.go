// Command loadtest measures the temporal module under load: N concurrent
// agent runs (the "weather" agent of internal/testenv: one tool call, then
// an answer, so two model calls and one tool call per run) over W worker
// processes, a Temporal server in a process of its own and the scripted
// Responses server on loopback, in this process. It prints runs/s, the
// latency of a run (start to result) at p50 and p99, and the errors.
//
//	cd temporal && go run ./internal/loadtest -runs 1000 -workers 2
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/temporal"
	"github.com/agentloop/agentloop/temporal/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run() error {
	runs := flag.Int("runs", 1000, "concurrent runs")
	workers := flag.Int("workers", 2, "worker processes")
	starts := flag.Int("starts", 50, "start requests in flight at most (the server refuses a burst of 1,000 on a small machine)")
	inline := flag.Int("inline", 0, "temporal.Options.InlineRequestBytes (0: the default; -1: every request by reference)")
	pollers := flag.Int("pollers", 0, "task pollers of each kind per worker (0: the SDK's default, 2)")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up after this long")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "agentloop-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bins, err := testenv.Build(ctx, dir)
	if err != nil {
		return err
	}
	srv, err := testenv.StartServer(ctx, bins, filepath.Join(dir, "server.log"))
	if err != nil {
		return err
	}
	defer srv.Stop(10 * time.Second) //nolint:errcheck // best effort

	var calls atomic.Int64
	model := responsestest.NewServer(&responsestest.Options{Fallback: func(r *responsestest.Received) responsestest.Step {
		items := r.Request.Input.Items
		if len(items) > 0 && items[len(items)-1].Type == responses.ItemFunctionCallOutput {
			return responsestest.Reply(responsestest.Message("Sunny."))
		}
		id := fmt.Sprintf("call_%d", calls.Add(1))
		return responsestest.Reply(responsestest.FunctionCall(id, "get_weather", `{"city":"Paris"}`))
	}})
	defer model.Close()

	var procs []*testenv.Process
	cfg := testenv.WorkerConfig{Address: srv.Address, Namespace: srv.Namespace, TaskQueue: "load", ModelURL: model.URL(),
		Dir: dir, InlineRequestBytes: *inline, Pollers: *pollers}
	for i := range *workers {
		p, err := testenv.StartWorker(ctx, bins, cfg, filepath.Join(dir, fmt.Sprintf("worker%d.log", i+1)))
		if err != nil {
			return err
		}
		defer p.Stop(10 * time.Second) //nolint:errcheck // best effort
		procs = append(procs, p)
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.Address, Namespace: srv.Namespace, Logger: quiet{}})
	if err != nil {
		return err
	}
	defer c.Close()

	a := testenv.Agent(dir, "weather")
	lat := make([]time.Duration, *runs)
	errs := make([]error, *runs)
	var wg sync.WaitGroup
	var inflight, peak atomic.Int64
	sem := make(chan struct{}, max(*starts, 1))
	begin := time.Now()
	for i := range *runs {
		wg.Go(func() {
			sem <- struct{}{}
			t0 := time.Now()
			r, err := temporal.Start(ctx, c, client.StartWorkflowOptions{ID: fmt.Sprintf("load-%d", i), TaskQueue: "load"}, a, runner.Text("Weather in Paris?"))
			<-sem
			if n := inflight.Add(1); n > peak.Load() {
				peak.Store(n) // racy max, good enough for a report
			}
			defer inflight.Add(-1)
			if err == nil {
				var res *runner.Result
				res, err = r.Result(ctx)
				if err == nil && res.Output != "Sunny." {
					err = fmt.Errorf("output %q", res.Output)
				}
			}
			lat[i], errs[i] = time.Since(t0), err
		})
	}
	wg.Wait()
	wall := time.Since(begin)
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("%d runs over %d workers in %v: %.1f runs/s; latency (start to result) p50 %v, p99 %v, max %v; %d errors; %d runs in flight at most; %d model requests\n",
		*runs, *workers, wall.Round(time.Millisecond), float64(*runs)/wall.Seconds(), pct(0.50).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), len(failed), peak.Load(), len(model.Requests()))
	var self syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	cpu := time.Duration(self.Utime.Nano() + self.Stime.Nano())
	fmt.Printf("CPU: this process (client, Responses server) %v", cpu.Round(time.Second))
	for i, p := range procs {
		_ = p.Stop(10 * time.Second)
		fmt.Printf(", worker %d %v", i+1, p.CPU().Round(time.Second))
	}
	_ = srv.Stop(10 * time.Second)
	fmt.Printf(", Temporal server %v\n", srv.CPU().Round(time.Second))
	if err := model.Err(); err != nil {
		failed = append(failed, fmt.Errorf("the model saw bad requests: %w", err))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d errors, the first: %w", len(failed), errors.Join(failed[0]))
	}
	return nil
}

// quiet drops the SDK's logs.
type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}
