package filesearch_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies checks that the tool uses only the OpenTelemetry API
// (its retrieval spans), never the SDK or an exporter, and no database
// client: stores come from the program.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters",
			"github.com/qdrant/", "google.golang.org/grpc", "github.com/chromedp/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("tools/filesearch depends on %s", dep)
			}
		}
	}
}
