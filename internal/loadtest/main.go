// Command loadtest runs many concurrent agent runs through one
// runner.Runner against a responsestest server, and reports throughput, run
// latency, errors, peak memory, goroutines and heap. It is a command, not a
// timed test: run it by hand and read its figures.
//
//	go run ./internal/loadtest [-runs 10000] [-concurrency 1000] [-latency 50ms] [-mode both]
//
// Each run is a realistic tool loop: the model answers the first two turns
// with a reasoning item and two parallel function calls (get_weather and
// get_time), and the third with the final message; every response comes
// after the latency (-latency), streamed or not (-mode stream, plain or
// both). The runs share one Runner, one responses.Client and its HTTP
// transport, whose idle connections per host are raised to the concurrency
// here (not in the library's defaults) so that 1,000 runs in flight keep
// their connections.
//
// The server runs in a child process (this command with -serve), so the
// figures are the client's alone: its CPU time per run (which other work on
// the machine does not inflate, unlike the latency; the load average is
// printed beside it), its peak RSS (VmHWM, reset before each mode where the
// kernel allows), and its goroutines and heap in use (after a GC) before the
// runs, after them, and after the idle connections are closed. The server checks every request as the API would (each call
// answered once, history replayed byte for byte); a violation counts as an
// error.
//
// The command exits with status 1 when any run failed or the server saw a
// violation.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// finalText is the last turn's message, which every run must return.
const finalText = "Paris: sunny, 14:00. Tokyo: rain, 22:00."

func main() {
	runs := flag.Int("runs", 10000, "runs in all, per mode")
	concurrency := flag.Int("concurrency", 1000, "runs in flight at once")
	latency := flag.Duration("latency", 50*time.Millisecond, "the server's latency per response")
	mode := flag.String("mode", "both", "stream, plain or both")
	serve := flag.Bool("serve", false, "run the server (the child process) until stdin closes")
	flag.Parse()

	if *serve {
		if err := runServer(*latency, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest -serve:", err)
			os.Exit(1)
		}
		return
	}
	var streams []bool
	switch *mode {
	case "stream":
		streams = []bool{true}
	case "plain":
		streams = []bool{false}
	case "both":
		streams = []bool{false, true}
	default:
		fmt.Fprintf(os.Stderr, "loadtest: -mode %q: want stream, plain or both\n", *mode)
		os.Exit(2)
	}
	fmt.Printf("loadtest: %d runs per mode, %d concurrent, %v per response, GOMAXPROCS %d, %s\n",
		*runs, *concurrency, *latency, runtime.GOMAXPROCS(0), runtime.Version())
	failed := false
	for _, stream := range streams {
		rep, err := load(context.Background(), *runs, *concurrency, *latency, stream)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		rep.print(os.Stdout)
		failed = failed || rep.errors > 0 || rep.violations > 0
	}
	if failed {
		os.Exit(1)
	}
}

// report holds the figures of one mode.
type report struct {
	stream                bool
	runs, errors          int
	firstErrors           []string
	violations            int
	violationLines        []string
	requests              int
	toolCalls             int64
	wall, cpu             time.Duration // cpu: the client's, user and system
	loadAvg               string        // /proc/loadavg after the runs
	p50, p99, max         time.Duration
	peakRSS               int64 // kB; -1 when unknown
	rssReset              bool
	goroutines, heapInUse [3]uint64 // before, after the runs, after Close
}

func (r *report) print(w io.Writer) {
	mode := "plain"
	if r.stream {
		mode = "stream"
	}
	mb := func(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
	rss := "unknown"
	if r.peakRSS >= 0 {
		rss = fmt.Sprintf("%.1f MB", float64(r.peakRSS)/1024)
		if !r.rssReset {
			rss += " (since the process started)"
		}
	}
	fmt.Fprintf(w, "\n%s: %d runs in %v: %.0f runs/s\n", mode, r.runs, r.wall.Round(time.Millisecond), float64(r.runs)/r.wall.Seconds())
	fmt.Fprintf(w, "  client CPU    %v (%.2f ms a run); load average after: %s\n", r.cpu.Round(time.Millisecond),
		float64(r.cpu.Microseconds())/1000/float64(r.runs), r.loadAvg)
	fmt.Fprintf(w, "  run latency   p50 %v  p99 %v  max %v\n", r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond))
	fmt.Fprintf(w, "  errors        %d (server: %d requests, %d violations; %d tool calls)\n", r.errors, r.requests, r.violations, r.toolCalls)
	fmt.Fprintf(w, "  peak RSS      %s\n", rss)
	fmt.Fprintf(w, "  goroutines    before %d  after the runs %d  after Close %d\n", r.goroutines[0], r.goroutines[1], r.goroutines[2])
	fmt.Fprintf(w, "  heap in use   before %s  after the runs %s  after Close %s\n", mb(r.heapInUse[0]), mb(r.heapInUse[1]), mb(r.heapInUse[2]))
	for _, e := range r.firstErrors {
		fmt.Fprintln(w, "  error:", e)
	}
	for _, v := range r.violationLines {
		fmt.Fprintln(w, "  violation:", v)
	}
}

// load runs the runs of one mode against a new server process.
func load(ctx context.Context, runs, concurrency int, latency time.Duration, stream bool) (*report, error) {
	srv, err := startServer(latency)
	if err != nil {
		return nil, err
	}
	defer srv.kill()

	// The transport keeps a connection per run in flight.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = concurrency
	client := responses.NewClient(&responses.Options{BaseURL: srv.url, APIKey: "sk-load", HTTPClient: &http.Client{Transport: tr}})
	defer func() { _ = client.Close() }()

	var toolCalls atomic.Int64
	weather, err := tools.NewFunc("get_weather", "Current weather for a city",
		func(_ context.Context, in cityArgs) (string, error) {
			toolCalls.Add(1)
			return "sunny in " + in.City, nil
		})
	if err != nil {
		return nil, err
	}
	clock, err := tools.NewFunc("get_time", "Local time in a city",
		func(_ context.Context, in cityArgs) (string, error) {
			toolCalls.Add(1)
			return "14:00 in " + in.City, nil
		})
	if err != nil {
		return nil, err
	}
	a := &agent.Agent{Name: "travel", Model: "gpt-5", Instructions: "Answer briefly. Use tools when they help.",
		Tools: []tools.Tool{weather, clock}}
	r := runner.New(client, &runner.Options{DisableStreaming: !stream})

	rep := &report{stream: stream, runs: runs}
	rep.rssReset = resetPeakRSS()
	rep.goroutines[0], rep.heapInUse[0] = snapshot()

	lat := make([]time.Duration, runs)
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= runs {
					return
				}
				t0 := time.Now()
				res, err := r.Run(ctx, a, runner.Text("Weather and time in Paris, then Tokyo?"))
				lat[i] = time.Since(t0)
				if err == nil && (res.Output != finalText || res.Turns != 3) {
					err = fmt.Errorf("run ended with %q after %d turns", res.Output, res.Turns)
				}
				if err != nil {
					mu.Lock()
					rep.errors++
					if len(rep.firstErrors) < 5 {
						rep.firstErrors = append(rep.firstErrors, err.Error())
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	rep.wall, rep.cpu = time.Since(start), cpuTime()-cpu0
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		rep.loadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	rep.toolCalls = toolCalls.Load()
	if want := int64(4 * runs); rep.toolCalls != want && rep.errors == 0 {
		rep.errors++
		rep.firstErrors = append(rep.firstErrors, fmt.Sprintf("%d tool calls, want %d", rep.toolCalls, want))
	}
	slices.Sort(lat)
	rep.p50, rep.p99, rep.max = lat[runs*50/100], lat[min(runs-1, runs*99/100)], lat[runs-1]
	rep.peakRSS = peakRSS()
	rep.goroutines[1], rep.heapInUse[1] = snapshot()

	tr.CloseIdleConnections()
	settle(int(rep.goroutines[0]))
	rep.goroutines[2], rep.heapInUse[2] = snapshot()

	rep.requests, rep.violations, rep.violationLines, err = srv.stop()
	if err != nil {
		return nil, err
	}
	return rep, nil
}

type cityArgs struct {
	City string `json:"city" jsonschema:"description=City name"`
}

// snapshot returns the goroutines and the heap in use after a GC.
func snapshot() (goroutines, heap uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return uint64(runtime.NumGoroutine()), m.HeapInuse
}

// settle waits up to two seconds for the goroutines to come down to n (the
// connections' reader and writer goroutines end once they are closed).
func settle(n int) {
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > n && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// resetPeakRSS resets VmHWM (Linux: "5" to clear_refs), and reports whether
// it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS returns VmHWM in kB from /proc/self/status, or -1.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// server is the child process running the responsestest server.
type server struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	url   string
}

// startServer starts this command with -serve and reads its URL.
func startServer(latency time.Duration) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-serve", "-latency", latency.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	if !s.out.Scan() {
		s.kill()
		return nil, errors.New("the server process did not start")
	}
	url, ok := strings.CutPrefix(s.out.Text(), "URL ")
	if !ok {
		s.kill()
		return nil, fmt.Errorf("the server process said %q", s.out.Text())
	}
	s.url = url
	return s, nil
}

// stop closes the server's stdin and reads its summary: the requests it
// received and its violations.
func (s *server) stop() (requests, violations int, lines []string, err error) {
	_ = s.stdin.Close()
	for s.out.Scan() {
		line := s.out.Text()
		if v, ok := strings.CutPrefix(line, "VIOLATION "); ok {
			lines = append(lines, v)
			continue
		}
		if _, err := fmt.Sscanf(line, "REQUESTS %d VIOLATIONS %d", &requests, &violations); err != nil {
			return 0, 0, nil, fmt.Errorf("the server process said %q", line)
		}
	}
	if err := s.cmd.Wait(); err != nil {
		return 0, 0, nil, fmt.Errorf("the server process: %w", err)
	}
	return requests, violations, lines, nil
}

// kill ends the server process if it still runs.
func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// runServer serves the tool loop until in closes, then writes the number
// of requests and violations (and the first violations) to out.
func runServer(latency time.Duration, in io.Reader, out io.Writer) error {
	var calls atomic.Int64
	call := func(name, city string) responses.Item {
		return responsestest.FunctionCall(fmt.Sprintf("call_%d", calls.Add(1)), name, `{"city":"`+city+`"}`)
	}
	srv := responsestest.NewServer(&responsestest.Options{
		Fallback: func(r *responsestest.Received) responsestest.Step {
			outputs := 0
			if r.Request != nil {
				for _, it := range r.Request.Input.Items {
					if it.Type == responses.ItemFunctionCallOutput {
						outputs++
					}
				}
			}
			var step responsestest.Step
			switch outputs {
			case 0:
				step = responsestest.Reply(responsestest.Reasoning("Paris first.", "enc-1"),
					call("get_weather", "Paris"), call("get_time", "Paris"))
			case 2:
				step = responsestest.Reply(responsestest.Reasoning("Now Tokyo.", "enc-2"),
					call("get_weather", "Tokyo"), call("get_time", "Tokyo"))
			default:
				step = responsestest.Reply(responsestest.Message(finalText))
			}
			return step.Delay(latency).Usage(responses.Usage{InputTokens: 200, OutputTokens: 20, TotalTokens: 220})
		},
	})
	defer srv.Close()
	if _, err := fmt.Fprintf(out, "URL %s\n", srv.URL()); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, in)
	var lines []string
	if err := srv.Err(); err != nil {
		lines = strings.Split(err.Error(), "\n")
	}
	for _, l := range lines[:min(len(lines), 5)] {
		fmt.Fprintf(out, "VIOLATION %s\n", l)
	}
	_, err := fmt.Fprintf(out, "REQUESTS %d VIOLATIONS %d\n", len(srv.Requests()), len(lines))
	return err
}
