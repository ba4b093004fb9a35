-- Projection `escrow_balances`: runs for batches with Claimed, CommissionClaimed, DisputeRuled,
-- Withdrawn events.
-- $1 chain id, $2..$3 the batch's block range.
-- Internal balances: credited by claims and by a ruling's bond (to `bondTo`, in the order's
-- token), paid out by withdrawals (`collect` pays through one too).
INSERT INTO escrow_balances (chain_id, token, account, credited, withdrawn)
SELECT $1, token, account, sum(credited), sum(withdrawn) FROM (
    SELECT args->>'token' AS token, coalesce(args->>'account', args->>'promoter') AS account,
        CASE WHEN event = 'Withdrawn' THEN 0 ELSE (args->>'amount')::NUMERIC END AS credited,
        CASE WHEN event = 'Withdrawn' THEN (args->>'amount')::NUMERIC ELSE 0 END AS withdrawn
    FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Claimed', 'CommissionClaimed', 'Withdrawn')
    UNION ALL
    SELECT o.token, e.args->>'bondTo', (e.args->>'bond')::NUMERIC, 0
    FROM events e JOIN orders o ON o.chain_id = $1 AND o.order_id = (e.args->>'orderId')::NUMERIC
    WHERE e.chain_id = $1 AND e.block_number BETWEEN $2 AND $3 AND e.contract = 'escrow' AND e.event = 'DisputeRuled'
) x
GROUP BY 2, 3
ON CONFLICT (chain_id, token, account) DO UPDATE
SET credited = escrow_balances.credited + EXCLUDED.credited,
    withdrawn = escrow_balances.withdrawn + EXCLUDED.withdrawn
