package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/internal/exampletools"
	"github.com/agentloop/agentloop/pricing"
	"github.com/agentloop/agentloop/report"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/tools"
)

// DefaultModel is the model `agentloop run` uses without --model.
const DefaultModel = "gpt-5-mini"

type runFlags struct {
	baseURL, model, instructions, tools string
	workdir                             string
	sandbox                             bool
	stream, json                        bool
	maxTurns                            int
	approve, state                      string
	session                             string
	timeout, idleTimeout                time.Duration
	prices                              string
	report                              string
}

// runSetup is an agent ready to run: what `run` builds from its flags, and
// `resume` from the flags the run was started with.
type runSetup struct {
	f       runFlags
	args    []string // the flags, without the prompt: kept in the state
	prompt  string
	base    string
	key     string
	sf      *storeFlags
	bf      *browserFlags
	mf      *mcpFlags
	trace   *string
	in      *bufio.Reader // the terminal's answers: approvals, the browser's dialogs
	agent   *agent.Agent
	closers []func()
}

func (s *runSetup) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// runFlagSet declares the flags of `run` on a new flag set.
func runFlagSet(env *Env, name, args, summary string) (*flag.FlagSet, *runSetup) {
	fs := newFlags(env, name, args, summary)
	s := &runSetup{}
	f := &s.f
	fs.StringVar(&f.baseURL, "base-url", "", "API base URL (default $OPENAI_BASE_URL, else https://api.openai.com/v1)")
	fs.StringVar(&f.model, "model", DefaultModel, "model name")
	fs.StringVar(&f.instructions, "instructions", "You are a helpful assistant. Use the tools when they help, and answer briefly.", "system instructions")
	fs.StringVar(&f.tools, "tools", "weather", "comma-separated built-in tools: "+strings.Join(toolNames(env), ", ")+" (empty for none)")
	fs.BoolVar(&f.sandbox, "sandbox", false, "with --tools shell: run each command in Linux namespaces of its own (unshare): no network, its own processes; the file system is NOT isolated")
	fs.StringVar(&f.workdir, "workdir", ".", "with --tools shell or apply_patch: the directory commands run in and patches apply to (nothing outside it for apply_patch; shell commands are not confined: approve them)")
	fs.BoolVar(&f.stream, "stream", true, "stream the responses (--stream=false sends plain requests)")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per event on stdout")
	fs.IntVar(&f.maxTurns, "max-turns", runner.DefaultMaxTurns, "maximum model calls")
	addApproveFlags(fs, &f.approve, &f.state)
	fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "the longest one model call may take, retries included (0: no limit)")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", 90*time.Second, "the longest a streamed answer may stay silent before the attempt is retried")
	fs.StringVar(&f.report, "report", "", "write the run as one self-contained HTML page to this file when it ends, pauses or fails")
	fs.StringVar(&f.prices, "prices", "", "a JSON file of model prices (see package pricing) added to OpenAI's built-in ones, for the cost shown")
	fs.StringVar(&f.session, "session", "", "keep the conversation in this session file (JSON lines): a later run, or `agentloop chat --session`, continues it")
	s.sf = addStoreFlags(fs, env)
	s.bf = addBrowserFlags(fs)
	s.mf = addMCPFlags(fs)
	s.trace = addTraceFlag(fs)
	return fs, s
}

func runRun(ctx context.Context, env *Env, args []string) error {
	fs, s := runFlagSet(env, "run", "[flags] PROMPT", "run one agent against OpenAI or an OpenAI-compatible gateway; the final text goes to stdout, progress to stderr")
	flagArgs, words, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	s.args = flagArgs
	s.prompt = strings.TrimSpace(strings.Join(words, " "))
	if s.prompt == "-" || s.prompt == "" && !env.StdinIsTerminal && env.Stdin != nil {
		b, err := io.ReadAll(io.LimitReader(env.stdin(), 10<<20))
		if err != nil {
			return fmt.Errorf("reading the prompt from stdin: %w", err)
		}
		s.prompt = strings.TrimSpace(string(b))
	}
	if s.prompt == "" {
		return fmt.Errorf("%w: a PROMPT is required, as in: agentloop run \"What is the weather in Paris?\" (or `agentloop run -` to read it from stdin)", errUsage)
	}
	if err := s.pinWorkdir(); err != nil {
		return err
	}
	if err := s.build(ctx, env); err != nil {
		return err
	}
	defer s.close()
	meta, err := json.Marshal(cliMeta{Args: s.args})
	if err != nil {
		return err
	}
	return s.drive(ctx, env, func(ctx context.Context, r *runner.Runner, opts ...runner.RunOption) iter.Seq2[runner.Event, error] {
		opts = append(opts, runner.WithMeta(map[string]json.RawMessage{metaKey: meta}))
		if s.f.session != "" {
			opts = append(opts, runner.WithSession(session.NewFile(s.f.session, nil)))
		}
		return r.Stream(ctx, s.agent, runner.Text(s.prompt), opts...)
	})
}

// pinWorkdir makes --workdir absolute in the flags kept in the state, so
// that `agentloop resume` from another directory works on the same files.
func (s *runSetup) pinWorkdir() error {
	dir, err := workdirOf(s.f.workdir)
	if err != nil {
		return err
	}
	s.f.workdir = dir
	s.args = append(s.args[:len(s.args):len(s.args)], "--workdir="+dir)
	return nil
}

// build checks the settings and builds the agent and its tools.
func (s *runSetup) build(ctx context.Context, env *Env) error {
	f := &s.f
	mode, err := approveModeOf(env, f.approve)
	if err != nil {
		return err
	}
	f.approve = mode
	s.key = env.Getenv("OPENAI_API_KEY")
	if s.key == "" {
		return errors.New("OPENAI_API_KEY is not set: export your OpenAI key (or your gateway's key, with OPENAI_BASE_URL=https://<gateway>/v1); `agentloop demo` runs without one")
	}
	base := f.baseURL
	if base == "" {
		base = env.Getenv("OPENAI_BASE_URL")
	}
	if base == "" {
		base = responses.DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: base URL %q is not an http(s) URL such as https://api.openai.com/v1", errUsage, base)
	}
	if err := s.sf.checkBaseURL(base); err != nil {
		return err
	}
	s.base = base
	s.sf.baseURL = base // file_search embeds its queries where the model is
	s.in = bufio.NewReader(env.stdin())
	s.bf.approveMode, s.bf.ask = mode, askDialog(env.Stderr, s.in)
	ts, closeTools, err := buildTools(ctx, env, f.tools, s.sf, s.bf, &codingFlags{workdir: f.workdir, sandbox: f.sandbox})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, closeTools)
	servers, err := s.mf.servers(ctx, env)
	if err != nil {
		s.close()
		s.closers = nil
		return err
	}
	var sets []tools.Toolset
	for _, srv := range servers {
		s.closers = append(s.closers, func() { _ = srv.Close() })
		sets = append(sets, srv)
	}
	s.agent = &agent.Agent{Name: "assistant", Instructions: f.instructions, Model: f.model, Tools: ts, Toolsets: sets}
	return nil
}

// drive runs the agent with start, deciding approvals as --approve says,
// until it ends, pauses or is interrupted.
func (s *runSetup) drive(ctx context.Context, env *Env, start func(context.Context, *runner.Runner, ...runner.RunOption) iter.Seq2[runner.Event, error]) error {
	f := &s.f
	var attempts atomic.Int64 // retries of the model call under way, shown as they happen
	client := responses.NewClient(&responses.Options{BaseURL: s.base, APIKey: s.key, AllowInsecureHTTP: s.sf.allowInsecure,
		RequestTimeout: f.timeout, StreamIdleTimeout: f.idleTimeout,
		OnRetry: func(_ context.Context, info responses.RetryInfo) {
			attempts.Store(int64(info.Attempt))
			if !f.json {
				fmt.Fprintf(env.Stderr, "· %s\n", describeRetry(info))
			}
		}})
	defer client.Close()
	ctx, tr, err := startTracing(ctx, env, *s.trace)
	if err != nil {
		return err
	}
	// stdout holds the answer and nothing else: the span tree goes to
	// stderr.
	defer tr.finish(ctx, env.Stderr, env.Stderr)
	prices, err := loadPrices(f.prices)
	if err != nil {
		return err
	}
	r := runner.New(client, &runner.Options{MaxTurns: f.maxTurns, DisableStreaming: !f.stream, Telemetry: tr.telemetry(s.key), Prices: prices})
	cp := runner.WithCheckpointer(&runner.FileCheckpointer{Path: f.state})

	// On a terminal the answer streams as it is written; otherwise stdout
	// gets the final answer alone, once, so a script can trust it.
	rd := &renderer{out: env.Stdout, progress: env.Stderr, plain: true, buffer: !env.StdoutIsTerminal}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	seq := start(ctx, r, cp)
	in := s.in
	if f.report != "" {
		rec := report.NewRecorder()
		rd.record = rec.Add
		defer func() {
			if err := writeReport(f.report, rec); err != nil {
				fmt.Fprintf(env.Stderr, "· %v\n", err)
			} else {
				fmt.Fprintf(env.Stderr, "· the run's report is in %s\n", f.report)
			}
		}()
	}
	for {
		var res *runner.Result
		var runErr error
		for ev, err := range seq {
			if rd.record != nil {
				rd.record(ev, err)
			}
			if ev.Result != nil && len(ev.Path) == 0 {
				res = ev.Result
			}
			if err != nil {
				runErr = err
				break
			}
			if f.json {
				if err := enc.Encode(toJSONEvent(ev)); err != nil {
					return err
				}
			} else {
				rd.event(ev)
			}
		}
		rd.endLine()
		if runErr != nil && f.json {
			_ = enc.Encode(jsonError(runErr, s.base, int(attempts.Load())+1))
		}
		if runErr != nil {
			if ctx.Err() != nil && res != nil && res.State != nil {
				fmt.Fprintf(env.Stderr, "· interrupted (Ctrl-C): the run's state is saved in %s\n", f.state)
				printResume(env.Stderr, f.state)
				return errPaused
			}
			if res != nil && res.State != nil && res.State.Turn > 0 {
				fmt.Fprintf(env.Stderr, "· the run's state is saved in %s: once the cause is fixed, `agentloop resume %s` goes on from the last step\n", f.state, shellQuote(f.state))
			} else {
				removeState(f.state) // nothing happened worth resuming
			}
			return explainAttempts(runErr, s.base, int(attempts.Load())+1)
		}
		if res == nil {
			return errors.New("the run ended without a result")
		}
		if !res.Paused() {
			if !f.json {
				rd.final(res)
				printCitations(env.Stderr, res.Final)
				cost := ""
				if res.Cost != nil {
					cost = fmt.Sprintf(", $%.4f", *res.Cost)
				} else if prices != nil {
					cost = ", cost unknown (no price for " + s.agent.Model + "; see --prices)"
				}
				fmt.Fprintf(env.Stderr, "· done: %s, %s, %d input / %d output tokens%s\n",
					plural(res.Turns, "turn"), plural(rd.calls, "tool call"), res.Usage.InputTokens, res.Usage.OutputTokens, cost)
			}
			removeState(f.state) // a finished run has nothing to resume
			return nil
		}
		decided, err := decide(env, in, f.approve, res)
		if err != nil {
			return err
		}
		if !decided {
			printPending(env.Stderr, res, f.state)
			return errPaused
		}
		seq = r.ResumeStream(ctx, s.agent, res.State, cp)
	}
}

func toolNames(env *Env) []string {
	names := []string{"weather", "file_search", "browser", "shell", "apply_patch"}
	builtin := len(names)
	for name := range env.Tools {
		names = append(names, name)
	}
	sort.Strings(names[builtin:])
	return names
}

// buildTools returns the tools named in list and a function releasing what
// they hold.
func buildTools(ctx context.Context, env *Env, list string, sf *storeFlags, bf *browserFlags, cf *codingFlags) (_ []tools.Tool, _ func(), err error) {
	var out []tools.Tool
	var closers []func() error
	closeAll := func() {
		for _, c := range closers {
			_ = c()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case "":
		case "weather":
			t, err := exampletools.NewWeatherTool()
			if err != nil {
				return nil, nil, err
			}
			out = append(out, t)
		case "file_search":
			t, c, err := fileSearchTool(ctx, sf)
			if err != nil {
				return nil, nil, err
			}
			out, closers = append(out, t), append(closers, c)
		case "browser":
			ts, c, err := bf.tools()
			if err != nil {
				return nil, nil, err
			}
			out, closers = append(out, ts...), append(closers, func() error { c(); return nil })
		case "shell", "apply_patch":
			dir, err := workdirOf(cf.workdir)
			if err != nil {
				return nil, nil, err
			}
			if name == "shell" {
				t, err := shellTool(ctx, dir, cf.sandbox)
				if err != nil {
					return nil, nil, err
				}
				out = append(out, t)
				break
			}
			t, c, err := applyPatchTool(dir)
			if err != nil {
				return nil, nil, err
			}
			out, closers = append(out, t), append(closers, c)
		default:
			mk := env.Tools[name]
			if mk == nil {
				return nil, nil, fmt.Errorf("%w: unknown tool %q; the tools are: %s", errUsage, name, strings.Join(toolNames(env), ", "))
			}
			t, err := mk()
			if err != nil {
				return nil, nil, err
			}
			out = append(out, t)
		}
	}
	return out, closeAll, nil
}

// explain turns a run's error into one line that says what to do.
func explain(err error, base string) error {
	var apiErr *responses.Error
	if errors.As(err, &apiErr) {
		ids := ""
		if apiErr.RequestID != "" {
			ids += " request id " + apiErr.RequestID
		}
		if apiErr.GatewayRequestID != "" {
			ids += " gateway request id " + apiErr.GatewayRequestID
		}
		if ids != "" {
			ids = " (" + strings.TrimSpace(ids) + ")"
		}
		msg := apiErr.Message
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		switch {
		case apiErr.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("%s rejected the API key (401: %s)%s: check OPENAI_API_KEY, or the gateway's token", base, msg, ids)
		case apiErr.Code == "model_not_found" || (apiErr.StatusCode == http.StatusNotFound && strings.Contains(strings.ToLower(msg), "model")):
			return fmt.Errorf("the model does not exist or this key cannot use it (%s)%s: pick another with --model", msg, ids)
		case apiErr.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%s/responses was not found (404: %s)%s: is OPENAI_BASE_URL right, and does the gateway support the Responses API?", base, msg, ids)
		case apiErr.Code == "insufficient_quota" || apiErr.Code == "insufficient_user_quota" ||
			apiErr.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "quota"):
			return fmt.Errorf("the account is out of quota (%d: %s)%s: add credit, or use another key", apiErr.StatusCode, msg, ids)
		case apiErr.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s refused the request (403: %s)%s: the key may not be allowed this model or region", base, msg, ids)
		case apiErr.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("rate limited (429: %s)%s: wait and try again, or lower the request rate", msg, ids)
		case apiErr.StatusCode >= 500:
			return fmt.Errorf("the endpoint failed (HTTP %d: %s)%s: try again later; a gateway may be overloaded or misconfigured", apiErr.StatusCode, msg, ids)
		case apiErr.StatusCode == http.StatusBadRequest:
			return fmt.Errorf("the request was refused (400: %s)%s: check --model and the tools' schemas", msg, ids)
		case apiErr.Code != "":
			return fmt.Errorf("the model call failed (%s: %s)%s", apiErr.Code, msg, ids)
		}
		return fmt.Errorf("%w", err)
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) || errors.As(err, &opErr) || errors.As(err, &netErr) {
		return fmt.Errorf("cannot reach %s (%v): check the base URL (--base-url, or OPENAI_BASE_URL) and the network", base, rootCause(err))
	}
	switch {
	case errors.Is(err, context.Canceled):
		return errors.New("interrupted (Ctrl-C)")
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("the model call took longer than --timeout: raise it, or try again")
	case errors.Is(err, responses.ErrStreamTruncated):
		return fmt.Errorf("the answer's stream kept being cut (%v): the gateway may close long streams; try --stream=false", rootCause(err))
	case errors.Is(err, runner.ErrMaxTurns):
		return fmt.Errorf("%v: raise --max-turns", err)
	case errors.Is(err, runner.ErrBudget):
		return err
	}
	return err
}

// explainAttempts is explain, saying how many attempts the failing model
// call made.
func explainAttempts(err error, base string, attempts int) error {
	e := explain(err, base)
	var apiErr *responses.Error
	if attempts > 1 && (errors.As(err, &apiErr) || errors.Is(err, responses.ErrStreamTruncated) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("%w (after %d attempts)", e, attempts)
	}
	return e
}

// jsonError is the --json event of a failed run.
func jsonError(err error, base string, attempts int) jsonEvent {
	return jsonEvent{Type: "error", Error: explainAttempts(err, base, attempts).Error(), Attempts: attempts}
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// printCitations lists the file citations of the final message.
func printCitations(w io.Writer, final *responses.Item) {
	if final == nil {
		return
	}
	seen := map[string]bool{}
	for _, p := range final.Content {
		for _, a := range p.Annotations {
			if a.Type != responses.AnnotationFileCitation || seen[a.FileID] {
				continue
			}
			seen[a.FileID] = true
			fmt.Fprintf(w, "· source: %s (%s)\n", fileName(a.Filename), printable(a.FileID))
		}
	}
}

// removeState removes a state file, and the .agentloop folder it is in by
// default when nothing else is in it (never a folder the user named).
func removeState(path string) {
	_ = os.Remove(path)
	if dir := filepath.Dir(path); filepath.Base(dir) == ".agentloop" {
		_ = os.Remove(dir)
	}
}

// parseInterleaved parses flags wherever they are among args (a flag after
// the prompt is a flag, not a word of it; "--" ends the flags) and returns
// the flag arguments and the other words.
func parseInterleaved(fs *flag.FlagSet, args []string) (flagArgs, words []string, err error) {
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return nil, nil, err
		}
		flagArgs = append(flagArgs, rest[:len(rest)-fs.NArg()]...)
		rest = fs.Args()
		if len(rest) == 0 {
			return flagArgs, words, nil
		}
		if len(flagArgs) > 0 && flagArgs[len(flagArgs)-1] == "--" {
			flagArgs = flagArgs[:len(flagArgs)-1]
			return flagArgs, append(words, rest...), nil
		}
		words = append(words, rest[0])
		rest = rest[1:]
	}
}

// describeRetry says what failed and how long the wait is.
func describeRetry(info responses.RetryInfo) string {
	what := "the model call failed"
	var apiErr *responses.Error
	switch {
	case info.StatusCode == http.StatusTooManyRequests:
		what = "rate limited (429)"
	case info.StatusCode >= 500:
		what = fmt.Sprintf("the endpoint failed (HTTP %d)", info.StatusCode)
	case errors.Is(info.Err, responses.ErrStreamTruncated):
		what = "the stream was cut"
	case errors.As(info.Err, &apiErr) && apiErr.Code != "":
		what = "the model call failed (" + apiErr.Code + ")"
	}
	s := fmt.Sprintf("%s; retrying in %s (attempt %d)", what, info.Delay.Round(100*time.Millisecond), info.Attempt+1)
	if info.FallbackModel != "" {
		s = fmt.Sprintf("%s; trying %s instead", what, info.FallbackModel)
	}
	return s
}

// loadPrices returns OpenAI's prices, with those of path added.
func loadPrices(path string) (*pricing.Table, error) {
	table := pricing.Default()
	if path == "" {
		return table, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--prices: %w", err)
	}
	defer f.Close()
	extra, err := pricing.Load(f)
	if err != nil {
		return nil, fmt.Errorf("--prices %s: %w", path, err)
	}
	return table.Merge(extra), nil
}

// writeReport writes a run's HTML report.
func writeReport(path string, rec *report.Recorder) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if err := rec.WriteHTML(f, nil); err != nil {
		f.Close()
		return fmt.Errorf("--report: %w", err)
	}
	return f.Close()
}
