-- Projection `orders`: runs for batches with OrderCreated events.
-- $1 chain id, $2..$3 the batch's block range.
INSERT INTO orders (chain_id, order_id, seller, token, terms_hash, terms, unit_price,
    min_units, max_units, funding_deadline, fee_bps, promoter_bps, sole_buyer, arbiter,
    metadata_hash, milestone_count, kind, created_block, created_block_hash, created_tx,
    created_log_index, created_at, updated_block)
SELECT $1, (args->>'orderId')::NUMERIC, args->>'seller', args->>'token', args->>'termsHash',
    args->'terms', (args->'terms'->>'unitPrice')::NUMERIC, (args->'terms'->>'minUnits')::BIGINT,
    (args->'terms'->>'maxUnits')::BIGINT, to_timestamp((args->'terms'->>'fundingDeadline')::BIGINT),
    (args->'terms'->>'feeBps')::INT, (args->'terms'->>'promoterBps')::INT,
    args->'terms'->>'soleBuyer', args->'terms'->>'arbiter', args->'terms'->>'metadataHash',
    jsonb_array_length(args->'terms'->'milestoneBps'),
    CASE WHEN args->'terms'->>'soleBuyer' = '0x0000000000000000000000000000000000000000' THEN 'collective'
         WHEN jsonb_array_length(args->'terms'->'milestoneBps') > 1 THEN 'freelance'
         ELSE 'sale' END,
    block_number, block_hash, tx_hash, log_index, block_time, block_number
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'OrderCreated'
