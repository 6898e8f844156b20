package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Executor runs one command. Implementations decide where (this machine, a
// container, a remote sandbox) and must be safe for concurrent use.
//
// Run returns the command's outcome: its exit code, or TimedOut when it ran
// longer than Command.Timeout and was stopped. When ctx ends first, the
// command is stopped too, and Run returns what it captured with an error
// wrapping the context's cause; it also returns an error when the command
// could not start. Run returns only once nothing the command started is
// left running (as far as the executor can tell).
type Executor interface {
	Run(ctx context.Context, cmd Command) (Result, error)
}

// Command is one command for an [Executor].
type Command struct {
	// Line is a command line for the executor's shell (a shell_call's
	// command). Empty when Argv is set.
	Line string
	// Argv, when set, is a program and its arguments, run without a shell
	// (a local_shell_call's command).
	Argv []string
	// Dir is the working directory; empty means the executor's default.
	Dir string
	// Env holds variables ("KEY=value") set for this command, on top of
	// the environment the executor passes on.
	Env []string
	// Timeout bounds how long the command may run; zero means no bound
	// but ctx's.
	Timeout time.Duration
	// MaxOutput bounds the bytes kept of stdout, and of stderr: past it,
	// the first and last halves are kept, with a line saying how much was
	// left out between them. Zero means [DefaultMaxOutput].
	MaxOutput int
}

// DefaultMaxOutput is the default of Command.MaxOutput: 1 MiB of stdout and
// of stderr.
const DefaultMaxOutput = 1 << 20

// Result is how a command ended.
type Result struct {
	Stdout, Stderr string
	// ExitCode is the command's exit status; 128+N when a signal N ended
	// it; -1 when it did not end on its own (TimedOut, or stopped because
	// the context ended) or did not start.
	ExitCode int
	// TimedOut reports that the command ran past Command.Timeout and was
	// stopped.
	TimedOut bool
	// Duration is how long it ran.
	Duration time.Duration
}

// LocalOptions configures a [Local] executor. The zero value is valid.
type LocalOptions struct {
	// Shell is the program that runs command lines, with the arguments
	// that come before the line. Nil means {"bash", "-c"} when bash is on
	// PATH, else {"/bin/sh", "-c"}.
	Shell []string

	// AllowEnv names the variables of this process that commands see; a
	// name ending in "*" matches every name with that prefix. Nil means
	// [DefaultAllowEnv]; empty (not nil) passes none. Whatever it does not
	// name (API keys, tokens, cloud credentials) stays out of commands.
	AllowEnv []string

	// Env holds variables ("KEY=value") set for every command, after those
	// AllowEnv lets through and before those of the command itself.
	Env []string

	// Dir is the working directory of commands that name none. Empty
	// means this process's working directory.
	Dir string

	// Wrap is a program, with its arguments, that every command runs
	// under, such as a sandbox's launcher (see [Unshare]): the command's
	// own program and arguments follow them.
	Wrap []string

	// PipeGrace is how long Run waits, after the command and its process
	// group are gone, for the output pipes to close (a process that left
	// the group may still hold them). Zero means 2 seconds.
	PipeGrace time.Duration
}

// DefaultAllowEnv returns the variables a [Local] executor passes on by
// default: PATH, HOME, USER, LOGNAME, SHELL, TERM, TZ, TMPDIR, LANG,
// LANGUAGE and LC_*.
func DefaultAllowEnv() []string {
	return []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TZ", "TMPDIR", "LANG", "LANGUAGE", "LC_*"}
}

// Local runs commands on this machine, as this process's user, each in a
// process group of its own (on Unix). When a command ends, times out or
// its context ends, the whole group is killed (SIGKILL), so background
// processes it started do not outlive it; a process that leaves the group
// (setsid, a daemon) escapes this.
//
// Local is not a sandbox: a command can read and write whatever this
// process's user can, reach the network, and change the directory it runs
// in. Only the environment is filtered. Run commands you have not approved
// only in a container or a VM.
type Local struct {
	opts  LocalOptions
	shell []string
}

// NewLocal returns a local executor. Options may be nil.
func NewLocal(opts *LocalOptions) *Local {
	l := &Local{}
	if opts != nil {
		l.opts = *opts
	}
	l.shell = l.opts.Shell
	if len(l.shell) == 0 {
		l.shell = []string{"/bin/sh", "-c"}
		if p, err := exec.LookPath("bash"); err == nil {
			l.shell = []string{p, "-c"}
		}
	}
	if l.opts.AllowEnv == nil {
		l.opts.AllowEnv = DefaultAllowEnv()
	}
	if l.opts.PipeGrace <= 0 {
		l.opts.PipeGrace = 2 * time.Second
	}
	return l
}

// Environ returns the environment a command with extra variables gets:
// this process's variables that AllowEnv names, then Options.Env, then
// extra. A later entry for a name replaces an earlier one.
func (l *Local) Environ(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if allowed(name, l.opts.AllowEnv) {
			env = append(env, kv)
		}
	}
	env = append(env, l.opts.Env...)
	env = append(env, extra...)
	return dedupEnv(env)
}

func allowed(name string, allow []string) bool {
	for _, a := range allow {
		if p, ok := strings.CutSuffix(a, "*"); ok && strings.HasPrefix(name, p) || a == name {
			return true
		}
	}
	return false
}

// dedupEnv keeps the last entry of each name, in the order of first
// appearance.
func dedupEnv(env []string) []string {
	last := make(map[string]int, len(env))
	for i, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		last[name] = i
	}
	out := make([]string, 0, len(env)) // never nil: a nil Env would pass on all of this process's
	for i, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if last[name] == i {
			out = append(out, kv)
		}
	}
	return out
}

// Run runs the command (see [Executor]). Its stdin is empty.
func (l *Local) Run(ctx context.Context, c Command) (Result, error) {
	if err := context.Cause(ctx); err != nil {
		return Result{ExitCode: -1}, fmt.Errorf("shell: not started: %w", err)
	}
	var argv []string
	switch {
	case len(c.Argv) > 0:
		argv = c.Argv
	case c.Line != "":
		argv = append(append([]string(nil), l.shell...), c.Line)
	default:
		return Result{ExitCode: -1}, errors.New("shell: empty command")
	}
	argv = append(append([]string(nil), l.opts.Wrap...), argv...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.Dir
	if cmd.Dir == "" {
		cmd.Dir = l.opts.Dir
	}
	cmd.Env = l.Environ(c.Env)
	setGroup(cmd)

	limit := c.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	stdout, stderr := newCapBuffer(limit), newCapBuffer(limit)
	outR, outW, err := os.Pipe()
	if err != nil {
		return Result{ExitCode: -1}, fmt.Errorf("shell: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return Result{ExitCode: -1}, fmt.Errorf("shell: %w", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	start := time.Now()
	err = cmd.Start()
	// The child has its own copies of the write ends; closing ours lets the
	// readers see the end of output once every process holding them ends.
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return Result{ExitCode: -1}, fmt.Errorf("shell: start: %w", err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); _, _ = io.Copy(stdout, outR) }()
	go func() { defer readers.Done(); _, _ = io.Copy(stderr, errR) }()

	// Wait's error says nothing ProcessState does not: the exit status is
	// read from there below.
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	var timeout <-chan time.Time
	if c.Timeout > 0 {
		t := time.NewTimer(c.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var timedOut bool
	var ctxErr error
	select {
	case <-waited:
	case <-timeout:
		timedOut = true
		killGroup(cmd)
		<-waited
	case <-ctx.Done():
		ctxErr = context.Cause(ctx)
		killGroup(cmd)
		<-waited
	}
	dur := time.Since(start)
	// The command is gone; end what it left running in its group, which
	// also closes the pipes those processes hold.
	killGroup(cmd)
	readersDone := make(chan struct{})
	go func() { readers.Wait(); close(readersDone) }()
	grace := time.NewTimer(l.opts.PipeGrace)
	select {
	case <-readersDone:
	case <-grace.C:
		// A process outside the group holds a pipe: stop reading.
		outR.Close()
		errR.Close()
		<-readersDone
	}
	grace.Stop()
	outR.Close()
	errR.Close()

	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: exitCode(cmd.ProcessState),
		TimedOut: timedOut, Duration: dur}
	if timedOut || ctxErr != nil {
		res.ExitCode = -1
	}
	if ctxErr != nil {
		return res, fmt.Errorf("shell: stopped: %w", ctxErr)
	}
	return res, nil
}

// capBuffer keeps the first and last halves of what is written past its
// limit, and counts what it leaves out.
type capBuffer struct {
	mu      sync.Mutex
	limit   int
	head    []byte
	tail    []byte // a ring once full
	next    int    // where the ring's next byte goes
	wrapped bool
	total   int64
}

func newCapBuffer(limit int) *capBuffer {
	return &capBuffer{limit: limit}
}

func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	b.total += int64(n)
	headMax := b.limit / 2
	if room := headMax - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	tailMax := b.limit - headMax
	for len(p) > 0 && tailMax > 0 {
		if len(b.tail) < tailMax {
			k := min(tailMax-len(b.tail), len(p))
			b.tail = append(b.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(b.tail[b.next:], p)
		p = p[k:]
		b.next += k
		if b.next == tailMax {
			b.next = 0
		}
		b.wrapped = true
	}
	return n, nil
}

// String returns what was kept, valid UTF-8, with a line saying how many
// bytes were left out in the middle, if any.
func (b *capBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := b.tail
	if b.wrapped {
		tail = append(append([]byte(nil), b.tail[b.next:]...), b.tail[:b.next]...)
	}
	kept := int64(len(b.head) + len(tail))
	if kept == b.total {
		return strings.ToValidUTF8(string(b.head)+string(tail), "\uFFFD")
	}
	head := trimPartialEnd(b.head)
	tail = trimPartialStart(tail)
	omitted := b.total - int64(len(head)+len(tail))
	var s bytes.Buffer
	s.Write(head)
	fmt.Fprintf(&s, "\n[… %d bytes left out …]\n", omitted)
	s.Write(tail)
	return strings.ToValidUTF8(s.String(), "\uFFFD")
}

// trimPartialEnd drops an incomplete UTF-8 sequence at the end of b.
func trimPartialEnd(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// trimPartialStart drops continuation bytes at the start of b.
func trimPartialStart(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.RuneStart(b[0]); i++ {
		b = b[1:]
	}
	return b
}
