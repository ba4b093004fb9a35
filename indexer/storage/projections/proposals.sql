-- Projection `proposals`: runs for batches with ProposalCreated events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO proposals (chain_id, proposal_id, proposer, description, targets, calldatas,
    vote_start, vote_end, created_block, created_at)
SELECT $1, (args->>'proposalId')::NUMERIC, args->>'proposer', args->>'description',
    args->'targets', args->'calldatas', (args->>'voteStart')::BIGINT, (args->>'voteEnd')::BIGINT,
    block_number, block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event = 'ProposalCreated'
