-- cointally schema for SQLite, version 6: entries by refid, for finding
-- every leg of a transaction (the web's search) without a scan.
CREATE INDEX ledger_entries_refid ON ledger_entries (account_id, refid);
