-- Projection `milestone_delivered`: runs for batches with MilestoneDelivered events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO milestones (chain_id, order_id, milestone, state, proof_hash, delivered_at, review_ends_at, updated_at)
SELECT DISTINCT ON (2, 3) $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Delivered',
    args->>'proofHash', block_time, to_timestamp((args->>'reviewEndsAt')::BIGINT), block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'MilestoneDelivered'
ORDER BY 2, 3, block_number DESC, log_index DESC
ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
SET state = 'Delivered', proof_hash = EXCLUDED.proof_hash, delivered_at = EXCLUDED.delivered_at,
    review_ends_at = EXCLUDED.review_ends_at, updated_at = EXCLUDED.updated_at
