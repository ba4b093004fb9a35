-- Projection `orders`: runs for batches with OrderCreated events.
-- $1 chain id, $2..$3 the batch's block range.
-- The terms come packed (`terms`, kept as emitted) and unpacked by the decoder
-- (`termsUnpacked`, the API's `OrderTerms` JSON); an event whose terms did not unpack has no
-- `termsUnpacked` and no order.
INSERT INTO orders (chain_id, order_id, seller, creator, token, terms_packed, terms, unit_price,
    min_units, max_units, funding_deadline, fee_bps, promoter_bps, sole_buyer, arbiter,
    metadata_hash, milestone_count, kind, since, created_block, created_block_hash, created_tx,
    created_log_index, created_at, updated_block)
SELECT $1, (args->>'orderId')::NUMERIC, args->>'seller', args->>'creator', args->>'token',
    args->>'terms', t, (t->>'unit_price')::NUMERIC, (t->>'min_units')::BIGINT,
    (t->>'max_units')::BIGINT, to_timestamp((t->>'funding_deadline_unix')::BIGINT),
    (t->>'fee_bps')::INT, (t->>'promoter_bps')::INT, t->>'sole_buyer', t->>'arbiter',
    t->>'metadata_hash', jsonb_array_length(t->'milestones'),
    CASE WHEN t->>'sole_buyer' = '0x0000000000000000000000000000000000000000' THEN 'collective'
         WHEN jsonb_array_length(t->'milestones') > 1 THEN 'freelance'
         ELSE 'sale' END,
    block_time, block_number, block_hash, tx_hash, log_index, block_time, block_number
FROM (SELECT *, args->'termsUnpacked' AS t FROM events
      WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow'
        AND event = 'OrderCreated' AND args ? 'termsUnpacked') e
