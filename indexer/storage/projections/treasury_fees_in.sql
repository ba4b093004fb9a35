-- Projection `treasury_fees_in`: runs for batches with Transfer events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO treasury_flows (chain_id, block_number, log_index, at, kind, token, account, amount, tx_hash)
SELECT $1, e.block_number, e.log_index, e.block_time, 'fees_in', e.address, e.args->>'from',
    (e.args->>'value')::NUMERIC, e.tx_hash
FROM events e JOIN contracts c ON c.chain_id = $1 AND c.name = 'treasury' AND c.address = e.args->>'to'
WHERE e.chain_id = $1 AND e.block_number BETWEEN $2 AND $3 AND e.event = 'Transfer'
  AND e.contract IN ('stablecoin', 'token')
