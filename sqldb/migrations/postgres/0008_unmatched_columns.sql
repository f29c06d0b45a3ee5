-- The columns of an import's file that no field of its mapping takes,
-- as a JSON array in the file's order: recorded when the import runs (or
-- is previewed), so that its report, the API and the command line can say
-- what was left out, also once the file itself is purged. NULL until the
-- run has read the file's header, and for imports without a file.
ALTER TABLE import_jobs ADD COLUMN unmatched_columns TEXT;
