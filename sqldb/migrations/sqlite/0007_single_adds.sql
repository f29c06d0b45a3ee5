-- A single add is one customer given field by field (the API's add, a
-- batch of one, the agents' Add customer form): still a job, for its
-- outcome, replays and undo, but the campaign's history sums these by way
-- in and day instead of listing each, so a site sending thousands of
-- leads a day does not bury the files.
ALTER TABLE import_jobs ADD COLUMN single BOOLEAN NOT NULL DEFAULT FALSE;

-- The adds made before the column: one row, no file, through the API or
-- the form.
UPDATE import_jobs SET single = TRUE
	WHERE source IN ('api', 'form') AND file_name = '' AND file_size = 0 AND rows_read = 1;

-- The history lists the files and batches newest first, and sums the
-- single adds of a span of days; each reads only its own kind.
CREATE INDEX import_jobs_batches ON import_jobs (account_id, campaign_id, id) WHERE NOT single;
CREATE INDEX import_jobs_single_adds ON import_jobs (account_id, campaign_id, created_at) WHERE single;
