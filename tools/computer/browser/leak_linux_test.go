//go:build linux

package browser

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// suiteLeaks is what TestMain counts around the suite: the Chromium
// processes and the files the suite's browsers leave behind.
//
// The suite's profiles go to a temporary directory of its own (TMPDIR), so
// that its processes and folders are told apart from those of programs
// running beside it: every Chromium process carries its profile in
// --user-data-dir. Chromium's own temporary files (org.chromium.Chromium.*)
// and crash reports go to the profiles too, so the directory must end
// empty.
type suiteLeaks struct {
	tmp    string // the suite's TMPDIR
	exe    string // the Chromium binary, "" when there is none
	before int    // processes of exe running before the suite, anyone's
}

// startLeakCount points TMPDIR at a new directory and counts the Chromium
// processes running now.
func startLeakCount() (*suiteLeaks, error) {
	// Short: Chromium's singleton socket must fit in TMPDIR/profile/…
	// (see maxSocketPath), or its temporary files would go elsewhere.
	tmp, err := os.MkdirTemp("", "agentloop-suite-")
	if err != nil {
		return nil, err
	}
	if err := os.Setenv("TMPDIR", tmp); err != nil {
		return nil, err
	}
	l := &suiteLeaks{tmp: tmp}
	if exe, err := FindChromium(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		l.exe = exe
		l.before, _ = chromiumProcesses(exe, "")
	}
	return l, nil
}

// finish waits up to ten seconds for the suite's Chromium processes to end,
// then reports those left and the profile folders left, and removes the
// suite's TMPDIR.
func (l *suiteLeaks) finish() error {
	defer func() { _ = os.RemoveAll(l.tmp) }()
	mine := "--user-data-dir=" + l.tmp + string(filepath.Separator)
	var left []int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, left = chromiumProcesses("", mine)
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	// Anything left: a profile, or one of Chromium's temporary files.
	var folders []string
	entries, _ := os.ReadDir(l.tmp)
	for _, e := range entries {
		folders = append(folders, filepath.Join(l.tmp, e.Name()))
	}
	if len(left) == 0 && len(folders) == 0 {
		return nil
	}
	after := 0
	if l.exe != "" {
		after, _ = chromiumProcesses(l.exe, "")
	}
	for _, pid := range left {
		killGroup(pid)
	}
	return fmt.Errorf("browser suite: %d Chromium processes (pids %v) and %d files or folders (%q) outlived the suite; processes of %s: %d before, %d after",
		len(left), left, len(folders), folders, l.exe, l.before, after)
}

// chromiumProcesses counts the running processes (zombies excluded) whose
// binary is exe, when exe is set, and returns the pids of those whose
// command line holds argPrefix, when argPrefix is set.
func chromiumProcesses(exe, argPrefix string) (n int, pids []int) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, nil
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		dir := "/proc/" + e.Name()
		stat, _ := os.ReadFile(dir + "/stat")
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue
		}
		if exe != "" {
			if p, err := os.Readlink(dir + "/exe"); err != nil || p != exe {
				continue
			}
			n++
		}
		// Chromium's children rewrite their command line as one string, so
		// the argument is looked for anywhere in it.
		if argPrefix != "" {
			if cmdline, _ := os.ReadFile(dir + "/cmdline"); bytes.Contains(cmdline, []byte(argPrefix)) {
				pids = append(pids, pid)
			}
		}
	}
	return n, pids
}
