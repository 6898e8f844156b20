package agent

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoHeavyDeps checks that agent and tools import neither chromedp nor
// the Qdrant client (nor gRPC, nor the OTel SDK, nor the MCP go-sdk, which
// only tools/mcp uses).
func TestNoHeavyDeps(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/agentloop/agentloop/agent", "github.com/agentloop/agentloop/tools").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/chromedp/", "github.com/qdrant/", "google.golang.org/grpc", "go.opentelemetry.io/otel/sdk", "github.com/modelcontextprotocol/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("agent or tools depends on %s", dep)
			}
		}
	}
}
