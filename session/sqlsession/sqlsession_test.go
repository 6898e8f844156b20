package sqlsession_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver, pure Go

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/session"
	"github.com/agentloop/agentloop/session/sessiontest"
	"github.com/agentloop/agentloop/session/sqlsession"
)

// postgresEnv names the variable holding the DSN of a PostgreSQL server for
// the tests; .ci/run sets it (.ci/postgres start DIR prints a value).
const postgresEnv = "AGENTLOOP_TEST_POSTGRES"

// A Session is what runner.WithSession takes.
var _ runner.Session = (*sqlsession.Session)(nil)

// openSQLite returns a new SQLite database in a file, set up as the
// package documentation advises, with the tables created.
func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := sqlsession.CreateTables(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	return db
}

// openPostgres returns the test server's database, with tables of a prefix
// of this test's own (dropped at the end), or skips t when there is no
// server.
func openPostgres(t testing.TB) (*sql.DB, *sqlsession.Options) {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skip(postgresEnv + " not set, a PostgreSQL server is missing: .ci/run starts a PostgreSQL server (.ci/postgres start DIR prints the value to set)")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	opts := &sqlsession.Options{Prefix: fmt.Sprintf("test%d_", time.Now().UnixNano())}
	ctx := context.Background()
	if err := sqlsession.CreateTables(ctx, db, opts); err != nil {
		t.Fatalf("%s=%s: %v", postgresEnv, dsn, err)
	}
	t.Cleanup(func() {
		for _, table := range []string{"sessions", "session_items"} {
			if _, err := db.ExecContext(ctx, "DROP TABLE "+opts.Prefix+table); err != nil {
				t.Error(err)
			}
		}
	})
	return db, opts
}

// conformance runs the suite on sessions of db, each with an id of its own.
func conformance(t *testing.T, db *sql.DB, opts *sqlsession.Options) {
	var mu sync.Mutex
	n := 0
	sessiontest.Run(t, func(t *testing.T) session.Session {
		mu.Lock()
		n++
		id := fmt.Sprintf("%s/%d", t.Name(), n)
		mu.Unlock()
		s, err := sqlsession.New(db, id, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, &sessiontest.Options{
		Reopen: func(t *testing.T, s session.Session) session.Session {
			s2, err := sqlsession.New(db, s.(*sqlsession.Session).ID(), opts)
			if err != nil {
				t.Fatal(err)
			}
			return s2
		},
	})
}

func TestSQLite(t *testing.T) {
	conformance(t, openSQLite(t), nil)
}

func TestPostgres(t *testing.T) {
	db, opts := openPostgres(t)
	conformance(t, db, opts)
}

// TestStoredBytes reads the rows back with plain SQL: the item column
// holds each item's exact bytes, and a session's rows are its own.
func TestStoredBytes(t *testing.T) {
	items := []responses.Item{raw(t, "{\n  \"type\": \"message\", \"role\": \"user\",\n  \"content\": \"<b> \\u00e9 \"\n}"),
		responses.UserMessage("built")}
	for name, open := range map[string]func(t *testing.T) (*sql.DB, *sqlsession.Options){
		"SQLite":   func(t *testing.T) (*sql.DB, *sqlsession.Options) { return openSQLite(t), &sqlsession.Options{} },
		"Postgres": func(t *testing.T) (*sql.DB, *sqlsession.Options) { return openPostgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, opts := open(t)
			s, err := sqlsession.New(db, "one", opts)
			if err != nil {
				t.Fatal(err)
			}
			other, err := sqlsession.New(db, "two", opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Append(ctx, 0, items); err != nil {
				t.Fatal(err)
			}
			if err := other.Append(ctx, 0, items[1:]); err != nil {
				t.Fatal(err)
			}
			prefix := opts.Prefix
			if prefix == "" {
				prefix = "agentloop_"
			}
			rows, err := db.QueryContext(ctx, "SELECT session_id, seq, item FROM "+prefix+"session_items ORDER BY session_id, seq")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var id string
				var seq int64
				var b []byte
				if err := rows.Scan(&id, &seq, &b); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%s %d %s", id, seq, b))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			want := []string{"one 0 " + string(items[0].Raw()), `one 1 {"type":"message","role":"user","content":"built"}`,
				`two 0 {"type":"message","role":"user","content":"built"}`}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			var count int64
			if err := db.QueryRowContext(ctx, "SELECT item_count FROM "+prefix+"sessions WHERE session_id = 'one'").Scan(&count); err != nil || count != 2 {
				t.Errorf("item_count of one: %d, %v", count, err)
			}
			if err := s.Clear(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+prefix+"sessions").Scan(&n); err != nil || n != 1 {
				t.Errorf("%d session rows after a Clear, want 1 (%v)", n, err)
			}
		})
	}
}

// TestCreateTablesConcurrently: concurrent calls (processes starting
// together) and repeated ones succeed.
func TestCreateTablesConcurrently(t *testing.T) {
	db, opts := openPostgres(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := sqlsession.CreateTables(context.Background(), db, opts); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// fakeConnector is a connector of an unknown driver.
type fakeConnector struct{}

type fakeDriver struct{}

func (fakeConnector) Connect(context.Context) (driver.Conn, error) { return nil, errors.New("fake") }
func (fakeConnector) Driver() driver.Driver                        { return fakeDriver{} }
func (fakeDriver) Open(string) (driver.Conn, error)                { return nil, errors.New("fake") }

func TestOptions(t *testing.T) {
	sqlite, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer sqlite.Close()
	pgx, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none") // never connects
	if err != nil {
		t.Fatal(err)
	}
	defer pgx.Close()
	fake := sql.OpenDB(fakeConnector{})
	defer fake.Close()
	for _, tc := range []struct {
		name    string
		db      *sql.DB
		id      string
		opts    *sqlsession.Options
		wantErr string
	}{
		{"sqlite detected", sqlite, "a", nil, ""},
		{"pgx detected", pgx, "a", nil, ""},
		{"unknown driver", fake, "a", nil, "set Options.Dialect"},
		{"unknown driver, dialect set", fake, "a", &sqlsession.Options{Dialect: sqlsession.Postgres}, ""},
		{"unknown dialect", sqlite, "a", &sqlsession.Options{Dialect: "oracle"}, "unknown dialect"},
		{"empty id", sqlite, "", nil, "empty session id"},
		{"nil db", nil, "a", nil, "nil *sql.DB"},
		{"schema prefix", sqlite, "a", &sqlsession.Options{Prefix: "app.chat_"}, ""},
		{"prefix with a quote", sqlite, "a", &sqlsession.Options{Prefix: `x"; DROP TABLE y; --`}, "letters, digits"},
		{"prefix with a space", sqlite, "a", &sqlsession.Options{Prefix: "my table"}, "letters, digits"},
		{"prefix with two dots", sqlite, "a", &sqlsession.Options{Prefix: "a.b.c_"}, "letters, digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sqlsession.New(tc.db, tc.id, tc.opts)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("New: %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestMissingTables: without CreateTables, operations fail with the
// database's error, not a conflict.
func TestMissingTables(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := sqlsession.New(db, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Append(context.Background(), 0, []responses.Item{responses.UserMessage("a")})
	if err == nil || errors.Is(err, session.ErrConflict) || !strings.Contains(err.Error(), "no such table") {
		t.Errorf("Append without tables: %v", err)
	}
}

// raw returns the item decoded from s, which keeps s as its bytes.
func raw(t *testing.T, s string) responses.Item {
	t.Helper()
	var it responses.Item
	if err := it.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return it
}
