-- cointally schema for SQLite, version 3: web sessions and login throttling.
--
-- A session is keyed by the SHA-256 of the token in the browser's cookie;
-- the token itself is never stored. Failed logins are kept per key
-- ("user:NAME", "addr:IP") for a day, so the throttle holds across
-- processes and restarts.
CREATE TABLE sessions (
	token_hash BLOB    PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT    NOT NULL,
	created    INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	address    TEXT    NOT NULL DEFAULT '',
	user_agent TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);

CREATE TABLE login_failures (
	key  TEXT    NOT NULL,
	time INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, time);
