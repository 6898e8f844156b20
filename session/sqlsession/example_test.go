package sqlsession_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/session/sqlsession"
)

// Sessions in SQLite through modernc.org/sqlite (imported for its "sqlite"
// driver: _ "modernc.org/sqlite"). With PostgreSQL and pgx it reads the
// same: sql.Open("pgx", dsn).
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlsession")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	if err := sqlsession.CreateTables(ctx, db, nil); err != nil {
		fmt.Println(err)
		return
	}

	s, err := sqlsession.New(db, "user-42/chat-1", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Append(ctx, 0, []responses.Item{responses.UserMessage("hello")}); err != nil {
		fmt.Println(err)
		return
	}
	// A writer that still thinks the session is empty:
	err = s.Append(ctx, 0, []responses.Item{responses.UserMessage("hi")})
	fmt.Println(errors.Is(err, session.ErrConflict))

	items, err := s.Items(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(items), items[0].Text())
	// Output:
	// true
	// 1 hello
}
