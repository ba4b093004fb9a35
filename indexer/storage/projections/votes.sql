-- Projection `votes`: runs for batches with VoteCast, VoteCastWithParams events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO votes (chain_id, proposal_id, voter, support, weight, reason, block_number)
SELECT $1, (args->>'proposalId')::NUMERIC, args->>'voter', (args->>'support')::INT,
    (args->>'weight')::NUMERIC, args->>'reason', block_number
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event IN ('VoteCast', 'VoteCastWithParams')
