-- Projection `delegations`: runs for batches with DelegateChanged events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO delegations (chain_id, delegator, delegate)
SELECT DISTINCT ON (args->>'delegator') $1, args->>'delegator', args->>'toDelegate'
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'token' AND event = 'DelegateChanged'
ORDER BY args->>'delegator', block_number DESC, log_index DESC
ON CONFLICT (chain_id, delegator) DO UPDATE SET delegate = EXCLUDED.delegate
