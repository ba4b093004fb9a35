-- Projection `promotions`: runs for batches with Pledged, Unpledged events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO promotions (chain_id, order_id, promoter, units, amount)
SELECT $1, (args->>'orderId')::NUMERIC, args->>'promoter',
    sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'units')::NUMERIC),
    sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'amount')::NUMERIC)
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Pledged', 'Unpledged')
  AND args->>'promoter' <> '0x0000000000000000000000000000000000000000'
GROUP BY 2, 3
ON CONFLICT (chain_id, order_id, promoter) DO UPDATE
SET units = promotions.units + EXCLUDED.units, amount = promotions.amount + EXCLUDED.amount
