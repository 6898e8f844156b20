//go:build !linux

package browser

import "os/exec"

// setProcAttr leaves the command as it is: process groups and the parent
// death signal are Linux features here. chromedp kills the browser when its
// context ends.
func setProcAttr(cmd *exec.Cmd) {}

func killGroup(pid int) {}

func killLeftovers(dir string) {}

func removeStaleProfiles(dir, prefix string) {}
