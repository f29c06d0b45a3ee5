-- An import that writes in steps (SQLite, so that others write between
-- them) records, from its first step, the time its writes bear. While the
-- job runs, a time here says it has written part of its rows: a run that
-- ends without finishing (an error, a cancel, a crash) takes them back by
-- the job's undo records. The register's entries the import made are the
-- ones requested at this time.
ALTER TABLE import_jobs ADD COLUMN applying_at INTEGER;
