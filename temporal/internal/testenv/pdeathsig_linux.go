package testenv

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the child die with the test process.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
