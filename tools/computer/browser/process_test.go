//go:build linux

package browser

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// processesUsing counts the running processes started with the profile
// directory dir: Chromium passes it to every child.
func processesUsing(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("/proc missing: cannot count the processes using the profile")
	}
	want := []byte("--user-data-dir=" + dir)
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue // a zombie waiting for its parent's wait: no longer running
		}
		if bytes.Contains(cmdline, want) {
			n++
		}
	}
	return n
}

func waitNoProcesses(t *testing.T, dir string, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n := processesUsing(t, dir)
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	baseline := runtime.NumGoroutine()
	b := New(nil)
	first, cancelFirst := context.WithTimeout(context.Background(), 60*time.Second)
	if err := b.Navigate(first, fix.main.URL+"/"); err != nil { // starts it, with renderers for both sites
		t.Fatal(err)
	}
	// The first call's context bounds that call only: the browser outlives it.
	cancelFirst()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := b.Screenshot(ctx); err != nil {
		t.Fatalf("after the first call's context ended: %v", err)
	}
	// A browser that dies (a crash, the OOM killer) is replaced by the next
	// call, and the dead one's profile is removed.
	crashed := b.s.dataDir
	killGroup(b.s.browser.Process().Pid)
	<-b.s.browser.LostConnection
	if _, err := b.Screenshot(ctx); err != nil {
		t.Fatalf("after a crash: %v", err)
	}
	if b.s.dataDir == crashed {
		t.Error("the crashed browser is still in use")
	}
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Errorf("the crashed browser's profile is still there: %v", err)
	}
	if err := b.Navigate(ctx, fix.main.URL+"/"); err != nil {
		t.Fatal(err)
	}
	dir := b.s.dataDir
	if n := processesUsing(t, dir); n < 2 {
		t.Fatalf("%d Chromium processes before Close, want several", n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := processesUsing(t, dir); n != 0 {
		t.Errorf("%d Chromium processes left after Close", n)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the profile directory is still there: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// Every goroutine the browser started has ended (the fixture server's
	// connection goroutines may take a moment to see their connections go).
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
	if err := b.Do(ctx, click(1, 1, "left")); err != ErrClosed {
		t.Errorf("Do after Close: %v", err)
	}
}

// TestKilledParentLeavesNoProcess kills -9 a process that started a browser
// and checks that Chromium dies with it.
func TestKilledParentLeavesNoProcess(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartBrowser$")
	cmd.Env = append(os.Environ(), helperEnv+"="+fix.main.URL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	var dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "DIR "); ok {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Fatal("the helper did not start a browser")
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if n := processesUsing(t, dir); n < 2 {
		t.Fatalf("%d Chromium processes in the helper, want several", n)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()
	if n := waitNoProcesses(t, dir, 10*time.Second); n != 0 {
		t.Errorf("%d Chromium processes outlived the killed Go process", n)
		killUsing(dir)
	}
	t.Logf("Chromium gone %v after the kill", time.Since(killed))
}

// TestHelperStartBrowser is the child of TestKilledParentLeavesNoProcess.
func TestHelperStartBrowser(t *testing.T) {
	url := os.Getenv(helperEnv)
	if url == "" {
		t.Skip("runs only as the helper process TestKilledParentLeavesNoProcess needs")
	}
	b := New(nil)
	if err := b.Navigate(context.Background(), url+"/"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stdout.WriteString("DIR " + b.s.dataDir + "\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Minute) // until killed
}

func TestRemoveStaleProfiles(t *testing.T) {
	dir := t.TempDir()
	stale := dir + "/" + profilePrefix + "stale"
	fresh := dir + "/" + profilePrefix + "fresh"
	other := dir + "/someone-else"
	for _, d := range []string{stale, fresh, other} {
		if err := os.MkdirAll(d+"/Default", 0o700); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	for _, d := range []string{stale, other} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	removeStaleProfiles(dir, profilePrefix)
	for d, want := range map[string]bool{stale: false, fresh: true, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", d, err == nil, want)
		}
	}
}

// TestLongTempDir: with a TMPDIR too long for Chromium's singleton socket,
// the browser still starts (its temporary files go to a short folder of
// their own), and Close removes that folder too.
func TestLongTempDir(t *testing.T) {
	if missingBrowser != "" {
		t.Skip(missingBrowser)
	}
	long := filepath.Join(os.TempDir(), strings.Repeat("x", 60))
	if err := os.Mkdir(long, 0o700); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(long) }()
	t.Setenv("TMPDIR", long)
	b := New(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := b.Navigate(ctx, fix.main.URL+"/calm"); err != nil {
		t.Fatal(err)
	}
	tmp := b.s.tmpDir
	if tmp == "" || !strings.HasPrefix(tmp, shortTemp+"/"+tempPrefix) {
		t.Fatalf("Chromium's temporary folder %q", tmp)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("%s is still there: %v", tmp, err)
	}
}
