-- Webhook delivery that no receiver can sink and that posts each event at most once
-- (issue 14).

-- The receiver (`host:port`, the port explicit) each webhook posts to: deliveries in flight
-- are counted per receiver, so a slow one holds at most `webhooks.per_host_concurrency`.
ALTER TABLE webhooks ADD COLUMN host TEXT;
UPDATE webhooks w SET host = CASE
        WHEN h.host ~ ':[0-9]+$' THEN h.host
        WHEN w.url ILIKE 'https:%' THEN h.host || ':443'
        ELSE h.host || ':80'
    END
FROM (SELECT id, lower(coalesce(substring(url FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/?#]+)'), ''))
      AS host FROM webhooks) h
WHERE h.id = w.id;
ALTER TABLE webhooks ALTER COLUMN host SET NOT NULL;

-- A delivery being posted is `sending` (claimed at `claimed_at`) until its outcome is
-- recorded: it is never claimed again meanwhile, and one whose worker died stays unsent
-- rather than posted twice (it ends failed, replayable).
ALTER TABLE webhook_deliveries ADD COLUMN claimed_at TIMESTAMPTZ;
CREATE INDEX webhook_deliveries_sending ON webhook_deliveries (claimed_at) WHERE status = 'sending';
