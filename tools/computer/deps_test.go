package computer_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoBrowserDependency proves the core computer package stays free of
// chromedp (only the browser backend may import it) and uses only the
// OpenTelemetry API, never the SDK or an exporter.
func TestNoBrowserDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for dep := range strings.Lines(string(out)) {
		for _, banned := range []string{"chromedp", "go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters"} {
			if strings.Contains(dep, banned) {
				t.Errorf("tools/computer depends on %s", strings.TrimSpace(dep))
			}
		}
	}
}
