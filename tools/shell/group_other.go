//go:build !unix

package shell

import (
	"os"
	"os/exec"
)

// setGroup does nothing: process groups are a Unix feature.
func setGroup(*exec.Cmd) {}

// killGroup kills the command's process only: without process groups,
// what it started in the background may outlive it.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// exitCode returns the exit status, or -1 when unknown.
func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	return ps.ExitCode()
}
