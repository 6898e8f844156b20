// Package sqlsession stores sessions ([session.Session]) in a SQL database
// through database/sql: the caller's *sql.DB, with the caller's driver
// (this package imports none). SQLite and PostgreSQL are tested; the SQL
// is plain enough for others that accept "ON CONFLICT DO NOTHING".
//
// # Schema
//
// [CreateTables] creates two tables (the names carry Options.Prefix,
// "agentloop_" by default; BLOB instead of BYTEA on SQLite):
//
//	CREATE TABLE agentloop_sessions (
//		session_id TEXT NOT NULL PRIMARY KEY,
//		item_count BIGINT NOT NULL
//	);
//	CREATE TABLE agentloop_session_items (
//		session_id TEXT NOT NULL,
//		seq        BIGINT NOT NULL, -- 0, 1, 2, ... in the session's order
//		item       BYTEA NOT NULL,  -- the item's exact JSON bytes
//		PRIMARY KEY (session_id, seq)
//	);
//
// Items are stored as bytes, never as json or jsonb, which would reorder
// keys and rewrite whitespace. A session with no items has no rows.
//
// # Concurrency
//
// Every write is one transaction that starts by updating the session's
// row in agentloop_sessions on the condition that its item_count is the
// writer's position (or by inserting it, for a new session): writers on one
// session are serialised by that row's lock, and a stale one updates no row
// and gets [session.ErrConflict]. Writers on different sessions touch
// different rows and do not wait for each other. (The items' primary key
// alone would catch two appends at one position, but not an append racing
// a Replace or a Clear, which delete rows: the row lock does.)
//
// On PostgreSQL the transactions run at READ COMMITTED, whatever the
// server's default. On SQLite, set a busy timeout on the connection
// (modernc.org/sqlite: "_pragma=busy_timeout(10000)"; WAL mode lets reads
// go on during writes), or concurrent writers fail with SQLITE_BUSY.
package sqlsession

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/session"
)

// Dialect is the SQL dialect of a database.
type Dialect string

// The dialects this package speaks.
const (
	SQLite   Dialect = "sqlite"   // ? placeholders, BLOB
	Postgres Dialect = "postgres" // $1 placeholders, BYTEA
)

// Options configures the tables of [CreateTables] and [New]. The zero value
// is valid.
type Options struct {
	// Dialect of the database. Empty detects it from the package of the
	// database's driver: one whose import path holds "sqlite" is SQLite;
	// "pgx", "lib/pq" or "postgres", PostgreSQL. Set it for other drivers
	// (or a driver wrapped by another package).
	Dialect Dialect

	// Prefix of the tables' names: "agentloop_" when empty. It may name a
	// schema: "app.agentloop_". Letters, digits and underscores only.
	Prefix string
}

// Session is one session stored in the tables: a [session.Session]. It is
// safe for concurrent use, and so are several Sessions on one id, in this
// process or others.
type Session struct {
	db      *sql.DB
	id      string
	dialect Dialect
	q       queries
}

var _ session.Session = (*Session)(nil)

// New returns the session id stored in db's tables, which [CreateTables]
// made. It does not touch the database.
func New(db *sql.DB, id string, opts *Options) (*Session, error) {
	if id == "" {
		return nil, errors.New("sqlsession: empty session id")
	}
	d, prefix, err := resolve(db, opts)
	if err != nil {
		return nil, err
	}
	return &Session{db: db, id: id, dialect: d, q: newQueries(d, prefix)}, nil
}

// ID returns the session's id.
func (s *Session) ID() string { return s.id }

// pgLockTables is the PostgreSQL advisory lock key CreateTables holds, so
// that concurrent calls do not race on the catalog.
const pgLockTables = 0x6167656e746c6f6f // "agentloo"

// CreateTables creates the tables of the schema (see the package
// documentation) unless they exist. Call it once before using sessions,
// at start-up or in a migration.
func CreateTables(ctx context.Context, db *sql.DB, opts *Options) error {
	d, prefix, err := resolve(db, opts)
	if err != nil {
		return err
	}
	blob := "BYTEA"
	if d == SQLite {
		blob = "BLOB"
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlsession: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmts := []string{
		"CREATE TABLE IF NOT EXISTS " + prefix + "sessions (\n" +
			"\tsession_id TEXT NOT NULL PRIMARY KEY,\n" +
			"\titem_count BIGINT NOT NULL\n)",
		"CREATE TABLE IF NOT EXISTS " + prefix + "session_items (\n" +
			"\tsession_id TEXT NOT NULL,\n" +
			"\tseq BIGINT NOT NULL,\n" +
			"\titem " + blob + " NOT NULL,\n" +
			"\tPRIMARY KEY (session_id, seq)\n)",
	}
	if d == Postgres {
		stmts = append([]string{"SELECT pg_advisory_xact_lock(" + strconv.FormatInt(pgLockTables, 10) + ")"}, stmts...)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlsession: creating tables: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlsession: creating tables: %w", err)
	}
	return nil
}

var prefixRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$`)

// resolve returns the dialect and the table prefix opts ask for.
func resolve(db *sql.DB, opts *Options) (Dialect, string, error) {
	if db == nil {
		return "", "", errors.New("sqlsession: nil *sql.DB")
	}
	if opts == nil {
		opts = &Options{}
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = "agentloop_"
	}
	if !prefixRE.MatchString(prefix + "x") {
		return "", "", fmt.Errorf("sqlsession: table prefix %q: letters, digits and underscores only, with one optional schema", prefix)
	}
	d := opts.Dialect
	switch d {
	case SQLite, Postgres:
	case "":
		t := reflect.TypeOf(db.Driver())
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch path := t.PkgPath(); {
		case strings.Contains(path, "sqlite"):
			d = SQLite
		case strings.Contains(path, "pgx"), strings.Contains(path, "lib/pq"), strings.Contains(path, "postgres"):
			d = Postgres
		default:
			return "", "", fmt.Errorf("sqlsession: cannot tell the SQL dialect of driver %s.%s: set Options.Dialect", path, t.Name())
		}
	default:
		return "", "", fmt.Errorf("sqlsession: unknown dialect %q", d)
	}
	return d, prefix, nil
}

// queries holds the statements of one dialect and prefix.
type queries struct {
	items, count, idem, bump, create, deleteHead, deleteItems, insert string
	placeholder                                                       func(n int) string
}

func newQueries(d Dialect, prefix string) queries {
	q := queries{placeholder: func(int) string { return "?" }}
	if d == Postgres {
		q.placeholder = func(n int) string { return "$" + strconv.Itoa(n) }
	}
	heads, items := prefix+"sessions", prefix+"session_items"
	q.items = q.bind("SELECT seq, item FROM " + items + " WHERE session_id = ? ORDER BY seq")
	q.count = q.bind("SELECT item_count FROM " + heads + " WHERE session_id = ?")
	q.idem = q.bind("SELECT seq, item FROM " + items + " WHERE session_id = ? AND seq >= ? AND seq < ? ORDER BY seq")
	q.bump = q.bind("UPDATE " + heads + " SET item_count = ? WHERE session_id = ? AND item_count = ?")
	q.create = q.bind("INSERT INTO " + heads + " (session_id, item_count) VALUES (?, ?) ON CONFLICT (session_id) DO NOTHING")
	q.deleteHead = q.bind("DELETE FROM " + heads + " WHERE session_id = ?")
	q.deleteItems = q.bind("DELETE FROM " + items + " WHERE session_id = ?")
	q.insert = "INSERT INTO " + items + " (session_id, seq, item) VALUES "
	return q
}

// bind numbers the ? placeholders of stmt for the dialect.
func (q queries) bind(stmt string) string {
	var b strings.Builder
	n := 0
	for _, c := range stmt {
		if c == '?' {
			n++
			b.WriteString(q.placeholder(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Items returns the stored items in order.
func (s *Session) Items(ctx context.Context) ([]responses.Item, error) {
	rows, err := s.db.QueryContext(ctx, s.q.items, s.id)
	if err != nil {
		return nil, fmt.Errorf("sqlsession: %w", err)
	}
	defer rows.Close()
	var items []responses.Item
	for rows.Next() {
		var seq int64
		var b sql.RawBytes
		if err := rows.Scan(&seq, &b); err != nil {
			return nil, fmt.Errorf("sqlsession: %w", err)
		}
		if seq != int64(len(items)) {
			return nil, fmt.Errorf("sqlsession: session %q: item %d stored at seq %d", s.id, len(items), seq)
		}
		var it responses.Item
		if err := it.UnmarshalJSON(b); err != nil { // copies b
			return nil, fmt.Errorf("sqlsession: session %q: item %d: %w", s.id, seq, err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlsession: %w", err)
	}
	return items, nil
}

// Append adds items after the first after items; see [session.Session].
func (s *Session) Append(ctx context.Context, after int, items []responses.Item) error {
	enc, err := encode(items)
	if err != nil {
		return err
	}
	if after < 0 {
		return fmt.Errorf("sqlsession: negative position %d", after)
	}
	if len(enc) == 0 {
		count, err := s.count(ctx, s.db)
		if err != nil {
			return err
		}
		if after > count {
			return conflict(count, after)
		}
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		ok, err := s.claim(ctx, tx, after, after+len(enc))
		if err != nil {
			return err
		}
		if !ok {
			return s.stored(ctx, tx, after, enc)
		}
		return s.insert(ctx, tx, after, enc)
	})
}

// Replace swaps the history for items if the session holds after items;
// see [session.Session].
func (s *Session) Replace(ctx context.Context, after int, items []responses.Item) error {
	enc, err := encode(items)
	if err != nil {
		return err
	}
	if after < 0 {
		return fmt.Errorf("sqlsession: negative position %d", after)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		ok, err := s.claim(ctx, tx, after, len(enc))
		if err != nil {
			return err
		}
		if !ok {
			count, err := s.count(ctx, tx)
			if err != nil {
				return err
			}
			return conflict(count, after)
		}
		if _, err := tx.ExecContext(ctx, s.q.deleteItems, s.id); err != nil {
			return fmt.Errorf("sqlsession: %w", err)
		}
		if len(enc) == 0 {
			if _, err := tx.ExecContext(ctx, s.q.deleteHead, s.id); err != nil {
				return fmt.Errorf("sqlsession: %w", err)
			}
			return nil
		}
		return s.insert(ctx, tx, 0, enc)
	})
}

// Clear removes every item, and the session's row.
func (s *Session) Clear(ctx context.Context) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.deleteHead, s.id); err != nil {
			return fmt.Errorf("sqlsession: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q.deleteItems, s.id); err != nil {
			return fmt.Errorf("sqlsession: %w", err)
		}
		return nil
	})
}

// write runs fn in a transaction, committed when fn returns nil.
func (s *Session) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var opts *sql.TxOptions
	if s.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlsession: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlsession: %w", err)
	}
	return nil
}

// claim moves the session's item count from after to count, locking its
// row until tx ends, and reports whether the session held after items. A
// session without a row holds none.
func (s *Session) claim(ctx context.Context, tx *sql.Tx, after, count int) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q.bump, count, s.id, after)
	if err != nil {
		return false, fmt.Errorf("sqlsession: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("sqlsession: %w", err)
	} else if n == 1 {
		return true, nil
	}
	if after != 0 {
		return false, nil
	}
	// A new session (or another writer's row, which leaves it alone).
	res, err = tx.ExecContext(ctx, s.q.create, s.id, count)
	if err != nil {
		return false, fmt.Errorf("sqlsession: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlsession: %w", err)
	}
	return n == 1, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// count returns the number of items the session holds.
func (s *Session) count(ctx context.Context, q querier) (int, error) {
	var n int64
	err := q.QueryRowContext(ctx, s.q.count, s.id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlsession: %w", err)
	}
	return int(n), nil
}

// stored returns nil when enc is stored at position after, else a
// conflict.
func (s *Session) stored(ctx context.Context, tx *sql.Tx, after int, enc [][]byte) error {
	count, err := s.count(ctx, tx)
	if err != nil {
		return err
	}
	if after > count || after+len(enc) > count {
		return conflict(count, after)
	}
	rows, err := tx.QueryContext(ctx, s.q.idem, s.id, after, after+len(enc))
	if err != nil {
		return fmt.Errorf("sqlsession: %w", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var seq int64
		var b sql.RawBytes
		if err := rows.Scan(&seq, &b); err != nil {
			return fmt.Errorf("sqlsession: %w", err)
		}
		if i >= len(enc) || seq != int64(after+i) || !bytes.Equal(b, enc[i]) {
			return conflict(count, after)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlsession: %w", err)
	}
	if i != len(enc) {
		return conflict(count, after)
	}
	return nil
}

// Inserts go in statements of at most maxRows rows and (past the first
// row) maxBytes bytes of items.
const (
	maxRows  = 100
	maxBytes = 8 << 20
)

// insert inserts enc at positions from, from+1, ...
func (s *Session) insert(ctx context.Context, tx *sql.Tx, from int, enc [][]byte) error {
	var stmt strings.Builder
	args := make([]any, 0, 3*min(len(enc), maxRows))
	for i := 0; i < len(enc); {
		stmt.Reset()
		stmt.WriteString(s.q.insert)
		args = args[:0]
		size := 0
		for ; i < len(enc) && len(args) < 3*maxRows && (len(args) == 0 || size+len(enc[i]) <= maxBytes); i++ {
			if len(args) > 0 {
				stmt.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&stmt, "(%s, %s, %s)", s.q.placeholder(n+1), s.q.placeholder(n+2), s.q.placeholder(n+3))
			args = append(args, s.id, int64(from+i), enc[i])
			size += len(enc[i])
		}
		if _, err := tx.ExecContext(ctx, stmt.String(), args...); err != nil {
			return fmt.Errorf("sqlsession: %w", err)
		}
	}
	return nil
}

// encode returns the bytes of each item.
func encode(items []responses.Item) ([][]byte, error) {
	out := make([][]byte, len(items))
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("sqlsession: item %d: %w", i, err)
		}
		out[i] = b
	}
	return out, nil
}

// conflict returns session.ErrConflict wrapped with the counts.
func conflict(count, after int) error {
	return fmt.Errorf("%w (it holds %d items, the writer saw %d)", session.ErrConflict, count, after)
}
