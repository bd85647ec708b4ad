-- cointally schema for SQLite, version 1.
--
-- Conventions: times are INTEGER unix nanoseconds UTC (NULL = not set);
-- amounts are canonical decimal TEXT (money.Amount), never REAL; raw exchange
-- data is kept as BLOB exactly as received. Everything that belongs to an
-- account goes when the account goes (ON DELETE CASCADE).

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	admin         INTEGER NOT NULL DEFAULT 0,
	password_hash TEXT    NOT NULL DEFAULT '',
	created       INTEGER NOT NULL
);

CREATE TABLE accounts (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name          TEXT    NOT NULL,
	exchange      TEXT    NOT NULL,
	key_hint      TEXT    NOT NULL DEFAULT '',
	tier          TEXT    NOT NULL DEFAULT '',
	permissions   TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
	risk_accepted INTEGER NOT NULL DEFAULT 0,
	status        TEXT    NOT NULL,
	status_reason TEXT    NOT NULL DEFAULT '',
	added         INTEGER NOT NULL,
	key_added     INTEGER,
	key_last_used INTEGER,
	last_sync     INTEGER,
	sync_interval INTEGER NOT NULL DEFAULT 0, -- nanoseconds; 0 = default
	UNIQUE (user_id, name)
);

-- Only bytes sealed by the vault: never a plaintext key.
CREATE TABLE credentials (
	account_id         INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	api_key_sealed     BLOB    NOT NULL,
	private_key_sealed BLOB    NOT NULL,
	nonce_high_water   INTEGER NOT NULL DEFAULT 0,
	updated            INTEGER NOT NULL
);

-- One row per ledger entry, raw and parsed.
--
-- A rowid table: rows are appended in import order, so a bulk import writes
-- the wide rows sequentially, and the narrow indexes take the rest. The
-- natural key (account_id, id) is a unique index; walks in (time, id) order
-- and per-asset reads use the other two. Measured on 1M entries with
-- 200-byte raw JSON (bench_test.go), against alternatives:
--   - WITHOUT ROWID clustered on (account_id, time, id) imported about 10%
--     slower and streamed about 20% faster, but a lookup by ledger ID (the
--     compare path of a second import) was 40 times slower: interior pages
--     of such a table hold whole rows, so the tree is deep and wide;
--   - an index on (account_id, refid) cost a quarter of the import
--     throughput (30k vs 40k entries/s, 4.7 vs 2.6 GB written), because
--     refids are random and each batch dirties most of its pages. No query
--     uses it yet: refid groups are formed in memory while streaming in time
--     order. Add it in a later migration when a lookup by refid needs it.
-- The foreign key is deferred (checked at commit) and inserts use OR IGNORE,
-- so a multi-row INSERT can never abort half-way and SQLite keeps no
-- statement journal for it.
CREATE TABLE ledger_entries (
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	id         TEXT    NOT NULL, -- the exchange's ledger ID
	refid      TEXT    NOT NULL,
	time       INTEGER NOT NULL,
	type       TEXT    NOT NULL,
	subtype    TEXT    NOT NULL,
	aclass     TEXT    NOT NULL,
	asset      TEXT    NOT NULL,
	wallet     TEXT    NOT NULL,
	amount     TEXT    NOT NULL,
	fee        TEXT    NOT NULL,
	balance    TEXT,             -- NULL: the row carried no balance
	source     TEXT    NOT NULL, -- api | export | csv
	unknown    INTEGER NOT NULL,
	raw        BLOB    NOT NULL  -- the entry exactly as received
);
CREATE UNIQUE INDEX ledger_entries_key ON ledger_entries (account_id, id);
CREATE INDEX ledger_entries_time ON ledger_entries (account_id, time, id);
CREATE INDEX ledger_entries_asset ON ledger_entries (account_id, asset, time, id);

CREATE TABLE trades (
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id         TEXT    NOT NULL,
	order_id   TEXT    NOT NULL,
	pair       TEXT    NOT NULL,
	time       INTEGER NOT NULL,
	side       TEXT    NOT NULL,
	order_type TEXT    NOT NULL,
	price      TEXT    NOT NULL,
	volume     TEXT    NOT NULL,
	cost       TEXT    NOT NULL,
	fee        TEXT    NOT NULL,
	ledger_ids TEXT    NOT NULL, -- JSON array of ledger IDs
	raw        BLOB    NOT NULL,
	PRIMARY KEY (account_id, id)
);
CREATE INDEX trades_time ON trades (account_id, time, id);

CREATE TABLE orders (
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id         TEXT    NOT NULL,
	status     TEXT    NOT NULL,
	pair       TEXT    NOT NULL,
	side       TEXT    NOT NULL,
	order_type TEXT    NOT NULL,
	opened     INTEGER,
	closed     INTEGER,
	volume     TEXT    NOT NULL,
	vol_exec   TEXT    NOT NULL,
	cost       TEXT    NOT NULL,
	fee        TEXT    NOT NULL,
	raw        BLOB    NOT NULL,
	PRIMARY KEY (account_id, id)
);
CREATE INDEX orders_opened ON orders (account_id, opened, id);

CREATE TABLE funding (
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	refid      TEXT    NOT NULL,
	kind       TEXT    NOT NULL, -- deposit | withdrawal
	asset      TEXT    NOT NULL,
	method     TEXT    NOT NULL,
	network    TEXT    NOT NULL,
	amount     TEXT    NOT NULL,
	fee        TEXT    NOT NULL,
	time       INTEGER,
	status     TEXT    NOT NULL,
	txid       TEXT    NOT NULL,
	info       TEXT    NOT NULL,
	raw        BLOB    NOT NULL,
	PRIMARY KEY (account_id, refid)
);

-- A snapshot is a set of balances seen at one time; an empty set is a valid
-- snapshot (the account held nothing), hence the separate header table.
CREATE TABLE balance_snapshots (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	time       INTEGER NOT NULL,
	UNIQUE (account_id, time)
);
CREATE TABLE balances (
	snapshot_id INTEGER NOT NULL REFERENCES balance_snapshots (id) ON DELETE CASCADE,
	asset       TEXT    NOT NULL,
	amount      TEXT    NOT NULL,
	PRIMARY KEY (snapshot_id, asset)
);

CREATE TABLE sync_runs (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	started     INTEGER NOT NULL,
	ended       INTEGER,
	calls       INTEGER NOT NULL DEFAULT 0,
	new_entries INTEGER NOT NULL DEFAULT 0,
	errors      TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
	outcome     TEXT    NOT NULL,
	reconciled  INTEGER NOT NULL DEFAULT 0,
	summary     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sync_runs_account ON sync_runs (account_id, id);
CREATE INDEX sync_runs_outcome ON sync_runs (outcome);

CREATE TABLE checkpoints (
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	stream      TEXT    NOT NULL,
	walk_start  TEXT    NOT NULL, -- Checkpoint.Start
	walk_end    TEXT    NOT NULL, -- Checkpoint.Window
	next_offset INTEGER NOT NULL,
	seen_count  INTEGER NOT NULL,
	done        INTEGER NOT NULL,
	state       TEXT    NOT NULL,
	updated     INTEGER NOT NULL,
	PRIMARY KEY (account_id, stream)
);

-- The per-account sync lock, shared by every process using the file.
CREATE TABLE locks (
	account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	owner      TEXT    NOT NULL,
	acquired   INTEGER NOT NULL,
	expires    INTEGER NOT NULL
);

-- Per-user settings, for later.
CREATE TABLE settings (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key     TEXT    NOT NULL,
	value   TEXT    NOT NULL,
	PRIMARY KEY (user_id, key)
);
