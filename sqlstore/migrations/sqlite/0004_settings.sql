-- cointally schema for SQLite, version 4: per-user settings, read-only
-- grants between users, and a version number of each account's ledger.
--
-- ledger_version grows with every write that adds or replaces entries, so
-- caches of what is computed from a ledger (events, valuations) know when
-- they are stale.
ALTER TABLE accounts ADD COLUMN ledger_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE user_settings (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key     TEXT    NOT NULL,
	value   TEXT    NOT NULL,
	PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE TABLE grants (
	owner_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	viewer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created   INTEGER NOT NULL,
	PRIMARY KEY (owner_id, viewer_id)
) WITHOUT ROWID;
CREATE INDEX grants_viewer ON grants (viewer_id, owner_id);
