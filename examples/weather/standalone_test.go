package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestExamplesStandAlone: no example imports an internal package of
// agentloop, so each can be copied into a module of its own.
func TestExamplesStandAlone(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is missing from PATH: it lists the examples' imports")
	}
	out, err := exec.Command(gobin, "list", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, "github.com/agentloop/agentloop/examples/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.Contains(line, "github.com/agentloop/agentloop/internal/") {
			t.Errorf("%s", line)
		}
	}
}
