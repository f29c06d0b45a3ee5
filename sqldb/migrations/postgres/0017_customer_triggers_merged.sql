-- One trigger for each kind of write to customers, not two, and a
-- reference checked by one statement that both locks and finds it.
--
-- An insert ran two statement triggers (the references of 0014 and the
-- counts of 0013), and the reference check ran five statements for the
-- distinct references plus a call. For a single add that was about 60% of
-- the cost of its INSERT: pgbench of one-row inserts, two clients, the
-- two schemas alternating four times, 4,837-4,989 inserts/s before and
-- 7,644-8,226 after. For a million rows it is one pass over the new rows
-- instead of two.
--
-- The rules are those of 0013 and 0014:
--   * a customer's campaign, status and agent exist and belong to its own
--     account, else foreign_key_violation (23503);
--   * each is locked FOR KEY SHARE, as a foreign key locks it, so that a
--     delete running beside the write waits for it. A locking SELECT that
--     meets a row deleted by a transaction that committed meanwhile finds
--     nothing, so the lock and the check are one statement;
--   * the counts by campaign and status change in the same statement, in
--     the order of campaign and status.

CREATE FUNCTION check_customer_ref(account bigint, campaign bigint, status bigint, agent bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM campaigns WHERE id = campaign AND account_id = account FOR KEY SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'customer of account % refers to campaign % that is not the account''s', account, campaign
			USING ERRCODE = 'foreign_key_violation', TABLE = 'customers', COLUMN = 'campaign_id';
	END IF;
	PERFORM 1 FROM statuses WHERE id = status AND account_id = account FOR KEY SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'customer of account % refers to status % that is not the account''s', account, status
			USING ERRCODE = 'foreign_key_violation', TABLE = 'customers', COLUMN = 'status_id';
	END IF;
	IF agent IS NOT NULL THEN
		PERFORM 1 FROM users WHERE id = agent AND account_id = account FOR KEY SHARE;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'customer of account % refers to agent % that is not the account''s', account, agent
				USING ERRCODE = 'foreign_key_violation', TABLE = 'customers', COLUMN = 'agent_id';
		END IF;
	END IF;
END $$;

CREATE FUNCTION customers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	g record;
BEGIN
	-- An import's million rows are a handful of groups: one campaign and
	-- status, and its agents.
	FOR g IN SELECT account_id, campaign_id, status_id, agent_id, count(*) AS n FROM new_rows
		GROUP BY campaign_id, status_id, agent_id, account_id ORDER BY campaign_id, status_id, agent_id, account_id
	LOOP
		PERFORM check_customer_ref(g.account_id, g.campaign_id, g.status_id, g.agent_id);
		INSERT INTO campaign_counts AS k (campaign_id, status_id, shard, customers)
			VALUES (g.campaign_id, g.status_id, pg_backend_pid() % 16, g.n)
			ON CONFLICT (campaign_id, status_id, shard) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	END LOOP;
	RETURN NULL;
END $$;

-- Only rows whose references changed are checked, as a key would; of
-- those, the ones whose campaign or status changed move between counts.
CREATE FUNCTION customers_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	g record;
	cs bigint[] := '{}'; ss bigint[] := '{}'; ds bigint[] := '{}';
BEGIN
	FOR g IN SELECT n.account_id, n.campaign_id, n.status_id, n.agent_id, o.campaign_id AS was_campaign, o.status_id AS was_status, count(*) AS n
		FROM new_rows n JOIN old_rows o ON o.id = n.id
		WHERE n.account_id <> o.account_id OR n.campaign_id <> o.campaign_id OR n.status_id <> o.status_id
			OR n.agent_id IS DISTINCT FROM o.agent_id
		GROUP BY n.campaign_id, n.status_id, n.agent_id, n.account_id, o.campaign_id, o.status_id
		ORDER BY n.campaign_id, n.status_id, n.agent_id, n.account_id
	LOOP
		PERFORM check_customer_ref(g.account_id, g.campaign_id, g.status_id, g.agent_id);
		IF g.campaign_id <> g.was_campaign OR g.status_id <> g.was_status THEN
			cs := cs || g.was_campaign || g.campaign_id;
			ss := ss || g.was_status || g.status_id;
			ds := ds || -g.n || g.n;
		END IF;
	END LOOP;
	IF cardinality(cs) > 0 THEN
		INSERT INTO campaign_counts AS k (campaign_id, status_id, shard, customers)
			SELECT c, s, pg_backend_pid() % 16, sum(d) FROM unnest(cs, ss, ds) AS x (c, s, d)
			GROUP BY c, s HAVING sum(d) <> 0 ORDER BY c, s
			ON CONFLICT (campaign_id, status_id, shard) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	END IF;
	RETURN NULL;
END $$;

DROP TRIGGER customers_refs_insert ON customers;
DROP TRIGGER customers_count_insert ON customers;
DROP TRIGGER customers_refs_update ON customers;
DROP TRIGGER customers_count_update ON customers;
DROP FUNCTION customers_refs_inserted();
DROP FUNCTION customers_refs_updated();
DROP FUNCTION campaign_counts_add();
DROP FUNCTION campaign_counts_change();
DROP FUNCTION check_customer_refs(bigint[], bigint[], bigint[], bigint[]);

CREATE TRIGGER customers_insert AFTER INSERT ON customers
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_inserted();
CREATE TRIGGER customers_update AFTER UPDATE ON customers
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_updated();
