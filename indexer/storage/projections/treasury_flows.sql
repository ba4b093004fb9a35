-- Projection `treasury_flows`: runs for batches with Received, FeesDistributed, AllocationCredited, Withdrawn, Spent events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO treasury_flows (chain_id, block_number, log_index, at, kind, token, account, label, amount, tx_hash)
SELECT $1, block_number, log_index, block_time,
    CASE event WHEN 'Received' THEN 'received' WHEN 'FeesDistributed' THEN 'distributed'
               WHEN 'AllocationCredited' THEN 'credited' WHEN 'Withdrawn' THEN 'withdrawn'
               ELSE 'spent' END,
    coalesce(args->>'token', '0x0000000000000000000000000000000000000000'),
    coalesce(args->>'recipient', args->>'account', args->>'to', args->>'from'),
    args->>'label', (args->>'amount')::NUMERIC, tx_hash
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'treasury'
  AND event IN ('Received', 'FeesDistributed', 'AllocationCredited', 'Withdrawn', 'Spent')
