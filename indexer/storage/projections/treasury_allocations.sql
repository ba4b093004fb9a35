-- Projection `treasury_allocations`: runs for batches with AllocationsSet events.
-- $1 chain id, $2..$3 the batch's block range.
WITH last AS (
    SELECT args->'allocations' AS a FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'treasury' AND event = 'AllocationsSet'
    ORDER BY block_number DESC, log_index DESC LIMIT 1
), gone AS (
    DELETE FROM treasury_allocations WHERE chain_id = $1 AND EXISTS (SELECT 1 FROM last)
)
INSERT INTO treasury_allocations (chain_id, position, label, recipient, bps)
SELECT $1, (e.ord - 1)::INT, e.v->>'label', e.v->>'recipient', (e.v->>'bps')::INT
FROM last, jsonb_array_elements(last.a) WITH ORDINALITY AS e(v, ord)
ON CONFLICT (chain_id, position) DO UPDATE
SET label = EXCLUDED.label, recipient = EXCLUDED.recipient, bps = EXCLUDED.bps
