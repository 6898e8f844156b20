package mcpconformance_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/internal/mcptest"
)

// Scenarios are the client scenarios of the suite that apply to a tools
// client. The others are elicitation-sep1034-client-defaults (agentloop
// answers no elicitation) and auth/* (agentloop sends the headers it is
// given; it runs no OAuth flow).
var Scenarios = []string{"initialize", "tools_call", "sse-retry"}

// TestConformance has the suite drive the client through each scenario;
// every check must pass.
func TestConformance(t *testing.T) {
	suite := mcptest.Bin(t, "conformance")
	client := filepath.Join(t.TempDir(), "client")
	build := exec.Command("go", "build", "-o", client, "./client")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the client: %v\n%s", err, out)
	}
	for _, sc := range Scenarios {
		t.Run(sc, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(suite, "client", "--command", client, "--scenario", sc, "--output-dir", dir)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the suite failed: %v\n%s", err, out)
			}
			files, _ := filepath.Glob(filepath.Join(dir, sc+"-*", "checks.json"))
			if len(files) != 1 {
				t.Fatalf("no checks.json for %s:\n%s", sc, out)
			}
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			var checks []struct {
				ID, Status, ErrorMessage string
			}
			if err := json.Unmarshal(b, &checks); err != nil {
				t.Fatal(err)
			}
			passed := 0
			for _, c := range checks {
				switch c.Status {
				case "SUCCESS":
					passed++
				case "INFO":
				default:
					t.Errorf("check %s: %s %s", c.ID, c.Status, c.ErrorMessage)
				}
			}
			if passed == 0 || !strings.Contains(string(out), "OVERALL: PASSED") {
				t.Errorf("%d checks passed:\n%s", passed, out)
			}
			t.Logf("%s: %d checks passed", sc, passed)
		})
	}
}
