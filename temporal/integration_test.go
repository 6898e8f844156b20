package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/temporal"
	"github.com/agentloop/agentloop/temporal/internal/testenv"
)

// cluster is what the integration tests share: the binaries, built once,
// and a Temporal server in a process of its own.
var cluster struct {
	once   sync.Once
	dir    string
	bins   testenv.Binaries
	server *testenv.Server
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster.server != nil {
		_ = cluster.server.Stop(10 * time.Second)
	}
	if cluster.dir != "" {
		_ = os.RemoveAll(cluster.dir)
	}
	os.Exit(code)
}

// server returns the shared server, building and starting it the first
// time.
func server(t *testing.T) *testenv.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the test needs a Temporal server started in a process of its own")
	}
	cluster.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		if cluster.dir, cluster.err = os.MkdirTemp("", "agentloop-temporal-"); cluster.err != nil {
			return
		}
		start := time.Now()
		if cluster.bins, cluster.err = testenv.Build(ctx, cluster.dir); cluster.err != nil {
			return
		}
		built := time.Since(start)
		cluster.server, cluster.err = testenv.StartServer(ctx, cluster.bins, filepath.Join(cluster.dir, "server.log"))
		if cluster.err == nil {
			t.Logf("built the server and worker in %v; the server started in %v", built.Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond))
		}
	})
	if cluster.err != nil {
		t.Fatal(cluster.err)
	}
	return cluster.server
}

// dial returns a client of the shared server.
func dial(t *testing.T, srv *testenv.Server, interceptors ...interceptor.ClientInterceptor) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: srv.Address, Namespace: srv.Namespace, Logger: quiet{}, Interceptors: interceptors})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// startWorker starts a worker process; it is stopped at the test's end.
func startWorker(t *testing.T, cfg testenv.WorkerConfig, name string) *testenv.Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logPath := filepath.Join(cfg.Dir, name+".log")
	p, err := testenv.StartWorker(ctx, cluster.bins, cfg, logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Stop(10 * time.Second)
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s's log:\n%s", name, b)
		}
	})
	return p
}

// waitFor polls cond until it holds, or fails the test after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func bodies(srv *responsestest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, string(r.Body))
	}
	return out
}

// send sends one request as the worker does, streaming or not.
func send(ctx context.Context, c *responses.Client, req *responses.Request, stream bool) (*responses.Response, error) {
	if stream {
		return responses.Collect(c.Stream(ctx, req))
	}
	return c.Create(ctx, req)
}

// reference drives a local runner.Machine through steps, answering every
// call with outcome(call id) (nil: run it), and returns the request bodies:
// what a local engine sends.
func reference(t *testing.T, a *agent.Agent, input runner.Input, stream bool, outcome func(string) *runner.CallOutcome, steps ...responsestest.Step) []string {
	t.Helper()
	ctx := context.Background()
	srv := responsestest.Start(t, steps...)
	c := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "sk-test", MaxRetries: -1})
	defer c.Close()
	r := runner.New(c, &runner.Options{DisableStreaming: !stream})
	m, err := r.Machine(ctx, a, input, nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		step := m.Next()
		switch step.Kind {
		case runner.StepCallModel:
			resp, err := send(ctx, c, step.Request, stream)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.ApplyResponse(ctx, resp); err != nil {
				t.Fatal(err)
			}
		case runner.StepRunCalls:
			for _, rec := range step.Calls {
				if err := m.Started(rec.CallID); err != nil {
					t.Fatal(err)
				}
				out := outcome(rec.CallID)
				if out == nil {
					o := r.ExecuteCall(ctx, a, m.State().RunID, rec, m.State().Call(&rec))
					out = &o
				}
				if err := m.ApplyOutcome(rec.CallID, *out); err != nil {
					t.Fatal(err)
				}
			}
		case runner.StepDone:
			return bodies(srv)
		default:
			t.Fatalf("reference run: step %v (%v)", step.Kind, step.Err)
		}
	}
}

// TestCrashTwoWorkers runs a call on one of two worker processes, kills
// that worker with SIGKILL while the call blocks, and lets the other finish
// the run: a tool that is not idempotent ran once and the model is told its
// outcome is unknown; an idempotent one runs again on the other worker. The
// model sees byte for byte the requests of a local run with that outcome
// (the requests travel by reference, and the responses stream).
func TestCrashTwoWorkers(t *testing.T) {
	srv := server(t)
	for _, tool := range []string{"slow", "slow_idempotent"} {
		t.Run(tool, func(t *testing.T) {
			steps := func() []responsestest.Step {
				return []responsestest.Step{
					responsestest.Reply(responsestest.Reasoning("go <slow>", "enc-1"),
						responsestest.FunctionCall("call_1", tool, `{"city": "Paris <&>"}`)),
					responsestest.Reply(responsestest.Message("finished")),
				}
			}
			model := responsestest.Start(t, steps()...)
			dir := t.TempDir()
			cfg := testenv.WorkerConfig{Address: srv.Address, Namespace: srv.Namespace, TaskQueue: "crash-" + tool,
				ModelURL: model.URL(), Dir: dir, InlineRequestBytes: -1, HeartbeatTimeout: 2 * time.Second,
				StickyTimeout: time.Second, Stream: true}
			workers := map[int]*testenv.Process{}
			for i := range 2 {
				p := startWorker(t, cfg, fmt.Sprintf("worker%d", i+1))
				workers[p.PID()] = p
			}
			c := dial(t, srv)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			a := testenv.Agent(dir, "crash")
			run, err := temporal.Start(ctx, c, client.StartWorkflowOptions{ID: "crash-" + tool, TaskQueue: cfg.TaskQueue}, a, runner.Text("Go slow & <steady>"))
			if err != nil {
				t.Fatal(err)
			}
			var started []string
			waitFor(t, time.Minute, "the call to start", func() bool {
				started = testenv.Marks(dir, "started-")
				return len(started) > 0
			})
			pid, err := strconv.Atoi(started[0][strings.LastIndexByte(started[0], '-')+1:])
			if err != nil || workers[pid] == nil {
				t.Fatalf("mark %q names no worker", started[0])
			}
			if err := workers[pid].Kill(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := run.Result(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Output != "finished" || res.Turns != 2 {
				t.Errorf("output %q after %d turns", res.Output, res.Turns)
			}

			started, done := testenv.Marks(dir, "started-"), testenv.Marks(dir, "done-")
			var outcome func(string) *runner.CallOutcome
			if tool == "slow" {
				// Started once, on the worker that died; never finished.
				if len(started) != 1 || len(done) != 0 {
					t.Errorf("started %v, done %v; want one start and no end", started, done)
				}
				outcome = func(string) *runner.CallOutcome { return &runner.CallOutcome{Unknown: true} }
			} else {
				// Started on both workers; finished on the survivor.
				if len(started) != 2 || len(done) != 1 || started[0] == started[1] || strings.HasSuffix(done[0], strconv.Itoa(pid)) {
					t.Errorf("started %v, done %v; want a start on each worker and an end on the survivor", started, done)
				}
				outcome = func(string) *runner.CallOutcome { return nil }
			}
			refDir := t.TempDir()
			if err := os.WriteFile(filepath.Join(refDir, "release"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			want := reference(t, testenv.Agent(refDir, "crash"), runner.Text("Go slow & <steady>"), true, outcome, steps()...)
			if diff := cmp.Diff(want, bodies(model)); diff != "" {
				t.Errorf("the model's requests differ from a local run's (-local +temporal):\n%s", diff)
			}
		})
	}
}

// TestApprovalAfterRestart: a run pauses for an approval; its only worker
// is killed; a new worker starts; the approval comes as a signal and the
// run ends, the approved call run once. Updates that cannot be taken are
// refused with runner.ErrNotPending.
func TestApprovalAfterRestart(t *testing.T) {
	srv := server(t)
	steps := func() []responsestest.Step {
		return []responsestest.Step{
			responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`),
				responsestest.FunctionCall("c2", "send_mail", `{"to":"ann@example.com"}`)),
			responsestest.Reply(responsestest.Message("Done.")),
		}
	}
	model := responsestest.Start(t, steps()...)
	dir := t.TempDir()
	cfg := testenv.WorkerConfig{Address: srv.Address, Namespace: srv.Namespace, TaskQueue: "approve", ModelURL: model.URL(),
		Dir: dir, HeartbeatTimeout: 2 * time.Second, StickyTimeout: time.Second}
	w1 := startWorker(t, cfg, "worker1")
	c := dial(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a := testenv.Agent(dir, "mailer")
	run, err := temporal.Start(ctx, c, client.StartWorkflowOptions{TaskQueue: cfg.TaskQueue}, a, runner.Text("Mail the weather"))
	if err != nil {
		t.Fatal(err)
	}
	var p *temporal.Progress
	waitFor(t, time.Minute, "the run to pause", func() bool {
		p, err = run.Progress(ctx)
		return err == nil && p.Status == runner.StatusPaused
	})
	if len(p.Pending) != 1 || p.Pending[0].CallID != "c2" || p.Pending[0].Arguments != `{"to":"ann@example.com"}` || p.RunID != run.ID() {
		t.Fatalf("progress %+v", p)
	}
	if err := run.Approve(ctx, "c9"); !errors.Is(err, runner.ErrNotPending) {
		t.Errorf("approving an unknown call: %v, want ErrNotPending", err)
	}
	if err := run.DecideBound(ctx, "c2", "not-the-fingerprint", runner.Decision{Approve: true}); !errors.Is(err, runner.ErrNotPending) {
		t.Errorf("approving with another fingerprint: %v, want ErrNotPending", err)
	}
	if err := w1.Kill(); err != nil {
		t.Fatal(err)
	}
	startWorker(t, cfg, "worker2")
	if err := run.Signal(ctx, "c2", runner.Decision{Approve: true, Message: "ok <go>"}); err != nil {
		t.Fatal(err)
	}
	res, err := run.Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != "Done." || len(testenv.Marks(dir, "mail-")) != 1 {
		t.Errorf("output %q, mails %v", res.Output, testenv.Marks(dir, "mail-"))
	}
	if err := run.Approve(ctx, "c2"); err == nil {
		t.Error("a decision after the run ended was taken")
	}

	// A local run with the same decision sends the same requests.
	lsrv := responsestest.Start(t, steps()...)
	lc := responses.NewClient(&responses.Options{BaseURL: lsrv.URL(), APIKey: "sk-test", MaxRetries: -1})
	defer lc.Close()
	r := runner.New(lc, &runner.Options{DisableStreaming: true})
	la := testenv.Agent(t.TempDir(), "mailer")
	lres, err := r.Run(ctx, la, runner.Text("Mail the weather"))
	if err != nil || !lres.Paused() {
		t.Fatalf("local run: %v", err)
	}
	if err := lres.State.Decide("c2", runner.Decision{Approve: true, Message: "ok <go>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resume(ctx, la, lres.State); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bodies(lsrv), bodies(model)); diff != "" {
		t.Errorf("the model's requests differ from a local run's (-local +temporal):\n%s", diff)
	}
}

// TestTraceAcrossWorkflow: one trace holds the caller's span, the
// workflow's, the model calls and the tool's call.
func TestTraceAcrossWorkflow(t *testing.T) {
	srv := server(t)
	model := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Sunny.")))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background()) //nolint:errcheck // in-memory
	ti, err := temporal.NewTracingInterceptor(tp)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv, ti)
	dir := t.TempDir()
	rt, err := temporal.New(testenv.Agents(dir), &temporal.Options{
		Runner:    &runner.Options{DisableStreaming: true, Telemetry: &runner.Telemetry{TracerProvider: tp}},
		Responses: &responses.Options{BaseURL: model.URL(), APIKey: "sk-test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	w := worker.New(c, "traced", worker.Options{})
	rt.Register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx, parent := tp.Tracer("test").Start(ctx, "caller")
	run, err := temporal.Start(ctx, c, client.StartWorkflowOptions{TaskQueue: "traced"}, testenv.Agent(dir, "weather"), runner.Text("Weather?"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Result(ctx); err != nil {
		t.Fatal(err)
	}
	parent.End()
	names := map[string]trace.TraceID{}
	for _, s := range spans.Ended() {
		names[s.Name()] = s.SpanContext().TraceID()
	}
	for _, name := range []string{"StartWorkflow:agentloop.Run", "RunWorkflow:agentloop.Run", "RunActivity:agentloop.Model",
		"chat gpt-5", "RunActivity:agentloop.Tool", "execute_tool get_weather"} {
		id, ok := names[name]
		if !ok {
			t.Errorf("no span %q; spans: %v", name, names)
			continue
		}
		if id != parent.SpanContext().TraceID() {
			t.Errorf("span %q is in trace %v, not the caller's", name, id)
		}
	}
}

// quiet drops the SDK's logs.
type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}
