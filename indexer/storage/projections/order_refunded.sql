-- Projection `order_refunded`: runs for batches with Refunded events.
-- $1 chain id, $2..$3 the batch's block range.
UPDATE orders o SET refunded = o.refunded + r.amount, updated_block = GREATEST(o.updated_block, r.block)
FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, sum((args->>'amount')::NUMERIC) AS amount,
        max(block_number) AS block
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Refunded' GROUP BY 1) r
WHERE o.chain_id = $1 AND o.order_id = r.order_id
