-- Projection `token_supply`: runs for batches with Transfer events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO token_supply (chain_id, token, supply)
SELECT $1, address, sum(CASE
    WHEN args->>'from' = '0x0000000000000000000000000000000000000000'
        THEN (args->>'value')::NUMERIC
    WHEN args->>'to' = '0x0000000000000000000000000000000000000000'
        THEN -(args->>'value')::NUMERIC
    ELSE 0 END)
FROM events WHERE chain_id = $1 AND event = 'Transfer'
 AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
GROUP BY address
ON CONFLICT (chain_id, token)
DO UPDATE SET supply = token_supply.supply + EXCLUDED.supply
