-- The counts by campaign and status in shards. With one row per campaign
-- and status, every transaction that adds a customer to a campaign updated
-- the same row and held its lock until it committed, so single adds to a
-- campaign queued there one by one. Each connection now writes the shard
-- of its backend process (of 16), and readers sum the shards. A shard may
-- go below zero (a customer counted in one and removed through another);
-- only the sum is a count.
ALTER TABLE campaign_counts ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE campaign_counts DROP CONSTRAINT campaign_counts_pkey;
ALTER TABLE campaign_counts ADD PRIMARY KEY (campaign_id, status_id, shard);

CREATE OR REPLACE FUNCTION campaign_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO campaign_counts AS k (campaign_id, status_id, shard, customers)
		SELECT campaign_id, status_id, pg_backend_pid() % 16, count(*) FROM new_rows
		GROUP BY campaign_id, status_id ORDER BY campaign_id, status_id
		ON CONFLICT (campaign_id, status_id, shard) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION campaign_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO campaign_counts AS k (campaign_id, status_id, shard, customers)
		SELECT o.campaign_id, o.status_id, pg_backend_pid() % 16, -count(*) FROM old_rows o
		WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.id = o.campaign_id)
		GROUP BY o.campaign_id, o.status_id ORDER BY o.campaign_id, o.status_id
		ON CONFLICT (campaign_id, status_id, shard) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION campaign_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO campaign_counts AS k (campaign_id, status_id, shard, customers)
		SELECT campaign_id, status_id, pg_backend_pid() % 16, sum(d) FROM (
			SELECT o.campaign_id, o.status_id, -1 AS d FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.campaign_id <> n.campaign_id OR o.status_id <> n.status_id
			UNION ALL
			SELECT n.campaign_id, n.status_id, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.campaign_id <> n.campaign_id OR o.status_id <> n.status_id
		) x
		GROUP BY campaign_id, status_id HAVING sum(d) <> 0 ORDER BY campaign_id, status_id
		ON CONFLICT (campaign_id, status_id, shard) DO UPDATE SET customers = k.customers + EXCLUDED.customers;
	RETURN NULL;
END $$;
