-- Projection `escrow_params`: runs for batches with FeeBpsSet, PausedSet events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO escrow_params (chain_id, fee_bps, paused)
SELECT $1,
    (SELECT (args->>'newFeeBps')::INT FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'FeeBpsSet' ORDER BY block_number DESC, log_index DESC LIMIT 1),
    coalesce((SELECT (args->>'paused')::BOOLEAN FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'PausedSet' ORDER BY block_number DESC, log_index DESC LIMIT 1), false)
ON CONFLICT (chain_id) DO UPDATE
SET fee_bps = coalesce(EXCLUDED.fee_bps, escrow_params.fee_bps),
    paused = CASE WHEN EXISTS (SELECT 1 FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'PausedSet') THEN EXCLUDED.paused ELSE escrow_params.paused END
