-- Projection `proposal_state`: runs for batches with ProposalQueued, ProposalExecuted, ProposalCanceled events.
-- $1 chain id, $2..$3 the batch's block range.
UPDATE proposals p SET state = s.state, eta = coalesce(s.eta, p.eta)
FROM (SELECT DISTINCT ON ((args->>'proposalId')::NUMERIC) (args->>'proposalId')::NUMERIC AS proposal_id,
        CASE event WHEN 'ProposalQueued' THEN 'Queued' WHEN 'ProposalExecuted' THEN 'Executed'
                   ELSE 'Canceled' END AS state,
        (args->>'etaSeconds')::BIGINT AS eta
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event IN ('ProposalQueued', 'ProposalExecuted', 'ProposalCanceled')
      ORDER BY (args->>'proposalId')::NUMERIC, block_number DESC, log_index DESC) s
WHERE p.chain_id = $1 AND p.proposal_id = s.proposal_id
