-- The foundation: accounts, users, campaigns, statuses, custom fields,
-- customers, the do-not-call register, tokens, sessions and the audit log.
-- Times are Unix microseconds (UTC) in both engines, so the same SQL
-- compares them.

CREATE TABLE accounts (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	country    TEXT NOT NULL,
	time_zone  TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE users (
	id               INTEGER PRIMARY KEY,
	account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name             TEXT NOT NULL,
	login            TEXT NOT NULL UNIQUE,
	password_hash    TEXT NOT NULL,
	role             TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
	can_add_customer BOOLEAN NOT NULL DEFAULT FALSE,
	active           BOOLEAN NOT NULL DEFAULT TRUE,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	UNIQUE (account_id, name)
);

CREATE TABLE campaigns (
	id           INTEGER PRIMARY KEY,
	account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	archived     BOOLEAN NOT NULL DEFAULT FALSE,
	last_mapping TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	UNIQUE (account_id, name)
);

CREATE TABLE campaign_agents (
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_agents_user ON campaign_agents (user_id);

CREATE TABLE statuses (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('initial', 'open', 'follow_up', 'do_not_call', 'closed')),
	position   INTEGER NOT NULL,
	UNIQUE (account_id, name)
);
CREATE UNIQUE INDEX statuses_one_initial ON statuses (account_id) WHERE kind = 'initial';

CREATE TABLE custom_fields (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	label      TEXT NOT NULL,
	type       TEXT NOT NULL CHECK (type IN ('text', 'number', 'date')),
	UNIQUE (account_id, label)
);

CREATE TABLE customers (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	campaign_id        INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	name               TEXT NOT NULL,
	last_name          TEXT NOT NULL DEFAULT '',
	phone              TEXT NOT NULL,
	email              TEXT NOT NULL DEFAULT '',
	source             TEXT NOT NULL DEFAULT '',
	note               TEXT NOT NULL DEFAULT '',
	external_id        TEXT NOT NULL DEFAULT '',
	status_id          INTEGER NOT NULL REFERENCES statuses (id),
	agent_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
	follow_up_at       INTEGER,
	created_at         INTEGER NOT NULL,
	contact_allowed_at INTEGER,
	custom             TEXT NOT NULL DEFAULT '{}', -- JSON object: custom field id to value
	updated_at         INTEGER NOT NULL,
	version            INTEGER NOT NULL DEFAULT 1, -- bumped by every change; undo compares it
	import_id          INTEGER,                    -- the import that added it
	import_line        INTEGER                     -- and the line of its file
);
CREATE UNIQUE INDEX customers_campaign_phone ON customers (campaign_id, phone);
-- A campaign's customers newest first, a page at a time, without a sort.
CREATE INDEX customers_campaign_id ON customers (campaign_id, id);
CREATE INDEX customers_account_phone ON customers (account_id, phone);
CREATE INDEX customers_campaign_status ON customers (campaign_id, status_id);
-- Agents' work lists; unassigned customers need no entry.
CREATE INDEX customers_agent ON customers (agent_id) WHERE agent_id IS NOT NULL;

CREATE TABLE do_not_call (
	id           INTEGER PRIMARY KEY,
	account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	phone        TEXT NOT NULL,
	requested_at INTEGER NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	UNIQUE (account_id, phone)
);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	hash       TEXT NOT NULL UNIQUE,
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_events (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	user_id     INTEGER,
	token_id    INTEGER,
	actor_name  TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   INTEGER NOT NULL,
	detail      TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
);
CREATE INDEX audit_events_account ON audit_events (account_id, id);
