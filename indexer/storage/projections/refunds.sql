-- Projection `refunds`: runs for batches with Refunded events.
-- $1 chain id, $2..$3 the batch's block range.
-- A refund clears the backer's units (the Escrow deletes its record), whatever it paid: an
-- ended order's pro-rata share may be 0.
UPDATE pledges p SET refunded = p.refunded + r.amount, refunds = p.refunds + r.n, units = 0
FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, args->>'backer' AS backer,
        sum((args->>'amount')::NUMERIC) AS amount, count(*)::INT AS n
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Refunded' GROUP BY 1, 2) r
WHERE p.chain_id = $1 AND p.order_id = r.order_id AND p.backer = r.backer
