-- The interface language: each account has a default, which a new
-- account takes from its country (Hebrew in IL), and each user may choose
-- another ('' follows the account).
ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
