-- Projection `milestone_approved`: runs for batches with MilestoneApproved events.
-- $1 chain id, $2..$3 the batch's block range.
UPDATE milestones m SET approval_units = GREATEST(m.approval_units, a.units)
FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, (args->>'milestone')::INT AS milestone,
        max((args->>'approvalUnits')::NUMERIC) AS units
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'MilestoneApproved' GROUP BY 1, 2) a
WHERE m.chain_id = $1 AND m.order_id = a.order_id AND m.milestone = a.milestone
