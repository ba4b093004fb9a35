-- Projection `order_funding`: runs for batches with Pledged, Unpledged events.
-- $1 chain id, $2..$3 the batch's block range.
-- Units and amounts add up; the weighted units are the last event's (`weightedUnits`).
UPDATE orders o SET units_pledged = o.units_pledged + d.units, funded = o.funded + d.amount,
    weighted_units = d.weighted, updated_block = d.block
FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, max(block_number) AS block,
        sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'units')::NUMERIC) AS units,
        sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'amount')::NUMERIC) AS amount,
        (array_agg((args->>'weightedUnits')::BIGINT ORDER BY block_number DESC, log_index DESC))[1] AS weighted
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Pledged', 'Unpledged') GROUP BY 1) d
WHERE o.chain_id = $1 AND o.order_id = d.order_id
