package shell_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentloop/agentloop/tools/shell"
	"github.com/google/go-cmp/cmp"
)

func skipUnlessUnix(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("the local executor's tests require a POSIX shell, missing here")
	}
}

// TestLocalRun runs real commands in a temporary directory.
func TestLocalRun(t *testing.T) {
	skipUnlessUnix(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("alpha\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OPENAI_API_KEY", "sk-secret")
	t.Setenv("LC_AGENTLOOP_TEST", "passed")
	ex := shell.NewLocal(&shell.LocalOptions{Dir: dir, Env: []string{"FIXED=1", "OVERRIDE=fixed"}})
	tests := []struct {
		name string
		cmd  shell.Command
		want shell.Result
	}{
		{"stdout", shell.Command{Line: "cat a.txt; pwd"}, shell.Result{Stdout: "alpha\n" + dir + "\n"}},
		{"stderr and exit code", shell.Command{Line: "echo out; echo err >&2; exit 3"}, shell.Result{Stdout: "out\n", Stderr: "err\n", ExitCode: 3}},
		{"command not found", shell.Command{Line: "no-such-command-agentloop"}, shell.Result{ExitCode: 127}},
		{"killed by a signal", shell.Command{Line: "kill -TERM $$"}, shell.Result{ExitCode: 128 + 15}},
		{"dir", shell.Command{Line: "pwd", Dir: filepath.Join(dir)}, shell.Result{Stdout: dir + "\n"}},
		{"argv without a shell", shell.Command{Argv: []string{"printf", "%s|", "a b", "$HOME"}}, shell.Result{Stdout: "a b|$HOME|"}},
		{"environment allowlist", shell.Command{Line: `echo "key=${OPENAI_API_KEY-unset} lc=$LC_AGENTLOOP_TEST fixed=$FIXED over=$OVERRIDE path=${PATH:+set}"`,
			Env: []string{"OVERRIDE=command"}},
			shell.Result{Stdout: "key=unset lc=passed fixed=1 over=command path=set\n"}},
		{"output cap", shell.Command{Line: "printf '0123456789abcdefghij'; printf 'ERR' >&2", MaxOutput: 8},
			shell.Result{Stdout: "0123\n[… 12 bytes left out …]\nghij", Stderr: "ERR"}},
		{"output cap on a UTF-8 boundary", shell.Command{Line: "printf 'ééééé'", MaxOutput: 5},
			shell.Result{Stdout: "é\n[… 6 bytes left out …]\né"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ex.Run(context.Background(), tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "command not found" {
				got.Stderr = "" // the shell's wording varies
			}
			got.Duration = 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("start failure", func(t *testing.T) {
		res, err := ex.Run(context.Background(), shell.Command{Line: "true", Dir: filepath.Join(dir, "missing")})
		if err == nil || res.ExitCode != -1 {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
	t.Run("no environment", func(t *testing.T) {
		bare := shell.NewLocal(&shell.LocalOptions{Shell: []string{"/bin/sh", "-c"}, AllowEnv: []string{}})
		if env := bare.Environ(nil); len(env) != 0 {
			t.Errorf("env %q", env)
		}
		res, err := bare.Run(context.Background(), shell.Command{Line: "echo ${HOME-unset}"})
		if err != nil || res.Stdout != "unset\n" {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
}

// groupAlive lists the processes of process group pgid that still run
// (zombies, which a container's init may never reap, do not count).
func groupAlive(t *testing.T, pgid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("requires /proc to list processes, missing here")
	}
	var alive []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			alive = append(alive, strings.TrimSpace(s[:strings.LastIndexByte(s, ')')+1]))
		}
	}
	return alive
}

// waitGroupGone waits up to 5 seconds for every process of group pgid to
// end, and fails the test with those left.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		alive := groupAlive(t, pgid)
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of group %d still run: %q", pgid, alive)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readInt(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLocalTimeoutKillsProcessTree: a command that starts a background
// grandchild and then hangs is stopped at its timeout, and no process of its
// group is left running.
func TestLocalTimeoutKillsProcessTree(t *testing.T) {
	skipUnlessUnix(t)
	if runtime.GOOS != "linux" {
		t.Skip("requires /proc to list processes, missing here")
	}
	dir := t.TempDir()
	ex := shell.NewLocal(&shell.LocalOptions{Dir: dir})
	start := time.Now()
	res, err := ex.Run(context.Background(), shell.Command{
		Line:    "echo $$ > pgid; sleep 30 & echo $! > child; echo started; sleep 30",
		Timeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.ExitCode != -1 || res.Stdout != "started\n" {
		t.Errorf("res %+v", res)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Run took %v", el)
	}
	pgid := readInt(t, filepath.Join(dir, "pgid"))
	child := readInt(t, filepath.Join(dir, "child"))
	if child == pgid {
		t.Fatal("the background sleep is the shell itself")
	}
	waitGroupGone(t, pgid)
}

// TestLocalBackgroundAfterExit: what a command leaves running in the
// background is killed when it exits, and Run does not wait for it.
func TestLocalBackgroundAfterExit(t *testing.T) {
	skipUnlessUnix(t)
	if runtime.GOOS != "linux" {
		t.Skip("requires /proc to list processes, missing here")
	}
	dir := t.TempDir()
	ex := shell.NewLocal(&shell.LocalOptions{Dir: dir})
	start := time.Now()
	res, err := ex.Run(context.Background(), shell.Command{Line: "echo $$ > pgid; sleep 30 & echo bye"})
	if err != nil || res.ExitCode != 0 || res.Stdout != "bye\n" {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Run waited %v for the background sleep", el)
	}
	waitGroupGone(t, readInt(t, filepath.Join(dir, "pgid")))
}

// TestLocalCancel: cancelling the context stops the command and its
// children, and Run says why.
func TestLocalCancel(t *testing.T) {
	skipUnlessUnix(t)
	if runtime.GOOS != "linux" {
		t.Skip("requires /proc to list processes, missing here")
	}
	dir := t.TempDir()
	ex := shell.NewLocal(&shell.LocalOptions{Dir: dir})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	res, err := ex.Run(ctx, shell.Command{Line: "echo $$ > pgid; (sleep 30; echo never) & sleep 30"})
	if !errors.Is(err, context.Canceled) || res.TimedOut || res.ExitCode != -1 {
		t.Errorf("res %+v, err %v", res, err)
	}
	waitGroupGone(t, readInt(t, filepath.Join(dir, "pgid")))

	if _, err := ex.Run(ctx, shell.Command{Line: "echo $$ > ran"}); !errors.Is(err, context.Canceled) {
		t.Errorf("a command started on a cancelled context: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("the command ran")
	}
}

// TestLocalEscapedProcess: a process that leaves the group (setsid) and
// keeps the output pipe open does not hold Run past PipeGrace.
func TestLocalEscapedProcess(t *testing.T) {
	skipUnlessUnix(t)
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("setsid not found at /usr/bin/setsid")
	}
	dir := t.TempDir()
	ex := shell.NewLocal(&shell.LocalOptions{Dir: dir, PipeGrace: 200 * time.Millisecond})
	start := time.Now()
	res, err := ex.Run(context.Background(), shell.Command{Line: "setsid sleep 30 & echo $! > escaped; echo done"})
	if pid, err := os.ReadFile(filepath.Join(dir, "escaped")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
			t.Cleanup(func() { _ = syscall.Kill(n, syscall.SIGKILL) })
		}
	}
	if err != nil || res.Stdout != "done\n" {
		t.Errorf("res %+v, err %v", res, err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Run took %v", el)
	}
}
