-- Import jobs: the options, mapping and file of every import, its progress
-- and counts, the rows it did not add or update, and what undo needs.

CREATE TABLE import_jobs (
	id               INTEGER PRIMARY KEY,
	account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	campaign_id      INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	source           TEXT NOT NULL,
	created_by       TEXT NOT NULL DEFAULT '',
	user_id          INTEGER,
	token_id         INTEGER,
	file_name        TEXT NOT NULL DEFAULT '',
	file_size        INTEGER NOT NULL DEFAULT 0,
	encoding         TEXT NOT NULL DEFAULT '',
	sheet            TEXT NOT NULL DEFAULT '',
	mapping          TEXT NOT NULL DEFAULT '{}',
	options          TEXT NOT NULL DEFAULT '{}',
	state            TEXT NOT NULL,
	error            TEXT NOT NULL DEFAULT '',
	counts           TEXT NOT NULL DEFAULT '{}',
	applied          BOOLEAN NOT NULL DEFAULT FALSE,
	rows_read        INTEGER NOT NULL DEFAULT 0,
	bytes_read       INTEGER NOT NULL DEFAULT 0,
	attempts         INTEGER NOT NULL DEFAULT 0,
	worker           TEXT NOT NULL DEFAULT '',
	lease_until      INTEGER,
	cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
	created_at       INTEGER NOT NULL,
	started_at       INTEGER,
	finished_at      INTEGER,
	undone_at        INTEGER
);
CREATE INDEX import_jobs_campaign ON import_jobs (account_id, campaign_id, id);
CREATE INDEX import_jobs_state ON import_jobs (state, id);

-- The uploaded file, in chunks, so it can be streamed in and out.
CREATE TABLE import_files (
	job_id INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (job_id, seq)
);

-- Rows not added or updated, and rows left blocked, by line.
CREATE TABLE import_problems (
	job_id       INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
	line         INTEGER NOT NULL,
	outcome      TEXT NOT NULL,
	blocked      BOOLEAN NOT NULL DEFAULT FALSE,
	duplicate_of INTEGER,
	customer_id  INTEGER,
	field        TEXT NOT NULL DEFAULT '',
	column_name  TEXT NOT NULL DEFAULT '',
	message      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (job_id, line)
);

-- Customers an import changed (kind updated or reset, the row's outcome)
-- or deleted from other campaigns (kind removed), as they were before it.
CREATE TABLE import_changes (
	job_id             INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
	kind               TEXT NOT NULL CHECK (kind IN ('updated', 'reset', 'removed')),
	line               INTEGER NOT NULL,
	customer_id        INTEGER NOT NULL,
	campaign_id        INTEGER NOT NULL,
	name               TEXT NOT NULL,
	last_name          TEXT NOT NULL,
	phone              TEXT NOT NULL,
	email              TEXT NOT NULL,
	source             TEXT NOT NULL,
	note               TEXT NOT NULL,
	external_id        TEXT NOT NULL,
	status_id          INTEGER NOT NULL,
	agent_id           INTEGER,
	follow_up_at       INTEGER,
	created_at         INTEGER NOT NULL,
	contact_allowed_at INTEGER,
	custom             TEXT NOT NULL,
	updated_at         INTEGER NOT NULL,
	version            INTEGER NOT NULL,
	import_id          INTEGER,
	import_line        INTEGER
);
CREATE INDEX import_changes_job ON import_changes (job_id, kind);

-- Do-not-call entries an import wrote, with what was there before.
CREATE TABLE import_dnc_changes (
	job_id          INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
	phone           TEXT NOT NULL,
	had_entry       BOOLEAN NOT NULL,
	requested_at    INTEGER,
	reason          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (job_id, phone)
);
