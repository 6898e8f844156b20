package session_test

import (
	"path/filepath"
	"testing"

	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/session/sessiontest"
)

func BenchmarkAppend(b *testing.B) {
	b.Run("Memory", func(b *testing.B) {
		sessiontest.BenchmarkAppend(b, func(*testing.B) session.Session { return session.NewMemory() })
	})
	b.Run("File", func(b *testing.B) {
		sessiontest.BenchmarkAppend(b, func(b *testing.B) session.Session {
			return session.NewFile(filepath.Join(b.TempDir(), "s.jsonl"), nil)
		})
	})
}
