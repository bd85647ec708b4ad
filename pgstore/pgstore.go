// Package pgstore implements cointally.Store on PostgreSQL, for servers
// where several `cointally serve` processes share one database. It speaks
// to the server through pgx and its pool (pgxpool) directly, not through
// database/sql: binary parameters, array parameters for bulk writes and one
// round trip for a whole statement batch.
//
// It keeps every contract of the cointally package exactly as sqlstore
// does on SQLite; both run the one conformance suite (sqlstore/storetest).
//
// # Migrations
//
// The schema is a numbered list of SQL files embedded from
// migrations/NNNN_name.sql. Open applies the missing ones in one
// transaction that first takes a transaction-level advisory lock
// (pg_advisory_xact_lock), so two processes starting at once never migrate
// at the same time: the second waits, then finds the work done. Each
// applied file is recorded in schema_migrations. The tables live in the
// first schema of the connection's search_path, so a database can hold
// several stores in separate schemas (the tests do).
//
// # Storage
//
// As in sqlstore: times are BIGINT unix nanoseconds in UTC (PostgreSQL's
// own timestamps stop at microseconds), read from the store's clock
// (WithNow) once per write transaction; amounts are canonical decimal TEXT
// (money.Amount), never a float, and come back exactly as written; raw
// exchange data is BYTEA. Key and sort columns use the "C" collation, so
// every ordering agrees with SQLite's byte order.
//
// # Concurrency across processes
//
// Every write is one transaction at READ COMMITTED. Upserts are single
// INSERT ... ON CONFLICT statements; the nonce high-water mark is raised by
// one UPDATE ... RETURNING; the per-account sync lock is a row with an owner
// and an expiry, changed only under a per-account advisory lock (see
// TryLockAccount). A transaction that loses a deadlock or a serialization
// race is retried a few times before KindUnavailable is returned.
//
// # Performance
//
// PutEntries sends a page of entries as 15 array parameters to one INSERT
// ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING id, which
// also bumps the account's ledger version in the same statement; only the
// entries whose ID was stored already take the slow path (read, compare,
// replace if the offered source ranks higher). See bench_test.go.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Advisory lock keys: the first half of a two-key lock names what is
// locked. The values are arbitrary; they only need to differ from other
// applications' keys in the same database.
const (
	lockNSMigrate = 0x636f696e // "coin": schema migrations (second key 0)
	lockNSAccount = 0x74616c79 // "taly": an account's sync lock row (second key: account ID)
)

// DB is a cointally.Store on PostgreSQL. It is safe for concurrent use, and
// several DBs in one or many processes may share a database.
type DB struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

var _ cointally.Store = (*DB)(nil)

type options struct {
	now      func() time.Time
	maxConns int32
}

// An Option changes how Open sets up the store.
type Option func(*options)

// WithNow sets the clock the store reads for the timestamps it makes
// (account added, run started, lock expiry, ...). The default is time.Now.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// defaultMaxConns is the pool size when neither WithMaxConns nor the URL's
// pool_max_conns sets one.
const defaultMaxConns = 16

// WithMaxConns sets the size of the connection pool (default 16, or the
// URL's pool_max_conns).
func WithMaxConns(n int32) Option { return func(o *options) { o.maxConns = n } }

// Open connects to the PostgreSQL database named by url
// ("postgres://user:password@host:port/db?sslmode=..." or postgresql://)
// and brings its schema up to date. KindInvalid if url is not such a URL;
// KindUnavailable if the server cannot be reached; KindOther if the schema
// cannot be migrated. Error messages never contain the URL's password.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	const op = "pgstore: open"
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	pw := password(url)
	if scheme, _, _ := strings.Cut(url, "://"); scheme != "postgres" && scheme != "postgresql" {
		return nil, &cointally.Error{Op: op, Kind: cointally.KindInvalid,
			Message: "the database URL is not a PostgreSQL URL: want postgres://user:password@host:port/database"}
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, &cointally.Error{Op: op, Kind: cointally.KindInvalid,
			Message: "cannot parse the PostgreSQL URL " + Redact(url), Err: scrub(err, pw)}
	}
	switch {
	case o.maxConns > 0:
		cfg.MaxConns = o.maxConns
	case !strings.Contains(url, "pool_max_conns="):
		// pgxpool's default, max(4, GOMAXPROCS), is small for a server
		// whose web requests, scheduler and streaming reads (which hold a
		// connection while their callback runs) share the pool.
		cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, &cointally.Error{Op: op, Kind: cointally.KindInvalid, Message: "cannot use " + Redact(url), Err: scrub(err, pw)}
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, &cointally.Error{Op: op, Kind: cointally.KindUnavailable, Message: "cannot connect to " + Redact(url), Err: scrub(err, pw)}
	}
	db := &DB{pool: pool, now: o.now}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, &cointally.Error{Op: op, Kind: classify(err), Message: "cannot migrate " + Redact(url), Err: scrub(err, pw)}
	}
	return db, nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// userInfoRE finds the user information of a URL-like string, for Redact
// when net/url cannot parse it.
var (
	userInfoRE = regexp.MustCompile(`://([^:/@]*):[^@/]*@`)
	passwordRE = regexp.MustCompile(`://[^:/@]*:([^@/]*)@`)
)

// Redact returns url with its password, if any, replaced by "xxxxx", for
// messages and logs.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err == nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return userInfoRE.ReplaceAllString(rawURL, "://$1:xxxxx@")
}

// password returns the password of a postgres URL ("" if none), so that
// errors can be scrubbed of it.
func password(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		p, _ := u.User.Password()
		return p
	}
	if m := passwordRE.FindStringSubmatch(rawURL); m != nil {
		return m[1]
	}
	return ""
}

// scrubbed is an error whose text had the password removed; it still
// unwraps to the original for errors.Is and errors.As.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

// scrub returns err with every occurrence of pw (and its URL-escaped form)
// in its text replaced by "xxxxx".
func scrub(err error, pw string) error {
	if err == nil || pw == "" {
		return err
	}
	msg := err.Error()
	clean := strings.ReplaceAll(msg, pw, "xxxxx")
	if esc := url.QueryEscape(pw); esc != pw {
		clean = strings.ReplaceAll(clean, esc, "xxxxx")
	}
	if esc := url.PathEscape(pw); esc != pw {
		clean = strings.ReplaceAll(clean, esc, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

// migrate applies the embedded migrations that are not recorded yet, all
// in one transaction under an advisory lock.
func (db *DB) migrate(ctx context.Context) error {
	ents, err := fs.ReadDir(migrationFS, "migrations")
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
	for i := 1; i < len(ms); i++ {
		if ms[i-1].version == ms[i].version {
			return fmt.Errorf("migrations %s and %s share a number", ms[i-1].name, ms[i].name)
		}
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Held until commit: a second process waits here, then sees every
		// migration recorded.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, lockNSMigrate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name    TEXT    NOT NULL,
			applied BIGINT  NOT NULL
		)`); err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return err
			}
			applied[v] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			body, err := fs.ReadFile(migrationFS, path.Join("migrations", m.name))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)`,
				m.version, m.name, db.now().UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
}

// tx is a write transaction with the one timestamp it stamps rows with.
type tx struct {
	pgx.Tx
	now time.Time
}

// maxAttempts bounds how often update runs a transaction that lost a
// deadlock or serialization race.
const maxAttempts = 4

// update runs fn in a write transaction and commits it if fn succeeds.
// A deadlock or serialization failure reruns fn (which must therefore reset
// any result it accumulates). Errors come back as *cointally.Error with op.
func (db *DB) update(ctx context.Context, op string, fn func(*tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.updateOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
	return wrap(op, err)
}

func (db *DB) updateOnce(ctx context.Context, fn func(*tx) error) error {
	ptx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	t := &tx{Tx: ptx, now: db.now().UTC()}
	if err := fn(t); err != nil {
		_ = ptx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return ptx.Commit(ctx)
}

// read runs fn in a read-only transaction that sees one snapshot
// (REPEATABLE READ), for reads that must agree with each other.
func (db *DB) read(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// PostgreSQL error codes (https://www.postgresql.org/docs/15/errcodes-appendix.html).
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgCheckViolation       = "23514"
	pgNotNullViolation     = "23502"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
	pgTooManyConnections   = "53300"
	pgCannotConnectNow     = "57P03"
	pgAdminShutdown        = "57P01"
	pgQueryCanceled        = "57014"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func retryable(err error) bool {
	switch pgCode(err) {
	case pgSerializationFailure, pgDeadlockDetected:
		return true
	}
	return false
}

// classify maps a driver error to a Kind.
func classify(err error) cointally.Kind {
	code := pgCode(err)
	switch {
	case code == pgUniqueViolation:
		return cointally.KindConflict
	case code == pgForeignKeyViolation:
		return cointally.KindNotFound
	case code == pgCheckViolation, code == pgNotNullViolation, strings.HasPrefix(code, "22"):
		return cointally.KindInvalid
	case code == pgSerializationFailure, code == pgDeadlockDetected, code == pgLockNotAvailable,
		code == pgTooManyConnections, code == pgCannotConnectNow, code == pgAdminShutdown,
		strings.HasPrefix(code, "08"):
		return cointally.KindUnavailable
	case code == "" && pgconn.SafeToRetry(err):
		return cointally.KindUnavailable
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return cointally.KindUnavailable
	}
	return cointally.KindOther
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

// mustAffect returns a NotFound error built from format and args if tag
// changed no row.
func mustAffect(tag pgconn.CommandTag, format string, args ...any) error {
	if tag.RowsAffected() == 0 {
		return notFound(format, args...)
	}
	return nil
}

// accountExists returns NotFound unless the account exists. It takes a key
// share lock on the row, so the account cannot be deleted before commit.
func (tx *tx) accountExists(ctx context.Context, id int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR KEY SHARE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound("no account %d", id)
	}
	return err
}

func raw(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
