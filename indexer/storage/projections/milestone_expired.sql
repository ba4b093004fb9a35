-- Projection `milestone_expired`: runs for batches with Expired events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO milestones (chain_id, order_id, milestone, state, updated_at)
SELECT $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Expired', block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Expired'
ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
SET state = 'Expired', updated_at = EXCLUDED.updated_at
