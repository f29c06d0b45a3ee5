-- An invalid row's problem as catalogue messages (keys and typed
-- arguments, JSON), beside its English in message, so that the pages and
-- the problem report show it in the reader's language. NULL for rows
-- stored before, whose English is read back into keys instead.
ALTER TABLE import_problems ADD COLUMN reason TEXT;
