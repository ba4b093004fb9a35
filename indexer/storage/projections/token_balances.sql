-- Projection `token_balances`: runs for batches with Transfer events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO token_balances (chain_id, token, account, balance)
SELECT $1, address, account, sum(delta) FROM (
    SELECT address, args->>'from' AS account, -(args->>'value')::NUMERIC AS delta
    FROM events WHERE chain_id = $1 AND event = 'Transfer'
     AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
    UNION ALL
    SELECT address, args->>'to', (args->>'value')::NUMERIC
    FROM events WHERE chain_id = $1 AND event = 'Transfer'
     AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
) d
WHERE account <> '0x0000000000000000000000000000000000000000'
GROUP BY address, account
ON CONFLICT (chain_id, token, account)
DO UPDATE SET balance = token_balances.balance + EXCLUDED.balance
