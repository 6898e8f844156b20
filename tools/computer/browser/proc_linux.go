//go:build linux

package browser

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// setProcAttr puts Chromium in a process group of its own, so close can kill
// it with all its children, and has the kernel SIGKILL it when the thread
// that started it (chromedp locks it for the browser's life) or the whole Go
// process dies.
func setProcAttr(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// killGroup kills the process group pid leads.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// killLeftovers kills any process still running with the profile directory
// dir, which Chromium passes to all its children: one that left the process
// group would otherwise survive.
func killLeftovers(dir string) {
	if dir == "" {
		return
	}
	for range 3 {
		if killUsing(dir) == 0 {
			return
		}
	}
}

func killUsing(dir string) int {
	want := []byte("--user-data-dir=" + dir)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
			if bytes.Equal(arg, want) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				n++
				break
			}
		}
	}
	return n
}

// removeStaleProfiles removes the profile directories (dir/prefix*) that
// browsers of killed programs left behind: older than a minute, and used by
// no running process.
func removeStaleProfiles(dir, prefix string) {
	matches, err := filepath.Glob(filepath.Join(dir, prefix+"*"))
	if err != nil || len(matches) == 0 {
		return
	}
	inUse := map[string]bool{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
			if d, ok := strings.CutPrefix(string(arg), "--user-data-dir="); ok {
				inUse[d] = true
			}
		}
	}
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil || !st.IsDir() || time.Since(st.ModTime()) < time.Minute || inUse[m] {
			continue
		}
		_ = os.RemoveAll(m)
	}
}
