-- Projection `order_figures`: runs for batches with Pledged, Unpledged, Finalized, Cancelled,
-- MilestoneDelivered, Disputed, MilestoneReleased, DisputeRuled, Expired, Completed, Refunded
-- events. $1 chain id, $2..$3 the batch's block range.
-- One update per order the batch touched, for its funding, its phase and its refunds
-- together, from one pass over the batch's events: every new version of an orders row costs
-- its indexes (fourteen) unless it stays on its page, and three statements made three.
-- - Funding (Pledged, Unpledged): units and amounts add up; the weighted units are the last
--   event's (`weightedUnits`).
-- - Phase (the other events but Refunded): the status, released amount, current milestone
--   and phase, as the Escrow's `orderState` has them: each settlement (a release or a
--   ruling) moves to the next milestone; the latest phase event sets the phase's start
--   (`since`), the current milestone's state and the deadline it announced; the latest status
--   event the status (a ruling that ended the order is `Resolved`, unless `Completed` follows
--   it in the same transaction).
-- - Refunds: the refunded amounts add up.
UPDATE orders o SET
    units_pledged = o.units_pledged + x.units,
    funded = o.funded + x.amount,
    weighted_units = CASE WHEN x.funding THEN x.weighted ELSE o.weighted_units END,
    status = coalesce(x.status, o.status),
    released = GREATEST(o.released, coalesce(x.released, 0)),
    current_milestone = o.current_milestone + x.settled,
    milestone_state = coalesce(x.milestone_state, o.milestone_state),
    since = coalesce(x.since, o.since),
    phase_ends_at = CASE WHEN x.since IS NULL THEN o.phase_ends_at ELSE x.ends_at END,
    finalized_at = coalesce(x.finalized_at, o.finalized_at),
    refunded = o.refunded + x.refunded,
    updated_block = GREATEST(o.updated_block, x.block)
FROM (
    SELECT order_id, max(block_number) AS block,
        bool_or(part = 'funding') AS funding,
        coalesce(sum(sign * units) FILTER (WHERE part = 'funding'), 0) AS units,
        coalesce(sum(sign * amount) FILTER (WHERE part = 'funding'), 0) AS amount,
        (array_agg(weighted ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE part = 'funding'))[1] AS weighted,
        count(*) FILTER (WHERE event IN ('MilestoneReleased', 'DisputeRuled'))::INT AS settled,
        max(total) FILTER (WHERE part = 'phase') AS released,
        (array_agg(status ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE status IS NOT NULL))[1] AS status,
        (array_agg(block_time ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE part = 'phase' AND event <> 'Completed'))[1] AS since,
        (array_agg(state ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE part = 'phase' AND event <> 'Completed'))[1] AS milestone_state,
        (array_agg(ends_at ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE part = 'phase' AND event <> 'Completed'))[1] AS ends_at,
        max(block_time) FILTER (WHERE status = 'Active') AS finalized_at,
        coalesce(sum(amount) FILTER (WHERE part = 'refund'), 0) AS refunded
    FROM (
        SELECT (args->>'orderId')::NUMERIC AS order_id, block_number, log_index, block_time,
            event,
            CASE WHEN event IN ('Pledged', 'Unpledged') THEN 'funding'
                 WHEN event = 'Refunded' THEN 'refund' ELSE 'phase' END AS part,
            CASE event WHEN 'Unpledged' THEN -1 ELSE 1 END AS sign,
            (args->>'units')::NUMERIC AS units, (args->>'amount')::NUMERIC AS amount,
            (args->>'weightedUnits')::BIGINT AS weighted,
            (args->>'totalReleased')::NUMERIC AS total,
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
          AND event IN ('Pledged', 'Unpledged', 'Finalized', 'Cancelled', 'MilestoneDelivered',
                        'Disputed', 'MilestoneReleased', 'DisputeRuled', 'Expired', 'Completed',
                        'Refunded')
    ) e
    GROUP BY order_id
) x
WHERE o.chain_id = $1 AND o.order_id = x.order_id
