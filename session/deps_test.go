package session_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps SQL drivers out of the session packages: users
// bring theirs, and the drivers the tests use (modernc.org/sqlite, pgx)
// stay in _test.go files.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".", "./sessiontest", "./sqlsession").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"sqlite", "pgx", "jackc", "lib/pq", "mysql", "modernc.org", "chromedp", "qdrant", "grpc"} {
			if strings.Contains(dep, banned) {
				t.Errorf("the session packages depend on %s", dep)
			}
		}
	}
}
