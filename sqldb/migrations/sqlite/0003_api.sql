-- Idempotency keys of API requests: the first answer to each key, kept for
-- a day so that a retry gets it again. scope is the token (token:<id>) or
-- the user (user:<id>) that sent the key; keys of different tokens never
-- meet. state is pending while the first request runs; headers are the
-- answer's own (Content-Type, Location) as a JSON object.

CREATE TABLE idempotency_keys (
	account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	scope        TEXT NOT NULL,
	idem_key     TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('pending', 'done')),
	status       INTEGER NOT NULL DEFAULT 0,
	headers      TEXT NOT NULL DEFAULT '{}',
	body         BLOB,
	created_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	PRIMARY KEY (account_id, scope, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
