// Package sqlstore implements cointally.Store on SQLite, through the
// pure-Go modernc.org/sqlite driver (so `go run` needs no C toolchain): the
// embedded default. Package pgstore is the PostgreSQL implementation; both
// pass the same conformance suite (storetest).
//
// # Connections
//
// SQLite allows one writer at a time per database file. Instead of letting
// pooled connections race for the write lock and fail with SQLITE_BUSY, a DB
// holds two pools on the same file:
//
//   - the writer: a *sql.DB limited to one open connection, whose
//     transactions begin with BEGIN IMMEDIATE (the driver's
//     _txlock=immediate). Writers in this process queue for that connection
//     inside database/sql and never see SQLITE_BUSY; the write lock is taken
//     at BEGIN, so no transaction has to upgrade a read lock and fail half
//     way. Writers in other processes (the CLI beside the server) wait for
//     the lock up to the busy timeout (WithBusyTimeout, default 10 s).
//   - the readers: a pool of read-only connections (PRAGMA query_only). In
//     WAL mode each reads a consistent snapshot while the writer commits.
//
// Every connection runs with journal_mode=WAL, synchronous=NORMAL (a crash
// never corrupts the file; a power cut may lose the last transactions),
// foreign_keys=ON and a busy timeout. The writer lets the WAL grow to 64 MB
// between checkpoints and keeps a 160 MB page cache (WithCacheSize).
//
// An in-memory database (":memory:") has no file to share, so it uses one
// connection for reads and writes. It is meant for tests; a callback given
// to a streaming method (Entries, Trades, ...) must not call the store.
//
// # Migrations
//
// The schema is a numbered list of SQL files per dialect, embedded from
// migrations/<dialect>/NNNN_name.sql. Open applies the missing ones in order,
// each in its own immediate transaction (so two processes opening a new file
// at once apply each one once), and records each in schema_migrations.
//
// # Storage
//
// Times are INTEGER unix nanoseconds in UTC; the clock is an option
// (WithNow), read once per write transaction so that every row a
// transaction writes carries the same timestamp. Amounts are canonical
// decimal TEXT (money.Amount), never REAL; raw exchange data is a BLOB kept
// exactly as received.
//
// # Performance
//
// The ledger is the big table (a million entries for an active trader).
// PutEntries inserts in multi-row chunks and takes a slow path only for IDs
// stored already; ledger reads fetch each entry as two columns. See
// ledger.go, ledger_read.go, migrations/sqlite/0001_init.sql for the
// measured choices, and bench_test.go for the benchmarks.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
)

//go:embed migrations
var migrationFS embed.FS

// DB is a cointally.Store on SQLite. It is safe for concurrent use.
type DB struct {
	w, r *sql.DB // writer (one connection) and readers; the same for :memory:
	now  func() time.Time

	insertStmts map[int]*sql.Stmt // prepared ledger INSERTs by row count, on w; read-only after Open

	// testHook, when set by tests in this package, is called at named points
	// inside write transactions; an error it returns aborts the transaction.
	testHook func(point string) error
}

var _ cointally.Store = (*DB)(nil)

type options struct {
	now         func() time.Time
	busyTimeout time.Duration
	readers     int
	cacheKiB    int
}

// An Option changes how Open sets up the store.
type Option func(*options)

// WithNow sets the clock the store reads for the timestamps it makes
// (account added, run started, lock expiry, ...). The default is time.Now.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithBusyTimeout sets how long a write waits for another process's write
// lock before failing (default 10 s).
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busyTimeout = d } }

// WithReaders sets the size of the read pool (default: max(4, GOMAXPROCS)).
func WithReaders(n int) Option { return func(o *options) { o.readers = n } }

// WithCacheSize sets SQLite's page cache per connection in KiB (default
// 163840 for the writer, 16384 for each reader). Bulk imports into big
// ledgers are faster with a cache that holds the indexes; the memory is
// taken only as pages are read.
func WithCacheSize(kib int) Option { return func(o *options) { o.cacheKiB = kib } }

// Open opens (creating if needed) the database named by dsn and brings its
// schema up to date. dsn is "sqlite:PATH", a plain PATH, or ":memory:".
// KindInvalid if dsn names another database kind or a path SQLite cannot
// take; KindOther if the file cannot be opened or migrated.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	const op = "sqlstore: open"
	o := options{now: time.Now, busyTimeout: 10 * time.Second, readers: max(4, runtime.GOMAXPROCS(0))}
	for _, opt := range opts {
		opt(&o)
	}
	file, err := parseDSN(dsn)
	if err != nil {
		return nil, &cointally.Error{Op: op, Kind: cointally.KindInvalid, Message: err.Error()}
	}
	db := &DB{now: o.now, insertStmts: map[int]*sql.Stmt{}}
	writerCache, readerCache := 163840, 16384
	if o.cacheKiB > 0 {
		writerCache, readerCache = o.cacheKiB, o.cacheKiB
	}
	if file == ":memory:" {
		db.w, err = sql.Open(driverName, sqliteDSN(file, o.busyTimeout, writerCache, false))
		if err != nil {
			return nil, &cointally.Error{Op: op, Err: err}
		}
		db.w.SetMaxOpenConns(1)
		db.w.SetMaxIdleConns(1)
		db.w.SetConnMaxLifetime(0)
		db.w.SetConnMaxIdleTime(0)
		db.r = db.w
	} else {
		db.w, err = sql.Open(driverName, sqliteDSN(file, o.busyTimeout, writerCache, false)+"&_txlock=immediate")
		if err != nil {
			return nil, &cointally.Error{Op: op, Err: err}
		}
		db.w.SetMaxOpenConns(1)
		db.w.SetMaxIdleConns(1)
		db.w.SetConnMaxIdleTime(0)
	}
	// The first connection sets WAL mode (persistent in the file) and runs
	// the migrations, before any reader opens.
	if err := db.w.PingContext(ctx); err != nil {
		db.w.Close()
		return nil, &cointally.Error{Op: op, Message: "cannot open " + file, Err: err}
	}
	if file != ":memory:" {
		// WAL mode is recorded in the file, so every later connection, here
		// or in another process, uses it.
		if mode, err := db.walMode(ctx, o.busyTimeout); err != nil || !strings.EqualFold(mode, "wal") {
			db.w.Close()
			return nil, &cointally.Error{Op: op, Message: "cannot switch " + file + " to WAL mode (got " + mode + ")", Err: err}
		}
	}
	if err := db.migrate(ctx, "sqlite"); err != nil {
		db.w.Close()
		return nil, &cointally.Error{Op: op, Message: "cannot migrate " + file, Err: err}
	}
	if err := db.prepareInserts(ctx); err != nil {
		db.w.Close()
		return nil, &cointally.Error{Op: op, Err: err}
	}
	if db.r == nil {
		db.r, err = sql.Open(driverName, sqliteDSN(file, o.busyTimeout, readerCache, true))
		if err != nil {
			db.w.Close()
			return nil, &cointally.Error{Op: op, Err: err}
		}
		db.r.SetMaxOpenConns(o.readers)
		db.r.SetMaxIdleConns(o.readers)
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var err error
	for _, stmt := range db.insertStmts {
		err = errors.Join(err, stmt.Close())
	}
	err = errors.Join(err, db.w.Close())
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// parseDSN returns the file path (or ":memory:") that dsn names.
func parseDSN(dsn string) (string, error) {
	file := dsn
	if scheme, rest, ok := strings.Cut(dsn, ":"); ok && len(scheme) > 1 && dsn != ":memory:" {
		switch scheme {
		case "sqlite", "sqlite3":
			file = strings.TrimPrefix(rest, "//")
		case "postgres", "postgresql":
			return "", errors.New("PostgreSQL is not supported yet; use sqlite:PATH")
		case "file":
			return "", errors.New("give a plain path or sqlite:PATH, not a file: URI")
		}
	}
	switch {
	case file == "":
		return "", errors.New("no database path given")
	case strings.ContainsAny(file, "?#"):
		return "", fmt.Errorf("database path %q contains ? or #; choose another file name", file)
	}
	return file, nil
}

// migrate applies the embedded migrations of dialect that are not yet
// recorded, each in its own transaction.
func (db *DB) migrate(ctx context.Context, dialect string) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT    NOT NULL,
		applied INTEGER NOT NULL
	)`); err != nil {
		return err
	}
	dir := path.Join("migrations", dialect)
	ents, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return err
	}
	type migration struct {
		version int
		name    string
	}
	var ms []migration
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return fmt.Errorf("migration file %s: want NNNN_name.sql", e.Name())
		}
		ms = append(ms, migration{v, e.Name()})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if i > 0 && ms[i-1].version == m.version {
			return fmt.Errorf("migrations %s and %s share a number", ms[i-1].name, m.name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, m.name))
		if err != nil {
			return err
		}
		err = db.update(ctx, "migrate", func(tx *tx) error {
			// Checked inside the (immediate) transaction, so two processes
			// opening a new file at once apply each migration once.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
				m.version, m.name, tx.now.UnixNano())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tx is a write transaction with the one timestamp it stamps rows with.
type tx struct {
	*sql.Tx
	now time.Time
	db  *DB
}

// hook runs the test hook at point, if any.
func (tx *tx) hook(point string) error {
	if tx.db.testHook == nil {
		return nil
	}
	return tx.db.testHook(point)
}

// update runs fn in a write transaction and commits it if fn succeeds.
// Errors come back as *cointally.Error with op set.
func (db *DB) update(ctx context.Context, op string, fn func(*tx) error) error {
	sqltx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	t := &tx{Tx: sqltx, now: db.now().UTC(), db: db}
	if err := fn(t); err != nil {
		_ = sqltx.Rollback()
		return wrap(op, err)
	}
	if err := t.hook("commit"); err != nil {
		_ = sqltx.Rollback()
		return wrap(op, err)
	}
	if err := sqltx.Commit(); err != nil {
		return wrap(op, err)
	}
	return nil
}

// walMode switches the file to WAL mode. Changing the journal mode does
// not wait for the busy timeout: while another process opening the same
// new file holds its lock, SQLite answers SQLITE_BUSY at once. So it tries
// again, with short pauses, until busy has passed.
func (db *DB) walMode(ctx context.Context, busy time.Duration) (string, error) {
	deadline := time.Now().Add(busy)
	pause := 5 * time.Millisecond
	for {
		var mode string
		err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil || classify(err) != cointally.KindUnavailable || time.Now().After(deadline) {
			return mode, err
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return mode, ctx.Err()
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// wrap returns err as a *cointally.Error with op, classifying driver errors.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *cointally.Error
	if errors.As(err, &e) {
		if e.Op == "" {
			e.Op = op
		}
		return e
	}
	return &cointally.Error{Op: op, Kind: classify(err), Err: err}
}

func invalid(format string, args ...any) error {
	return cointally.Errorf(cointally.KindInvalid, format, args...)
}

func notFound(format string, args ...any) error {
	return cointally.Errorf(cointally.KindNotFound, format, args...)
}

func conflict(format string, args ...any) error {
	return cointally.Errorf(cointally.KindConflict, format, args...)
}
