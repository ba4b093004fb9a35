-- Projection `milestone_resolved`: runs for batches with Resolved events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO milestones (chain_id, order_id, milestone, state, released_amount, refund_amount, updated_at)
SELECT $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Resolved',
    (args->>'releaseAmount')::NUMERIC, (args->>'refundAmount')::NUMERIC, block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Resolved'
ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
SET state = 'Resolved', released_amount = milestones.released_amount + EXCLUDED.released_amount,
    refund_amount = EXCLUDED.refund_amount, updated_at = EXCLUDED.updated_at
