-- Projection `voting_power`: runs for batches with DelegateVotesChanged events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO voting_power (chain_id, delegate, votes)
SELECT DISTINCT ON (args->>'delegate') $1, args->>'delegate', (args->>'newVotes')::NUMERIC
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'token' AND event = 'DelegateVotesChanged'
ORDER BY args->>'delegate', block_number DESC, log_index DESC
ON CONFLICT (chain_id, delegate) DO UPDATE SET votes = EXCLUDED.votes
