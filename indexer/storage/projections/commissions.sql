-- Projection `commissions`: runs for batches with CommissionClaimed events.
-- $1 chain id, $2..$3 the batch's block range.
-- A claim after the order ended closes the promoter's position (`closed`).
UPDATE promotions p SET commission = p.commission + c.amount, closed = p.closed OR c.closed
FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, args->>'promoter' AS promoter,
        sum((args->>'amount')::NUMERIC) AS amount, bool_or((args->>'closed')::BOOLEAN) AS closed
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'CommissionClaimed' GROUP BY 1, 2) c
WHERE p.chain_id = $1 AND p.order_id = c.order_id AND p.promoter = c.promoter
