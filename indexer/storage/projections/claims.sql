-- Projection `claims`: runs for batches with Claimed, CommissionClaimed events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO claims (chain_id, order_id, account, kind, token, amount)
SELECT $1, (args->>'orderId')::NUMERIC, coalesce(args->>'account', args->>'promoter'),
    CASE event WHEN 'Claimed' THEN 'share' ELSE 'commission' END, args->>'token',
    sum((args->>'amount')::NUMERIC)
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Claimed', 'CommissionClaimed')
GROUP BY 2, 3, 4, 5
ON CONFLICT (chain_id, order_id, account, kind) DO UPDATE SET amount = claims.amount + EXCLUDED.amount
