-- Projection `milestone_disputed`: runs for batches with Disputed events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO milestones (chain_id, order_id, milestone, state, disputed_by, dispute_bond,
    ruling_ends_at, dispute_reason, updated_at)
SELECT DISTINCT ON (2, 3) $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Disputed',
    args->>'backer', (args->>'bond')::NUMERIC, to_timestamp((args->>'rulingEndsAt')::BIGINT),
    args->>'reason', block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Disputed'
ORDER BY 2, 3, block_number, log_index
ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
SET state = 'Disputed', disputed_by = EXCLUDED.disputed_by, dispute_bond = EXCLUDED.dispute_bond,
    ruling_ends_at = EXCLUDED.ruling_ends_at, dispute_reason = EXCLUDED.dispute_reason,
    updated_at = EXCLUDED.updated_at
