package shell_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/tools/shell"
)

// TestUnshare runs commands under shell.Unshare where the machine allows
// it: no network (not even this machine's loopback), a PID namespace of
// their own, and a timeout that still ends everything.
func TestUnshare(t *testing.T) {
	wrap, err := shell.Unshare(context.Background())
	if err != nil {
		t.Skipf("requires user namespaces (unshare), unavailable here: %v", err)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("requires bash for its /dev/tcp, missing here")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	connect := fmt.Sprintf("(exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null && echo connected || echo unreachable", port)

	plain := shell.NewLocal(nil)
	if res, err := plain.Run(context.Background(), shell.Command{Line: connect}); err != nil || res.Stdout != "connected\n" {
		t.Fatalf("without the sandbox: %+v, %v", res, err)
	}
	sb := shell.NewLocal(&shell.LocalOptions{Wrap: wrap})
	for _, tt := range []struct{ line, want string }{
		{connect, "unreachable\n"},
		{"echo $$", "1\n"},
		{"n=$(ls /proc | grep -c '^[0-9]'); [ $n -le 4 ] && echo few", "few\n"}, // the shell, ls and grep at most
	} {
		res, err := sb.Run(context.Background(), shell.Command{Line: tt.line, Timeout: 10 * time.Second})
		if err != nil || res.Stdout != tt.want {
			t.Errorf("%s: %+v, %v; want %q", tt.line, res, err, tt.want)
		}
	}
	start := time.Now()
	res, err := sb.Run(context.Background(), shell.Command{Line: "sleep 30 & sleep 30", Timeout: 300 * time.Millisecond})
	if err != nil || !res.TimedOut || time.Since(start) > 5*time.Second {
		t.Errorf("timeout: %+v, %v after %v", res, err, time.Since(start))
	}
	if !strings.HasSuffix(wrap[0], "unshare") {
		t.Errorf("wrap %q", wrap)
	}
}
