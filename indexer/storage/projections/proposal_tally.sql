-- Projection `proposal_tally`: runs for batches with VoteCast, VoteCastWithParams events.
-- $1 chain id, $2..$3 the batch's block range.
UPDATE proposals p SET
    against_votes = p.against_votes + t.against, for_votes = p.for_votes + t.yes,
    abstain_votes = p.abstain_votes + t.abstain
FROM (SELECT (args->>'proposalId')::NUMERIC AS proposal_id,
        coalesce(sum((args->>'weight')::NUMERIC) FILTER (WHERE args->>'support' = '0'), 0) AS against,
        coalesce(sum((args->>'weight')::NUMERIC) FILTER (WHERE args->>'support' = '1'), 0) AS yes,
        coalesce(sum((args->>'weight')::NUMERIC) FILTER (WHERE args->>'support' = '2'), 0) AS abstain
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event IN ('VoteCast', 'VoteCastWithParams') GROUP BY 1) t
WHERE p.chain_id = $1 AND p.proposal_id = t.proposal_id
