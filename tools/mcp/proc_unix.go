//go:build unix

package mcp

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes the command the leader of a process group of its
// own, so that killGroup reaches its children too.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills what is left of the command's process group once the
// command itself was waited for: children that outlived it.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.Process.Pid <= 0 {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
