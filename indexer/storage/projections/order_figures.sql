-- Projection `order_figures`: runs for batches with Pledged, Unpledged, Finalized, Cancelled,
-- MilestoneDelivered, Disputed, MilestoneReleased, DisputeRuled, Expired, Completed, Refunded
-- events. $1 chain id, $2..$3 the batch's block range.
-- One update per order the batch touched, for its funding, its phase and its refunds
-- together: every new version of an orders row costs its indexes (fourteen) unless it stays
-- on its page, and three statements made three versions.
-- - Funding (`d`): units and amounts add up; the weighted units are the last event's
--   (`weightedUnits`).
-- - Phase (`p`): the status, released amount, current milestone and phase, as the Escrow's
--   `orderState` has them: each settlement (a release or a ruling) moves to the next
--   milestone; the latest phase event sets the phase's start (`since`), the current
--   milestone's state and the deadline it announced; the latest status event the status (a
--   ruling that ended the order is `Resolved`, unless `Completed` follows it in the same
--   transaction).
-- - Refunds (`r`): the refunded amounts add up.
WITH d AS (
    SELECT (args->>'orderId')::NUMERIC AS order_id, max(block_number) AS block,
        sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'units')::NUMERIC) AS units,
        sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'amount')::NUMERIC) AS amount,
        (array_agg((args->>'weightedUnits')::BIGINT ORDER BY block_number DESC, log_index DESC))[1]
            AS weighted
    FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow'
      AND event IN ('Pledged', 'Unpledged')
    GROUP BY 1
), p AS (
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
), r AS (
    SELECT (args->>'orderId')::NUMERIC AS order_id, sum((args->>'amount')::NUMERIC) AS amount,
        max(block_number) AS block
    FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow'
      AND event = 'Refunded'
    GROUP BY 1
), k AS (
    SELECT order_id FROM d UNION SELECT order_id FROM p UNION SELECT order_id FROM r
)
UPDATE orders o SET
    units_pledged = o.units_pledged + coalesce(d.units, 0),
    funded = o.funded + coalesce(d.amount, 0),
    weighted_units = CASE WHEN d.order_id IS NULL THEN o.weighted_units ELSE d.weighted END,
    status = coalesce(p.status, o.status),
    released = GREATEST(o.released, coalesce(p.released, 0)),
    current_milestone = o.current_milestone + coalesce(p.settled, 0),
    milestone_state = coalesce(p.milestone_state, o.milestone_state),
    since = coalesce(p.since, o.since),
    phase_ends_at = CASE WHEN p.since IS NULL THEN o.phase_ends_at ELSE p.ends_at END,
    finalized_at = coalesce(p.finalized_at, o.finalized_at),
    refunded = o.refunded + coalesce(r.amount, 0),
    -- GREATEST skips the NULLs of the parts the batch does not have.
    updated_block = GREATEST(o.updated_block, d.block, p.block, r.block)
FROM k LEFT JOIN d USING (order_id) LEFT JOIN p USING (order_id) LEFT JOIN r USING (order_id)
WHERE o.chain_id = $1 AND o.order_id = k.order_id
