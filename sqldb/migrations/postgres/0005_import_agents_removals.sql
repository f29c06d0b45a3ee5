-- What an import shows before it writes: the agents its rows give
-- customers who do not work its campaign (and those it gave the campaign),
-- and, for Move them here, the customers of other campaigns it deletes,
-- summed by campaign. Each is a JSON array, kept with the job.
ALTER TABLE import_jobs ADD COLUMN agents_outside TEXT NOT NULL DEFAULT '[]';
ALTER TABLE import_jobs ADD COLUMN agents_granted TEXT NOT NULL DEFAULT '[]';
ALTER TABLE import_jobs ADD COLUMN removed_from TEXT NOT NULL DEFAULT '[]';

-- The import that gave an agent a campaign, so that undoing it takes back
-- that access and no other. Saving a user's campaigns writes the rows
-- afresh, without it: the access is then the admin's, not the import's.
ALTER TABLE campaign_agents ADD COLUMN import_id BIGINT REFERENCES import_jobs (id) ON DELETE SET NULL;
CREATE INDEX campaign_agents_import ON campaign_agents (import_id) WHERE import_id IS NOT NULL;

-- A job's removed customers are read by line, a page at a time, for its
-- report; the index serves what the one it replaces did.
DROP INDEX import_changes_job;
CREATE INDEX import_changes_job_line ON import_changes (job_id, kind, line);
