-- How many customers each campaign holds in each status, kept by the
-- database itself in the transaction that changes customers, so that the
-- campaigns list and a campaign's page read a few rows instead of counting
-- a million. Triggers keep it: every way a customer is written (a form,
-- the API, an import, undo, a campaign's deletion) passes through them.
CREATE TABLE campaign_counts (
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL,
	customers   INTEGER NOT NULL,
	PRIMARY KEY (campaign_id, status_id)
) WITHOUT ROWID;

INSERT INTO campaign_counts (campaign_id, status_id, customers)
	SELECT campaign_id, status_id, count(*) FROM customers GROUP BY campaign_id, status_id;

CREATE TRIGGER customers_count_insert AFTER INSERT ON customers BEGIN
	INSERT INTO campaign_counts (campaign_id, status_id, customers) VALUES (new.campaign_id, new.status_id, 1)
		ON CONFLICT (campaign_id, status_id) DO UPDATE SET customers = customers + 1;
END;

CREATE TRIGGER customers_count_delete AFTER DELETE ON customers BEGIN
	UPDATE campaign_counts SET customers = customers - 1 WHERE campaign_id = old.campaign_id AND status_id = old.status_id;
END;

CREATE TRIGGER customers_count_update AFTER UPDATE OF campaign_id, status_id ON customers
	WHEN old.campaign_id <> new.campaign_id OR old.status_id <> new.status_id BEGIN
	UPDATE campaign_counts SET customers = customers - 1 WHERE campaign_id = old.campaign_id AND status_id = old.status_id;
	INSERT INTO campaign_counts (campaign_id, status_id, customers) VALUES (new.campaign_id, new.status_id, 1)
		ON CONFLICT (campaign_id, status_id) DO UPDATE SET customers = customers + 1;
END;
