-- Rate limit counters that several app servers share: the events of a key
-- (a login, a client address, an API token) counted in fixed windows of
-- time, one row per key and window. A limit weighs the previous window
-- with the current one, so each key has at most two live rows; a row is
-- kept until expires_at, the end of the window after its own.
--
-- A server on SQLite counts in its own memory and leaves this table empty;
-- it exists so that both engines have the same schema and the store's
-- counters can be tested on both.

CREATE TABLE rate_limits (
	limit_key     TEXT NOT NULL,
	window_start  INTEGER NOT NULL,
	hits          INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	PRIMARY KEY (limit_key, window_start)
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);
