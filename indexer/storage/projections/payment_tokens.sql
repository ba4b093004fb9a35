-- Projection `payment_tokens`: runs for batches with TokenAllowed events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO payment_tokens (chain_id, token, allowed, updated_block)
SELECT DISTINCT ON (args->>'token') $1, args->>'token', (args->>'allowed')::BOOLEAN, block_number
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'TokenAllowed'
ORDER BY args->>'token', block_number DESC, log_index DESC
ON CONFLICT (chain_id, token) DO UPDATE
SET allowed = EXCLUDED.allowed, updated_block = EXCLUDED.updated_block
