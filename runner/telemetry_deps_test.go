package runner_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreDependencies checks that the library packages import only the
// OpenTelemetry API: never the SDK or an exporter (programs choose those),
// nor chromedp or the Qdrant client.
func TestCoreDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: requires go list -deps, which is slow-ish")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found on PATH")
	}
	core := []string{
		"github.com/agentloop/agentloop/runner",
		"github.com/agentloop/agentloop/responses",
		"github.com/agentloop/agentloop/agent",
		"github.com/agentloop/agentloop/tools",
		"github.com/agentloop/agentloop/vectorstore",
		"github.com/agentloop/agentloop/internal/genai",
	}
	forbidden := []string{
		"go.opentelemetry.io/otel/sdk",
		"go.opentelemetry.io/otel/exporters",
		"go.opentelemetry.io/proto/otlp",
		"github.com/chromedp/",
		"github.com/qdrant/",
		"google.golang.org/grpc",
		"github.com/modelcontextprotocol/", // only tools/mcp uses the MCP go-sdk
	}
	for _, pkg := range core {
		out, err := exec.Command(goTool, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Errorf("go list -deps %s: %v\n%s", pkg, err, out)
			continue
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
