package vectorstore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the core package light: no browser, no Qdrant
// client, no gRPC, no benchmark-only engines, and of OpenTelemetry only the
// API (the embedder's spans), never the SDK or an exporter.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"chromedp", "qdrant", "google.golang.org/grpc", "chromem", "protobuf",
			"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters"} {
			if strings.Contains(dep, banned) {
				t.Errorf("vectorstore depends on %s", dep)
			}
		}
	}
}
