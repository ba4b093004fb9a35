-- Projection `escrow_balances`: runs for batches with Claimed, CommissionClaimed, Withdrawn events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO escrow_balances (chain_id, token, account, credited, withdrawn)
SELECT $1, args->>'token', coalesce(args->>'account', args->>'promoter'),
    sum(CASE WHEN event = 'Withdrawn' THEN 0 ELSE (args->>'amount')::NUMERIC END),
    sum(CASE WHEN event = 'Withdrawn' THEN (args->>'amount')::NUMERIC ELSE 0 END)
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Claimed', 'CommissionClaimed', 'Withdrawn')
GROUP BY 2, 3
ON CONFLICT (chain_id, token, account) DO UPDATE
SET credited = escrow_balances.credited + EXCLUDED.credited,
    withdrawn = escrow_balances.withdrawn + EXCLUDED.withdrawn
