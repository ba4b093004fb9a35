-- Projection `milestone_ruled`: runs for batches with DisputeRuled events.
-- $1 chain id, $2..$3 the batch's block range.
-- A dismissed dispute releases the milestone in full (`Released`); an upheld one withheld part
-- of it or ended the order on it (`Resolved`). The ruling, as `DisputeOutcome::of_ruling`
-- reads the event: by default; ended (the order became `Resolved`: `ended` without a
-- `Completed` of the order in the same transaction); withheld (upheld); dismissed.
INSERT INTO milestones (chain_id, order_id, milestone, state, released_amount, withheld_amount,
    ruling, bond_to, updated_at)
SELECT $1, (e.args->>'orderId')::NUMERIC, (e.args->>'milestone')::INT,
    CASE WHEN (e.args->>'upheld')::BOOLEAN THEN 'Resolved' ELSE 'Released' END,
    (e.args->>'released')::NUMERIC, (e.args->>'withheld')::NUMERIC,
    CASE WHEN (e.args->>'byDefault')::BOOLEAN THEN 'ByDefault'
         WHEN (e.args->>'ended')::BOOLEAN AND NOT EXISTS (
             SELECT 1 FROM events c WHERE c.chain_id = $1 AND c.block_number = e.block_number
               AND c.tx_hash = e.tx_hash AND c.event = 'Completed'
               AND c.args->>'orderId' = e.args->>'orderId') THEN 'Ended'
         WHEN (e.args->>'upheld')::BOOLEAN THEN 'Withheld'
         ELSE 'Dismissed' END,
    e.args->>'bondTo', e.block_time
FROM events e WHERE e.chain_id = $1 AND e.block_number BETWEEN $2 AND $3 AND e.contract = 'escrow' AND e.event = 'DisputeRuled'
ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
SET state = EXCLUDED.state, released_amount = EXCLUDED.released_amount,
    withheld_amount = EXCLUDED.withheld_amount, ruling = EXCLUDED.ruling,
    bond_to = EXCLUDED.bond_to, updated_at = EXCLUDED.updated_at
