-- Projection `terms_revocations`: runs for batches with TermsRevoked events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO terms_revocations (chain_id, block_number, log_index, seller, digest, tx_hash, at)
SELECT $1, block_number, log_index, args->>'seller', args->>'digest', tx_hash, block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'TermsRevoked'
