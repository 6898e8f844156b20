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
	"net/url"
	"path/filepath"
	"strings"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/session"
)

// ExitPaused is the exit status of a run that paused for approvals or was
// interrupted: not a failure; `agentloop resume` continues it.
const ExitPaused = 3

// errPaused ends a command whose run paused; the pending calls and the
// command that resumes the run are printed already.
var errPaused = errors.New("paused")

// DefaultStatePath is where a run's state is kept without --state.
var defaultStatePath = filepath.Join(".agentloop", "state.json")

// Approval modes of --approve.
const (
	approveAsk    = "ask"
	approveAlways = "always"
	approveNever  = "never"
	approvePause  = "pause"
)

// metaKey names the CLI's data in a state's Meta.
const metaKey = "agentloop.cli"

// cliMeta is what `resume` needs to rebuild the agent: the flags of `run`.
type cliMeta struct {
	Args []string `json:"args"`
}

func addApproveFlags(fs *flag.FlagSet, approve, state *string) {
	fs.StringVar(approve, "approve", "", "what to do with calls that need approval: ask (on the terminal; the default there), always, never (reject them; the model is told), pause (save the state and exit with status 3; the default otherwise)")
	fs.StringVar(state, "state", defaultStatePath, "file keeping the run's state, for `agentloop resume` after a pause, Ctrl-C or a crash")
}

// approveModeOf checks --approve and picks the default.
func approveModeOf(env *Env, mode string) (string, error) {
	switch mode {
	case "":
		if env.StdinIsTerminal {
			return approveAsk, nil
		}
		return approvePause, nil
	case approveAsk, approveAlways, approveNever, approvePause:
		return mode, nil
	}
	return "", fmt.Errorf("%w: --approve %q: want ask, always, never or pause", errUsage, mode)
}

// decide decides the pending calls of a paused run as mode says, and
// reports false when the run must stay paused.
func decide(env *Env, in *bufio.Reader, mode string, res *runner.Result) (bool, error) {
	st := res.State
	switch mode {
	case approvePause:
		return false, nil
	case approveAlways:
		for _, p := range st.Pending() {
			if err := st.Approve(p.CallID); err != nil {
				return false, err
			}
		}
		return true, nil
	case approveNever:
		for _, p := range st.Pending() {
			if err := st.Reject(p.CallID, "calls that need approval are rejected in this session (--approve never)"); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	for _, in0 := range res.Interruptions {
		rec := pendingRecord(st, in0.CallID)
		if rec == nil {
			continue // decided already by an "always" answer
		}
		for {
			fmt.Fprintf(env.Stderr, "? %s %s%s\n  approve? [y]es, [n]o (or: n MESSAGE), [a]lways for %s: ",
				in0.Tool, clip(callArgs(in0.Call), 200), where(st, in0.Call), in0.Tool)
			line, err := in.ReadString('\n')
			if err != nil && line == "" {
				fmt.Fprintln(env.Stderr)
				return false, nil // no answer: stay paused
			}
			line = strings.TrimSpace(line)
			answer, msg, _ := strings.Cut(line, " ")
			var d runner.Decision
			switch strings.ToLower(answer) {
			case "y", "yes":
				d = runner.Decision{Approve: true}
			case "a", "always":
				d = runner.Decision{Approve: true, Scope: runner.ScopeTool}
			case "n", "no":
				d = runner.Decision{Message: strings.TrimSpace(msg)}
			default:
				continue
			}
			if err := st.Decide(in0.CallID, d); err != nil {
				return false, err
			}
			break
		}
	}
	return true, nil
}

// pendingRecord returns the record of a call still awaiting a decision
// (in a nested run too), or nil.
func pendingRecord(st *runner.State, callID string) *runner.CallRecord {
	for _, rec := range st.Pending() {
		if rec.CallID == callID {
			return &rec
		}
	}
	return nil
}

// where names the page a computer call acts on: the domain of the last
// screenshot.
func where(st *runner.State, call *responses.Item) string {
	if call == nil || call.Type != responses.ItemComputerCall {
		return ""
	}
	for i := len(st.History) - 1; i >= 0; i-- {
		it := &st.History[i]
		if it.Type == responses.ItemComputerCallOutput && it.Screenshot != nil && it.Screenshot.CurrentURL != "" {
			if u, err := url.Parse(it.Screenshot.CurrentURL); err == nil && u.Host != "" {
				return " on " + u.Host
			}
			return " on " + it.Screenshot.CurrentURL
		}
	}
	return ""
}

// printPending lists the calls a paused run waits for, and how to go on.
func printPending(w io.Writer, res *runner.Result, path string) {
	fmt.Fprintf(w, "· paused: %s awaiting approval; the run's state is saved in %s\n", plural(len(res.Interruptions), "call"), path)
	for _, in := range res.Interruptions {
		fmt.Fprintf(w, "  %s  %s %s%s\n", in.CallID, in.Tool, clip(callArgs(in.Call), 200), where(res.State, in.Call))
	}
	printResume(w, path)
}

func printResume(w io.Writer, path string) {
	fmt.Fprintf(w, "· resume with: agentloop resume %s [--approve ask|always|never] [--approve-call ID]... [--reject-call ID=MESSAGE]...\n", shellQuote(path))
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runResume(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "resume", "[flags] [STATE]", "continue a run that paused for approvals, was interrupted or crashed, from its state file (default "+defaultStatePath+")")
	var approve string
	var approveCalls, rejectCalls listFlag
	fs.StringVar(&approve, "approve", "", "what to do with calls that still need approval: ask (the default on a terminal), always, never, pause (the default otherwise)")
	fs.Var(&approveCalls, "approve-call", "approve the pending call with this call id (repeatable)")
	fs.Var(&rejectCalls, "reject-call", "reject the pending call ID, telling the model MESSAGE: ID=MESSAGE (repeatable)")
	jsonOut := fs.Bool("json", false, "print one JSON object per event on stdout")
	baseURL := fs.String("base-url", "", "API base URL (default: the run's, else $OPENAI_BASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: one state file at most, got %q", errUsage, fs.Args())
	}
	path := defaultStatePath
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	st, err := runner.ReadStateFile(path)
	if err != nil {
		return err
	}
	var meta cliMeta
	if raw := st.Meta[metaKey]; raw == nil {
		return fmt.Errorf("%s: this state was not written by `agentloop run` (it has no %q data); resume it from the program that started it", path, metaKey)
	} else if err := json.Unmarshal(raw, &meta); err != nil {
		return fmt.Errorf("%s: %s: %w", path, metaKey, err)
	}
	rfs, s := runFlagSet(env, "resume", "", "")
	rfs.SetOutput(io.Discard)
	if err := rfs.Parse(meta.Args); err != nil {
		return fmt.Errorf("%s: the flags the run started with (%q) no longer parse: %w", path, meta.Args, err)
	}
	s.f.approve, s.f.state, s.f.json = approve, path, *jsonOut
	if *baseURL != "" {
		s.f.baseURL = *baseURL
	}
	for _, id := range approveCalls {
		if err := st.Approve(id); err != nil {
			return fmt.Errorf("%w: --approve-call %s: %w", errUsage, id, err)
		}
	}
	for _, v := range rejectCalls {
		id, msg, _ := strings.Cut(v, "=")
		if err := st.Reject(id, msg); err != nil {
			return fmt.Errorf("%w: --reject-call %s: %w", errUsage, id, err)
		}
	}
	if err := s.build(ctx, env); err != nil {
		return err
	}
	defer s.close()
	return s.drive(ctx, env, func(ctx context.Context, r *runner.Runner, opts ...runner.RunOption) iter.Seq2[runner.Event, error] {
		if s.f.session != "" {
			opts = append(opts, runner.WithSession(session.NewFile(s.f.session, nil)))
		}
		return r.ResumeStream(ctx, s.agent, st, opts...)
	})
}
