package sessiontest_test

import (
	"path/filepath"
	"testing"

	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/session/sessiontest"
)

// A backend's conformance test, here the file session's. In a _test.go
// file it reads:
//
//	func TestConformance(t *testing.T) { ... }
func ExampleRun() {
	_ = func(t *testing.T) {
		sessiontest.Run(t, func(t *testing.T) session.Session {
			return session.NewFile(filepath.Join(t.TempDir(), "session.jsonl"), nil)
		}, &sessiontest.Options{
			Reopen: func(t *testing.T, s session.Session) session.Session {
				return session.NewFile(s.(*session.File).Path(), nil)
			},
		})
	}
}
