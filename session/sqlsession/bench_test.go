package sqlsession_test

import (
	"testing"

	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/session/sessiontest"
	"github.com/agentloop/agentloop/session/sqlsession"
)

// BenchmarkAppend runs the session package's cases on SQLite and, when a
// server is set, PostgreSQL.
func BenchmarkAppend(b *testing.B) {
	b.Run("SQLite", func(b *testing.B) {
		db := openSQLite(b)
		sessiontest.BenchmarkAppend(b, func(b *testing.B) session.Session {
			s, err := sqlsession.New(db, b.Name(), nil)
			if err != nil {
				b.Fatal(err)
			}
			return s
		})
	})
	b.Run("Postgres", func(b *testing.B) {
		db, opts := openPostgres(b)
		sessiontest.BenchmarkAppend(b, func(b *testing.B) session.Session {
			s, err := sqlsession.New(db, b.Name(), opts)
			if err != nil {
				b.Fatal(err)
			}
			return s
		})
	})
}
