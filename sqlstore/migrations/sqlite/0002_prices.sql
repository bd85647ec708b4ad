-- cointally schema for SQLite, version 2: prices.
--
-- One table for cached market data (one point per pair and UTC day, from a
-- source such as "kraken-ohlc") and the user's own prices (source "user",
-- at the moment the user gave). Prices are shared by every user of the
-- instance: they are facts about the market, not about an account.
-- missing = 1 records that the source had no price for that pair and time,
-- so it is not asked again; price is then '0'.
CREATE TABLE prices (
	base    TEXT    NOT NULL,
	quote   TEXT    NOT NULL,
	time    INTEGER NOT NULL, -- unix nanoseconds UTC
	source  TEXT    NOT NULL,
	price   TEXT    NOT NULL, -- canonical decimal text
	missing INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (base, quote, time, source)
) WITHOUT ROWID;
CREATE INDEX prices_source ON prices (source, base, quote, time);
