-- An import's records (its problem rows, the customers it changed or
-- removed, its do-not-call changes) refer to their job through a check
-- once a statement instead of a foreign key per row, as customers do since
-- 0014: an import of a million rows writes hundreds of thousands of them,
-- each of which locked and looked the job up again. The same guarantees:
-- the job exists (and is locked FOR KEY SHARE, so a delete of it waits),
-- and deleting a job deletes its records. Errors are 23503, as before.
-- import_files keeps its key: its chunks are few and large.

ALTER TABLE import_problems DROP CONSTRAINT import_problems_job_id_fkey;
ALTER TABLE import_changes DROP CONSTRAINT import_changes_job_id_fkey;
ALTER TABLE import_dnc_changes DROP CONSTRAINT import_dnc_changes_job_id_fkey;

CREATE FUNCTION import_records_check_job() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	missing bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
		RETURN NULL;
	END IF;
	PERFORM 1 FROM import_jobs WHERE id IN (SELECT DISTINCT job_id FROM new_rows) ORDER BY id FOR KEY SHARE;
	SELECT n.job_id INTO missing FROM (SELECT DISTINCT job_id FROM new_rows) n
		WHERE NOT EXISTS (SELECT 1 FROM import_jobs j WHERE j.id = n.job_id) LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'import job % does not exist', missing USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER import_problems_job_insert AFTER INSERT ON import_problems
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_records_check_job();
CREATE TRIGGER import_problems_job_update AFTER UPDATE ON import_problems
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_records_check_job();
CREATE TRIGGER import_changes_job_insert AFTER INSERT ON import_changes
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_records_check_job();
CREATE TRIGGER import_changes_job_update AFTER UPDATE ON import_changes
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_records_check_job();
CREATE TRIGGER import_dnc_changes_job_insert AFTER INSERT ON import_dnc_changes
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_records_check_job();
CREATE TRIGGER import_dnc_changes_job_update AFTER UPDATE ON import_dnc_changes
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_records_check_job();

CREATE FUNCTION import_jobs_delete_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM import_problems WHERE job_id IN (SELECT id FROM old_rows);
	DELETE FROM import_changes WHERE job_id IN (SELECT id FROM old_rows);
	DELETE FROM import_dnc_changes WHERE job_id IN (SELECT id FROM old_rows);
	RETURN NULL;
END $$;
CREATE TRIGGER import_jobs_delete_records AFTER DELETE ON import_jobs
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION import_jobs_delete_records();
