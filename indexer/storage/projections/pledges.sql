-- Projection `pledges`: runs for batches with Pledged, Unpledged events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO pledges (chain_id, order_id, backer, promoter, units, paid)
SELECT $1, (args->>'orderId')::NUMERIC, args->>'backer',
    (array_agg(args->>'promoter' ORDER BY block_number DESC, log_index DESC))[1],
    sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'units')::NUMERIC),
    sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'amount')::NUMERIC)
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Pledged', 'Unpledged')
GROUP BY 2, 3
ON CONFLICT (chain_id, order_id, backer) DO UPDATE
SET promoter = EXCLUDED.promoter, units = pledges.units + EXCLUDED.units,
    paid = pledges.paid + EXCLUDED.paid
