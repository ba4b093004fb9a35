-- Projection `milestone_released`: runs for batches with MilestoneReleased events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO milestones (chain_id, order_id, milestone, state, released_amount, updated_at)
SELECT DISTINCT ON (2, 3) $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Released',
    (args->>'amount')::NUMERIC, block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'MilestoneReleased'
ORDER BY 2, 3, block_number DESC, log_index DESC
ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
SET state = 'Released', released_amount = EXCLUDED.released_amount,
    updated_at = EXCLUDED.updated_at
