-- Mappings admins chose, remembered per account by the file's set of
-- columns, so that the next file with those columns (in any campaign) is
-- matched the same way. columns_key is callsheet.ColumnsKey: the folded
-- names, sorted, hashed. columns (a JSON array) are the names as they
-- were; mapping is a JSON object, field -> column, as an import's.

CREATE TABLE saved_mappings (
	account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	columns_key  TEXT NOT NULL,
	columns      TEXT NOT NULL,
	mapping      TEXT NOT NULL,
	saved_by     TEXT NOT NULL DEFAULT '',
	saved_at     INTEGER NOT NULL,
	PRIMARY KEY (account_id, columns_key)
);
CREATE INDEX saved_mappings_saved ON saved_mappings (account_id, saved_at);
