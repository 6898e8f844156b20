package shell

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"time"
)

// Unshare returns a [LocalOptions].Wrap that runs each command in new Linux
// namespaces with util-linux's unshare, when this machine allows it (it
// runs a probe command to find out), or an error saying why not.
//
// What it isolates:
//
//   - the network: the command sees only a loopback interface of its own,
//     down; it reaches no host, this machine's services included;
//   - processes: the command is PID 1 of a PID namespace of its own, sees
//     (in /proc, ps) and can signal only what it started, and everything it
//     started dies with it, daemons included;
//   - user ids: it runs in a user namespace mapped to this process's user,
//     with no more rights on the machine than that user.
//
// What it does not isolate: the file system. The command reads and writes
// every file this process's user can, outside the working directory too.
// Use a container or a VM for that.
func Unshare(ctx context.Context) ([]string, error) {
	if runtime.GOOS != "linux" {
		return nil, errors.New("shell: unshare is Linux only")
	}
	bin, err := exec.LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("shell: unshare is not installed (util-linux): %w", err)
	}
	common := []string{"--net", "--pid", "--fork", "--kill-child", "--mount-proc"}
	var last error
	for _, user := range [][]string{{"--map-current-user"}, {"--user", "--map-root-user"}} {
		wrap := append(append([]string{bin}, user...), common...)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		out, err := exec.CommandContext(ctx, wrap[0], append(wrap[1:], "true")...).CombinedOutput()
		cancel()
		if err == nil {
			return wrap, nil
		}
		last = fmt.Errorf("%w: %s", err, out)
	}
	return nil, fmt.Errorf("shell: this machine does not let unshare create namespaces (unprivileged user namespaces may be off): %w", last)
}
