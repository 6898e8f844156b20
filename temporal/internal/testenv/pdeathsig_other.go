//go:build !linux

package testenv

import "os/exec"

// setPdeathsig does nothing here: the child stops when its standard input
// closes.
func setPdeathsig(*exec.Cmd) {}
