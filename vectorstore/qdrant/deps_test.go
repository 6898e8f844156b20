package qdrant_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreHasNoQdrantDependency checks that the core packages do not pull
// in the Qdrant client or gRPC: only this package may.
func TestCoreHasNoQdrantDependency(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found on PATH: cannot list dependencies")
	}
	core := []string{"responses", "agent", "tools", "tools/filesearch", "runner", "vectorstore", "vectorstore/vectorstoretest"}
	args := []string{"list", "-e", "-deps", "-f", "{{.ImportPath}}"}
	for _, p := range core {
		args = append(args, "github.com/agentloop/agentloop/"+p)
	}
	out, err := exec.Command(gobin, args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/qdrant/") || strings.HasPrefix(dep, "google.golang.org/grpc") {
			t.Errorf("a core package depends on %s", dep)
		}
	}
}
