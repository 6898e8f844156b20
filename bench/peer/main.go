// Command peer runs the tool-loop benchmark workload of ../shared/bench with
// the agentloop runner: one agent with a get_weather tool, run N times at
// concurrency C against the mock Responses server, then one RESULT line.
//
//	go build -o /tmp/agentloop-peer ./bench/peer
//	EXTRA_PEERS='agentloop=/tmp/agentloop-peer' ../shared/bench/run.sh
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

type weatherArgs struct {
	City string `json:"city" jsonschema:"description=City name"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

func run() error {
	baseURL := flag.String("base-url", "http://127.0.0.1:8080/v1", "Responses API base URL (loopback only)")
	n := flag.Int("n", 100, "number of agent runs")
	c := flag.Int("c", 1, "concurrent runs")
	stream := flag.Bool("stream", false, "use streaming (SSE) responses")
	model := flag.String("model", "gpt-4.1-mock", "model name")
	peer := flag.String("peer", "agentloop", "peer name in the RESULT line")
	cpuprof := flag.String("cpuprofile", "", "write a CPU profile to this file")
	timeout := flag.Duration("timeout", 300*time.Second, "give up after this long")
	traced := flag.Bool("trace", false, "trace with a real OpenTelemetry SDK (batch span processor, discarding exporter)")
	metered := flag.Bool("metrics", false, "record metrics with a real OpenTelemetry metrics SDK (a reader that is never collected)")
	flag.Parse()

	u, err := url.Parse(*baseURL)
	if err != nil {
		return fmt.Errorf("bad -base-url: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing non-loopback -base-url %s", *baseURL)
	}
	if *n < 0 || *c < 1 {
		return errors.New("need -n >= 0 and -c >= 1")
	}

	var toolCalls atomic.Int64
	weather, err := tools.NewFunc("get_weather", "Get the current weather for a city.",
		func(_ context.Context, in weatherArgs) (string, error) {
			toolCalls.Add(1)
			return "Sunny, 22 C in " + in.City, nil
		})
	if err != nil {
		return err
	}
	a := &agent.Agent{
		Name:         "weather",
		Instructions: "You answer weather questions using the get_weather tool.",
		Model:        *model,
		Tools:        []tools.Tool{weather},
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = *c+16, *c+16
	client := responses.NewClient(&responses.Options{
		BaseURL:    *baseURL,
		APIKey:     "bench",
		HTTPClient: &http.Client{Transport: tr},
		MaxRetries: -1,
	})
	var tel *runner.Telemetry
	if *traced || *metered {
		tel = &runner.Telemetry{}
	}
	if *traced {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}))
		defer func() { _ = tp.Shutdown(context.Background()) }()
		tel.TracerProvider = tp
	}
	if *metered {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		defer func() { _ = mp.Shutdown(context.Background()) }()
		tel.MeterProvider = mp
	}
	r := runner.New(client, &runner.Options{DisableStreaming: !*stream, MaxTurns: 10, Telemetry: tel})

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	var (
		next, ok, turns atomic.Int64
		mu              sync.Mutex
		lat             = make([]float64, 0, *n)
		firstErr        error
		wg              sync.WaitGroup
	)
	prompt := runner.Text("What is the weather in Paris? Call get_weather for every city.")
	t0 := time.Now()
	for range *c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(*n) {
				start := time.Now()
				res, err := runOne(ctx, r, a, prompt, *stream)
				if res != nil {
					turns.Add(int64(res.Turns))
				}
				if err == nil && !strings.Contains(res.Output, "Paris") {
					err = fmt.Errorf("unexpected final output %q", res.Output)
				}
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
				} else {
					ok.Add(1)
					lat = append(lat, float64(time.Since(start))/float64(time.Millisecond))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(t0).Seconds()
	slices.Sort(lat)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "first error:", firstErr)
	}
	mode := "nonstream"
	if *stream {
		mode = "stream"
	}
	failed := int64(*n) - ok.Load()
	fmt.Printf("RESULT peer=%s mode=%s c=%d n=%d ok=%d errors=%d turns=%d tool_calls=%d wall_s=%.3f runs_per_s=%.1f p50_ms=%.3f p99_ms=%.3f cpu_s=%.3f peak_rss_mib=%.1f\n",
		*peer, mode, *c, *n, ok.Load(), failed, turns.Load(), toolCalls.Load(), wall,
		float64(ok.Load())/wall, percentile(lat, 50), percentile(lat, 99), cpu, float64(ru.Maxrss)/1024)
	if failed > 0 {
		return fmt.Errorf("%d runs failed", failed)
	}
	return nil
}

// runOne runs the agent once. In stream mode it consumes every event, as a
// streaming application would.
func runOne(ctx context.Context, r *runner.Runner, a *agent.Agent, in runner.Input, stream bool) (*runner.Result, error) {
	if !stream {
		return r.Run(ctx, a, in)
	}
	var res *runner.Result
	var deltas int
	for ev, err := range r.Stream(ctx, a, in) {
		if err != nil {
			return res, err
		}
		switch ev.Type {
		case runner.EventTextDelta:
			deltas += len(ev.Delta)
		case runner.EventFinalOutput:
			res = ev.Result
		}
	}
	if res == nil {
		return nil, errors.New("stream ended without a final output")
	}
	return res, nil
}

// discardExporter drops spans: -trace measures the SDK's cost, not an
// exporter's.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
