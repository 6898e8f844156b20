// Package testenv runs what the integration tests and the load figure of
// the temporal module need, each in a process of its own: a Temporal server
// (the devserver module) and workers (cmd testworker) that run the agents of
// [Agents].
package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Binaries are the programs the tests run.
type Binaries struct {
	Server string // the devserver
	Worker string // the testworker
}

// Build builds the devserver (a module of its own) and the testworker into
// dir, with the build cache, so a second build costs a link.
func Build(ctx context.Context, dir string) (Binaries, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return Binaries{}, errors.New("testenv: cannot find the source directory")
	}
	internal := filepath.Dir(filepath.Dir(file))
	b := Binaries{Server: filepath.Join(dir, "devserver"), Worker: filepath.Join(dir, "testworker")}
	for _, step := range []struct{ dir, out, pkg string }{
		{filepath.Join(internal, "devserver"), b.Server, "."},
		{filepath.Join(internal, ".."), b.Worker, "./internal/testworker"},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", step.out, step.pkg)
		cmd.Dir = step.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return Binaries{}, fmt.Errorf("testenv: building %s: %w\n%s", step.pkg, err, out)
		}
	}
	return b, nil
}

// Process is a program the tests started.
type Process struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
	err   error
}

// start starts bin with args, its standard error going to logPath; the
// program stops when its standard input closes, and dies with this one.
func start(bin string, args []string, logPath string) (*Process, io.Reader, error) {
	cmd := exec.Command(bin, args...)
	setPdeathsig(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, nil, fmt.Errorf("testenv: starting %s: %w", filepath.Base(bin), err)
	}
	p := &Process{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, stdout, nil
}

// PID returns the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Kill kills the process with SIGKILL and waits for it.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.done
	return nil
}

// CPU returns the CPU time the process used, once it ended.
func (p *Process) CPU() time.Duration {
	select {
	case <-p.done:
		return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	default:
		return 0
	}
}

// Stop closes the process's standard input, which stops it, and waits for
// it; after timeout it kills it.
func (p *Process) Stop(timeout time.Duration) error {
	_ = p.stdin.Close()
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		return p.Kill()
	}
}

// Server is a Temporal server in a process of its own.
type Server struct {
	*Process
	Address   string
	Namespace string
}

// StartServer starts the devserver and waits until it accepts clients.
func StartServer(ctx context.Context, b Binaries, logPath string) (*Server, error) {
	p, stdout, err := start(b.Server, nil, logPath)
	if err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		var addr struct{ Address, Namespace string }
		if err := json.Unmarshal([]byte(line), &addr); err != nil || addr.Address == "" {
			_ = p.Kill()
			return nil, fmt.Errorf("testenv: the server did not start (see %s): %q", logPath, line)
		}
		return &Server{Process: p, Address: addr.Address, Namespace: addr.Namespace}, nil
	case <-ctx.Done():
		_ = p.Kill()
		return nil, ctx.Err()
	}
}

// WorkerConfig configures a testworker.
type WorkerConfig struct {
	Address, Namespace, TaskQueue string
	// ModelURL is the base URL of the Responses server.
	ModelURL string
	// Dir is where the tools leave their marks (see Marks).
	Dir string
	// InlineRequestBytes, HeartbeatTimeout: see temporal.Options.
	InlineRequestBytes int
	HeartbeatTimeout   time.Duration
	// StickyTimeout is the worker's StickyScheduleToStartTimeout.
	StickyTimeout time.Duration
	// Stream streams the model's responses.
	Stream bool
	// Pollers is the number of task pollers of each kind (0: the SDK's
	// default).
	Pollers int
}

// Args returns the testworker's command line for c.
func (c WorkerConfig) Args() []string {
	return []string{"-address", c.Address, "-namespace", c.Namespace, "-queue", c.TaskQueue, "-model", c.ModelURL,
		"-dir", c.Dir, "-inline", strconv.Itoa(c.InlineRequestBytes), "-heartbeat", c.HeartbeatTimeout.String(),
		"-sticky", c.StickyTimeout.String(), "-stream=" + strconv.FormatBool(c.Stream), "-pollers", strconv.Itoa(c.Pollers)}
}

// StartWorker starts a testworker and waits until it polls its task queue.
func StartWorker(ctx context.Context, b Binaries, c WorkerConfig, logPath string) (*Process, error) {
	p, stdout, err := start(b.Worker, c.Args(), logPath)
	if err != nil {
		return nil, err
	}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = p.Kill()
			return nil, fmt.Errorf("testenv: the worker did not start (see %s)", logPath)
		}
		return p, nil
	case <-ctx.Done():
		_ = p.Kill()
		return nil, ctx.Err()
	}
}

// Marks returns the marks the tools left in dir whose names start with
// prefix, sorted.
func Marks(dir, prefix string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

// mark leaves a mark named name in dir, with a counter when one exists
// (O_EXCL picks the first free name, also between processes).
func mark(dir, name string) error {
	path := filepath.Join(dir, name)
	for i := 2; ; i++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			return f.Close()
		}
		if !errors.Is(err, os.ErrExist) {
			return err
		}
		path = filepath.Join(dir, name+"."+strconv.Itoa(i))
	}
}
