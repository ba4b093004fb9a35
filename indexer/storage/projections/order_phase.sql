-- Projection `order_phase`: runs for batches with Finalized, Cancelled, MilestoneDelivered,
-- Disputed, MilestoneReleased, DisputeRuled, Expired, Completed events.
-- $1 chain id, $2..$3 the batch's block range.
-- An order's status, released amount, current milestone and phase, as the Escrow's
-- `orderState` has them: each settlement (a release or a ruling) moves to the next milestone;
-- the latest phase event sets the phase's start (`since`), the current milestone's state and
-- the deadline it announced; the latest status event the status (a ruling that ended the
-- order is `Resolved`, unless `Completed` follows it in the same transaction).
UPDATE orders o SET
    status = coalesce(p.status, o.status),
    released = GREATEST(o.released, coalesce(p.released, 0)),
    current_milestone = o.current_milestone + p.settled,
    milestone_state = coalesce(p.milestone_state, o.milestone_state),
    since = coalesce(p.since, o.since),
    phase_ends_at = CASE WHEN p.since IS NULL THEN o.phase_ends_at ELSE p.ends_at END,
    finalized_at = coalesce(p.finalized_at, o.finalized_at),
    updated_block = GREATEST(o.updated_block, p.block)
FROM (
    SELECT order_id, max(block_number) AS block,
        count(*) FILTER (WHERE event IN ('MilestoneReleased', 'DisputeRuled'))::INT AS settled,
        max(total) AS released,
        (array_agg(status ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE status IS NOT NULL))[1] AS status,
        (array_agg(block_time ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE event <> 'Completed'))[1] AS since,
        (array_agg(state ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE event <> 'Completed'))[1] AS milestone_state,
        (array_agg(ends_at ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE event <> 'Completed'))[1] AS ends_at,
        max(block_time) FILTER (WHERE status = 'Active') AS finalized_at
    FROM (
        SELECT (args->>'orderId')::NUMERIC AS order_id, block_number, log_index, block_time,
            event, (args->>'totalReleased')::NUMERIC AS total,
            CASE event
                WHEN 'Finalized' THEN (ARRAY['Funding', 'Active', 'Failed', 'Cancelled',
                    'Completed', 'Resolved', 'Expired'])[(args->>'status')::INT + 1]
                WHEN 'DisputeRuled' THEN CASE WHEN (args->>'ended')::BOOLEAN THEN 'Resolved' END
                WHEN 'Cancelled' THEN 'Cancelled'
                WHEN 'Completed' THEN 'Completed'
                WHEN 'Expired' THEN 'Expired'
            END AS status,
            CASE event WHEN 'MilestoneDelivered' THEN 'Delivered' WHEN 'Disputed' THEN 'Disputed'
                ELSE 'Pending' END AS state,
            to_timestamp(nullif(CASE event WHEN 'MilestoneDelivered' THEN args->>'reviewEndsAt'
                WHEN 'Disputed' THEN args->>'rulingEndsAt' ELSE args->>'deliverBy' END, '0')::BIGINT)
                AS ends_at
        FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow'
          AND event IN ('Finalized', 'Cancelled', 'MilestoneDelivered', 'Disputed',
                        'MilestoneReleased', 'DisputeRuled', 'Expired', 'Completed')
    ) e
    GROUP BY order_id
) p
WHERE o.chain_id = $1 AND o.order_id = p.order_id
