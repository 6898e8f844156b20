// Package shell is the shell tool: it declares the Responses API's shell
// tool and answers the model's shell_call items (and the older
// local_shell_call items) by running their commands through an [Executor],
// by default a [Local] one.
//
//	sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: "/path/to/project"})
//	a := &agent.Agent{Name: "coder", Model: "gpt-5.1", Tools: []tools.Tool{sh}}
//
// Every call needs a person's approval unless Options.NeedsApproval says
// otherwise (see [Tool.NeedsApproval]): a run pauses before any command
// runs, and goes on once the call is approved or rejected (docs/run-state.md).
//
// # What runs, and how
//
// The commands of a shell_call run one after the other, each in a shell of
// its own (a cd in one does not carry over to the next), in Options.Dir,
// each bounded by Options.Timeout or the model's timeout_ms, whichever is
// smaller. Each command's output, stdout and stderr together, is cut to
// Options.MaxOutputLength characters or the model's max_output_length,
// whichever is smaller, keeping its beginning and its end. A command that
// times out ends the call: the commands after it do not run, and the model
// is told. A command that fails (a non-zero exit code) does not: its exit
// code is in its output, and the next command runs.
//
// The local executor is not a sandbox. It filters the environment (API keys
// in this process's environment do not reach commands) and kills what a
// command leaves running, but a command can read and change whatever this
// process's user can. Approve what runs, or run the executor in a
// container. On Linux, [Unshare] as LocalOptions.Wrap takes the network and
// other processes away from commands, not the file system.
package shell

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentloop/agentloop/responses"
)

// Defaults of [Options].
const (
	DefaultTimeout         = 2 * time.Minute
	DefaultMaxOutputLength = 16 * 1024
)

// Options configures a [Tool]. The zero value is valid.
type Options struct {
	// Dir is the working directory of commands. Empty means the
	// executor's default (for [Local], its own Dir, else this process's
	// working directory). A local_shell_call's relative working_directory
	// is taken relative to it.
	Dir string

	// Timeout bounds each command; the model's timeout_ms lowers it.
	// Zero means [DefaultTimeout]. The runner's tool timeout (5 minutes by
	// default) still bounds a whole call.
	Timeout time.Duration

	// MaxOutputLength is how many characters of each command's output
	// (stdout and stderr together) the model gets; the model's
	// max_output_length lowers it. Zero means [DefaultMaxOutputLength].
	MaxOutputLength int

	// NeedsApproval decides whether a call needs a person's approval,
	// seeing its commands. Nil means every call does. A policy that lets
	// read-only commands through:
	//
	//	func(_ context.Context, c shell.Call) (bool, error) {
	//		for _, cmd := range c.Commands {
	//			if cmd != "ls" && cmd != "git status" {
	//				return true, nil
	//			}
	//		}
	//		return false, nil
	//	}
	NeedsApproval func(ctx context.Context, c Call) (bool, error)

	// ToolType forces the declared tool: responses.ToolShell or
	// responses.ToolLocalShell. Empty means by model name in
	// [Tool.DefinitionFor]: local_shell for codex-mini models, shell for
	// the others. The tool answers both kinds of call whatever it
	// declares.
	ToolType string
}

// Call is what an approval policy sees of one shell_call or
// local_shell_call.
type Call struct {
	// Item is the call item.
	Item *responses.Item
	// Commands are the command lines of a shell_call; for a
	// local_shell_call, its program and arguments quoted as one line.
	Commands []string
	// Argv is a local_shell_call's program and arguments.
	Argv []string
	// Dir is where the commands run ("" for the executor's default).
	Dir string
	// Env holds the variables a local_shell_call sets.
	Env map[string]string
	// Timeout bounds each command.
	Timeout time.Duration
}

// Tool is the shell tool. It implements [tools.Tool], [tools.ModelDefiner],
// [tools.ItemTyper], [tools.ItemCaller], [tools.ApprovalPolicy] and
// [tools.Rejecter]. It is safe for concurrent use; the runner runs its calls
// one at a time, in order.
type Tool struct {
	exec Executor
	opts Options
}

// New returns the shell tool running commands with exec. Options may be
// nil.
func New(exec Executor, opts *Options) *Tool {
	t := &Tool{exec: exec}
	if opts != nil {
		t.opts = *opts
	}
	if t.opts.Timeout <= 0 {
		t.opts.Timeout = DefaultTimeout
	}
	if t.opts.MaxOutputLength <= 0 {
		t.opts.MaxOutputLength = DefaultMaxOutputLength
	}
	return t
}

// Definition returns the declaration: Options.ToolType, else
// {"type":"shell","environment":{"type":"local"}}.
func (t *Tool) Definition() responses.Tool { return t.definition(t.opts.ToolType) }

// DefinitionFor returns the declaration for a request to model:
// Options.ToolType when set, else local_shell for codex-mini models (also
// behind a gateway prefix such as "openai/codex-mini-latest") and shell for
// the others.
func (t *Tool) DefinitionFor(model string) responses.Tool {
	typ := t.opts.ToolType
	if typ == "" && strings.Contains(model, "codex-mini") {
		typ = responses.ToolLocalShell
	}
	return t.definition(typ)
}

func (t *Tool) definition(typ string) responses.Tool {
	if typ == responses.ToolLocalShell {
		return responses.Tool{Type: responses.ToolLocalShell}
	}
	return responses.Tool{Type: responses.ToolShell, Environment: "local"}
}

// ItemTypes returns the call types the tool answers: shell_call and
// local_shell_call.
func (t *Tool) ItemTypes() []string {
	return []string{responses.ItemShellCall, responses.ItemLocalShellCall}
}

var errNotFunction = errors.New("shell: shell calls arrive as shell_call items; the runner must use CallItem")

// Call returns an error: shell calls are items, answered by [Tool.CallItem].
func (t *Tool) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errNotFunction
}

// CallOf returns what a policy sees of a shell_call or local_shell_call.
func (t *Tool) CallOf(call *responses.Item) Call {
	c := Call{Item: call, Dir: t.opts.Dir, Timeout: t.opts.Timeout}
	switch call.Type {
	case responses.ItemShellCall:
		if a := call.ShellAction; a != nil {
			c.Commands = a.Commands
			c.Timeout = t.timeout(a.TimeoutMS)
		}
	case responses.ItemLocalShellCall:
		if a := call.LocalShellAction; a != nil {
			c.Argv = a.Command
			c.Commands = []string{quoteArgs(a.Command)}
			c.Env = a.Env
			c.Dir = t.dir(a.WorkingDirectory)
			c.Timeout = t.timeout(a.TimeoutMS)
		}
	}
	return c
}

// NeedsApproval reports whether a call needs approval: what
// Options.NeedsApproval says, and true when it is nil.
func (t *Tool) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	if t.opts.NeedsApproval == nil {
		return true, nil
	}
	return t.opts.NeedsApproval(ctx, t.CallOf(call))
}

// Reject answers a call a person rejected, without running anything.
func (t *Tool) Reject(_ context.Context, call *responses.Item) (responses.Item, error) {
	out := responses.ErrorOutput(call, "Rejected: the user did not approve this call, so no command ran.")
	if out.Type == "" {
		return out, fmt.Errorf("shell: cannot answer a %s", call.Type)
	}
	return out, nil
}

// CallItem runs a shell_call's commands, or a local_shell_call's program,
// and returns its output item. When it returns an error beside the item
// (a command timed out and those after it did not run, the call had no
// command, the context ended), the item is still the answer to send, and
// the error is for the model to read beside it.
func (t *Tool) CallItem(ctx context.Context, call *responses.Item) (responses.Item, error) {
	switch call.Type {
	case responses.ItemShellCall:
		return t.shell(ctx, call)
	case responses.ItemLocalShellCall:
		return t.localShell(ctx, call)
	}
	return responses.Item{}, fmt.Errorf("shell: cannot answer a %s", call.Type)
}

func (t *Tool) shell(ctx context.Context, call *responses.Item) (responses.Item, error) {
	a := call.ShellAction
	if a == nil || len(a.Commands) == 0 {
		err := errors.New("shell: the shell_call has no commands")
		return responses.ErrorOutput(call, "Error: "+err.Error()), err
	}
	timeout := t.timeout(a.TimeoutMS)
	limit := t.limit(a.MaxOutputLength)
	outs := make([]responses.ShellCommandOutput, 0, len(a.Commands))
	for i, line := range a.Commands {
		res, err := t.exec.Run(ctx, Command{Line: line, Dir: t.opts.Dir, Timeout: timeout, MaxOutput: captureBytes(limit)})
		out := responses.ShellCommandOutput{Outcome: responses.ShellOutcome{Type: responses.OutcomeExit, ExitCode: res.ExitCode}}
		out.Stdout, out.Stderr = Truncate(res.Stdout, res.Stderr, limit)
		if res.TimedOut || err != nil && ctx.Err() != nil {
			out.Outcome = responses.ShellOutcome{Type: responses.OutcomeTimeout}
		}
		if err != nil {
			out.Stderr = joinLines(out.Stderr, "agentloop: "+err.Error())
		}
		outs = append(outs, out)
		var stop error
		switch {
		case err != nil:
			stop = err
		case res.TimedOut:
			stop = fmt.Errorf("command %d timed out after %v", i+1, timeout)
		}
		if stop != nil {
			if rest := len(a.Commands) - i - 1; rest > 0 {
				stop = fmt.Errorf("%w; the %s after it did not run", stop, plural(rest, "command"))
			}
			return responses.ShellCallOutput(call, outs), stop
		}
	}
	return responses.ShellCallOutput(call, outs), nil
}

func (t *Tool) localShell(ctx context.Context, call *responses.Item) (responses.Item, error) {
	a := call.LocalShellAction
	if a == nil || len(a.Command) == 0 {
		err := errors.New("shell: the local_shell_call has no command")
		return responses.ErrorOutput(call, "Error: "+err.Error()), err
	}
	if a.User != "" {
		err := fmt.Errorf("shell: commands run as this process's user; running as %q is not supported", a.User)
		return responses.ErrorOutput(call, "Error: "+err.Error()), err
	}
	env := make([]string, 0, len(a.Env))
	for k, v := range a.Env {
		env = append(env, k+"="+v)
	}
	timeout := t.timeout(a.TimeoutMS)
	limit := t.opts.MaxOutputLength
	res, err := t.exec.Run(ctx, Command{Argv: a.Command, Dir: t.dir(a.WorkingDirectory), Env: env,
		Timeout: timeout, MaxOutput: captureBytes(limit)})
	stdout, stderr := Truncate(res.Stdout, res.Stderr, limit)
	text := stdout + stderr
	if err != nil {
		text = joinLines(text, "agentloop: "+err.Error())
	}
	out := responses.Item{Type: responses.ItemLocalShellCallOutput, CallID: call.CallID,
		Output: &responses.ToolOutput{Text: responses.LocalShellOutputText(text, res.ExitCode,
			res.TimedOut || err != nil && ctx.Err() != nil, res.Duration.Seconds())}}
	if err == nil && res.TimedOut {
		err = fmt.Errorf("the command timed out after %v", timeout)
	}
	return out, err
}

// timeout returns the smaller of Options.Timeout and the model's.
func (t *Tool) timeout(ms *int64) time.Duration {
	d := t.opts.Timeout
	if ms != nil && *ms > 0 {
		d = min(d, time.Duration(*ms)*time.Millisecond)
	}
	return d
}

// limit returns the smaller of Options.MaxOutputLength and the model's.
func (t *Tool) limit(n *int64) int {
	l := t.opts.MaxOutputLength
	if n != nil && *n > 0 && *n < int64(l) {
		l = int(*n)
	}
	return l
}

// dir resolves a local_shell_call's working directory against Options.Dir.
func (t *Tool) dir(wd string) string {
	if wd == "" || filepath.IsAbs(wd) || t.opts.Dir == "" {
		return cmp.Or(wd, t.opts.Dir)
	}
	return filepath.Join(t.opts.Dir, wd)
}

// captureBytes is how many bytes of each stream an executor keeps for a
// limit in characters: enough for that many characters of any UTF-8.
func captureBytes(chars int) int { return chars * utf8.UTFMax }

// Truncate cuts stdout and stderr so that together they hold at most limit
// characters: each gets half, or what the other leaves unused, and keeps
// its beginning and its end around a line saying how many characters were
// left out.
func Truncate(stdout, stderr string, limit int) (string, string) {
	no, ne := utf8.RuneCountInString(stdout), utf8.RuneCountInString(stderr)
	if no+ne <= limit {
		return stdout, stderr
	}
	half := limit / 2
	so, se := half, limit-half
	switch {
	case no < so:
		so, se = no, limit-no
	case ne < se:
		so, se = limit-ne, ne
	}
	return cutMiddle(stdout, no, so), cutMiddle(stderr, ne, se)
}

// cutMiddle shortens s, of n characters, to at most limit characters.
func cutMiddle(s string, n, limit int) string {
	if n <= limit {
		return s
	}
	r := []rune(s)
	marker := func(left int64) string { return fmt.Sprintf("\n[… %d characters left out …]\n", left) }
	m := utf8.RuneCountInString(marker(leftOut(s))) // the longest the count can be
	if limit < m+2 {
		return string(r[:limit])
	}
	keep := limit - m
	head := keep / 2
	tail := keep - head
	return string(r[:head]) + marker(leftOut(string(r[head:n-tail]))) + string(r[n-tail:])
}

// leftOut counts the characters of a part cut out of an output, and the
// bytes an executor had left out of it already (see [Command].MaxOutput),
// as characters.
func leftOut(middle string) int64 {
	n := int64(utf8.RuneCountInString(middle))
	const open, close = "\n[… ", " bytes left out …]\n"
	if i := strings.Index(middle, open); i >= 0 {
		rest := middle[i+len(open):]
		if j := strings.Index(rest, close); j > 0 {
			if k, err := strconv.ParseInt(rest[:j], 10, 64); err == nil {
				n += k - int64(utf8.RuneCountInString(middle[i:i+len(open)+j+len(close)]))
			}
		}
	}
	return n
}

func joinLines(a, b string) string {
	if a == "" || strings.HasSuffix(a, "\n") {
		return a + b
	}
	return a + "\n" + b
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// quoteArgs renders argv as a shell would read it back.
func quoteArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = quote(a)
	}
	return strings.Join(q, " ")
}

func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '=' || r == ':' || r == ',' || r == '+' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
