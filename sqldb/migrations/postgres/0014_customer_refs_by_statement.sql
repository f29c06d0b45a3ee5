-- A customer's references (its account, campaign, status and agent) are
-- checked once per statement instead of once per row. Foreign keys ran
-- three lookups for every customer written (four with an agent), and an
-- import of a million rows spent about 17 of its 39 seconds inserting new
-- customers on them. The triggers below keep what the keys kept, and more:
--   * a customer's campaign, status and agent belong to its own account;
--   * the referenced rows are locked FOR KEY SHARE, as a foreign key locks
--     them, so that deleting one waits for the writing transaction;
--   * deleting a campaign deletes its customers (ON DELETE CASCADE), and an
--     account's go with its campaigns;
--   * deleting a user leaves their customers unassigned (ON DELETE SET NULL);
--   * a status in use cannot be deleted, unless its account is.
-- Errors are foreign_key_violation (23503), as the keys' were.
-- SQLite keeps its foreign keys: there they cost little.

ALTER TABLE customers DROP CONSTRAINT customers_account_id_fkey;
ALTER TABLE customers DROP CONSTRAINT customers_campaign_id_fkey;
ALTER TABLE customers DROP CONSTRAINT customers_status_id_fkey;
ALTER TABLE customers DROP CONSTRAINT customers_agent_id_fkey;

-- check_customer_refs checks the references of customers, given as the
-- distinct (account, campaign, status, agent) they hold, one array each.
CREATE FUNCTION check_customer_refs(ref_accounts bigint[], ref_campaigns bigint[], ref_statuses bigint[], ref_agents bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	bad record;
BEGIN
	-- Lock first: a row being deleted by another transaction is waited
	-- for, and the check below, on a snapshot taken after, sees it gone.
	PERFORM 1 FROM campaigns WHERE id = ANY (ref_campaigns) ORDER BY id FOR KEY SHARE;
	PERFORM 1 FROM statuses WHERE id = ANY (ref_statuses) ORDER BY id FOR KEY SHARE;
	PERFORM 1 FROM users WHERE id = ANY (ref_agents) ORDER BY id FOR KEY SHARE;
	SELECT * INTO bad FROM unnest(ref_accounts, ref_campaigns, ref_statuses, ref_agents) AS r (account_id, campaign_id, status_id, agent_id)
	WHERE NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = r.campaign_id AND c.account_id = r.account_id)
		OR NOT EXISTS (SELECT 1 FROM statuses s WHERE s.id = r.status_id AND s.account_id = r.account_id)
		OR (r.agent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = r.agent_id AND u.account_id = r.account_id))
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'customer of account % refers to campaign %, status % or agent % that is not the account''s',
			bad.account_id, bad.campaign_id, bad.status_id, bad.agent_id
			USING ERRCODE = 'foreign_key_violation', TABLE = 'customers';
	END IF;
END $$;

CREATE FUNCTION customers_refs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	a bigint[]; c bigint[]; s bigint[]; g bigint[];
BEGIN
	SELECT array_agg(account_id), array_agg(campaign_id), array_agg(status_id), array_agg(agent_id) INTO a, c, s, g
		FROM (SELECT DISTINCT account_id, campaign_id, status_id, agent_id FROM new_rows) r;
	IF a IS NOT NULL THEN
		PERFORM check_customer_refs(a, c, s, g);
	END IF;
	RETURN NULL;
END $$;

-- Only rows whose references changed are checked, as a key would.
CREATE FUNCTION customers_refs_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	a bigint[]; c bigint[]; s bigint[]; g bigint[];
BEGIN
	SELECT array_agg(account_id), array_agg(campaign_id), array_agg(status_id), array_agg(agent_id) INTO a, c, s, g
		FROM (SELECT DISTINCT n.account_id, n.campaign_id, n.status_id, n.agent_id FROM new_rows n JOIN old_rows o ON o.id = n.id
			WHERE n.account_id <> o.account_id OR n.campaign_id <> o.campaign_id OR n.status_id <> o.status_id
				OR n.agent_id IS DISTINCT FROM o.agent_id) r;
	IF a IS NOT NULL THEN
		PERFORM check_customer_refs(a, c, s, g);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER customers_refs_insert AFTER INSERT ON customers
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_refs_inserted();
CREATE TRIGGER customers_refs_update AFTER UPDATE ON customers
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_refs_updated();

CREATE FUNCTION campaigns_delete_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM customers WHERE campaign_id IN (SELECT id FROM old_rows);
	RETURN NULL;
END $$;
CREATE TRIGGER campaigns_delete_customers AFTER DELETE ON campaigns
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaigns_delete_customers();

CREATE FUNCTION users_unassign_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE customers SET agent_id = NULL WHERE agent_id IN (SELECT id FROM old_rows);
	RETURN NULL;
END $$;
CREATE TRIGGER users_unassign_customers AFTER DELETE ON users
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION users_unassign_customers();

CREATE FUNCTION statuses_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	used bigint;
BEGIN
	SELECT o.id INTO used FROM old_rows o
	WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = o.account_id)
		AND EXISTS (SELECT 1 FROM campaigns cp JOIN customers c ON c.campaign_id = cp.id AND c.status_id = o.id
			WHERE cp.account_id = o.account_id)
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'status % is given to customers', used USING ERRCODE = 'foreign_key_violation', TABLE = 'statuses';
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER statuses_in_use AFTER DELETE ON statuses
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statuses_in_use();
