-- Projection `order_released`: runs for batches with MilestoneReleased, Resolved events.
-- $1 chain id, $2..$3 the batch's block range.
UPDATE orders o SET released = GREATEST(o.released, r.total), updated_block = GREATEST(o.updated_block, r.block)
FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, max((args->>'totalReleased')::NUMERIC) AS total,
        max(block_number) AS block
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('MilestoneReleased', 'Resolved') GROUP BY 1) r
WHERE o.chain_id = $1 AND o.order_id = r.order_id
