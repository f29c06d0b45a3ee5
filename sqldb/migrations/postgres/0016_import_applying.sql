-- The time the writes of an import that writes in steps bear (SQLite's;
-- PostgreSQL imports write in one transaction and leave it NULL). Kept on
-- both engines so that undo reads the same column.
ALTER TABLE import_jobs ADD COLUMN applying_at BIGINT;
