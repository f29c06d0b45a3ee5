-- How many customers each campaign holds in each status, kept by the
-- database itself in the transaction that changes customers, so that the
-- campaigns list and a campaign's page read a few rows instead of counting
-- a million. Triggers keep it: every way a customer is written (a form,
-- the API, an import, undo, a campaign's deletion) passes through them.
-- They run once per statement, over the statement's rows (transition
-- tables), so an import of a million rows changes the counts once; and
-- each writes its changes in one statement in key order, so that two
-- transactions take the counts' row locks in the same order and cannot
-- deadlock on them.
CREATE TABLE campaign_counts (
	campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	status_id   BIGINT NOT NULL,
	customers   BIGINT NOT NULL,
	PRIMARY KEY (campaign_id, status_id)
);

INSERT INTO campaign_counts (campaign_id, status_id, customers)
	SELECT campaign_id, status_id, count(*) FROM customers GROUP BY campaign_id, status_id;

CREATE FUNCTION campaign_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO campaign_counts AS k (campaign_id, status_id, customers)
		SELECT campaign_id, status_id, count(*) FROM new_rows
		GROUP BY campaign_id, status_id ORDER BY campaign_id, status_id
		ON CONFLICT (campaign_id, status_id) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	RETURN NULL;
END $$;

CREATE FUNCTION campaign_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO campaign_counts AS k (campaign_id, status_id, customers)
		SELECT o.campaign_id, o.status_id, -count(*) FROM old_rows o
		WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.id = o.campaign_id)
		GROUP BY o.campaign_id, o.status_id ORDER BY o.campaign_id, o.status_id
		ON CONFLICT (campaign_id, status_id) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	RETURN NULL;
END $$;

CREATE FUNCTION campaign_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO campaign_counts AS k (campaign_id, status_id, customers)
		SELECT campaign_id, status_id, sum(d) FROM (
			SELECT o.campaign_id, o.status_id, -1 AS d FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.campaign_id <> n.campaign_id OR o.status_id <> n.status_id
			UNION ALL
			SELECT n.campaign_id, n.status_id, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.campaign_id <> n.campaign_id OR o.status_id <> n.status_id
		) x
		GROUP BY campaign_id, status_id HAVING sum(d) <> 0 ORDER BY campaign_id, status_id
		ON CONFLICT (campaign_id, status_id) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	RETURN NULL;
END $$;

CREATE TRIGGER customers_count_insert AFTER INSERT ON customers
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_add();
CREATE TRIGGER customers_count_delete AFTER DELETE ON customers
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_remove();
CREATE TRIGGER customers_count_update AFTER UPDATE ON customers
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_change();
