-- Rate limit counters that several app servers share: the events of a key
-- (a login, a client address, an API token) counted in fixed windows of
-- time, one row per key and window. A limit weighs the previous window
-- with the current one, so each key has at most two live rows; a row is
-- kept until expires_at, the end of the window after its own.
--
-- UNLOGGED: counters are rewritten on every request and are worth nothing
-- after a crash, so they skip the write-ahead log (a crash or a failover
-- starts every count again from zero). The fill factor leaves room in each
-- page for updates that stay in place.

CREATE UNLOGGED TABLE rate_limits (
	limit_key     TEXT NOT NULL,
	window_start  BIGINT NOT NULL,
	hits          BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL,
	PRIMARY KEY (limit_key, window_start)
) WITH (fillfactor = 70);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);
