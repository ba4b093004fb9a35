-- Projection `purchases`: runs for batches with Purchased events.
-- $1 chain id, $2..$3 the batch's block range.
-- One row per purchase; its Escrow order is projected into `orders` from the Escrow's own
-- events (`OrderCreated` comes before `Purchased` in the same call).
INSERT INTO purchases (chain_id, order_id, listing_id, buyer, units, unit_price, stock_left,
    block_number, log_index, tx_hash, at)
SELECT $1, (args->>'orderId')::NUMERIC, (args->>'listingId')::NUMERIC, args->>'buyer',
    (args->>'units')::BIGINT, (args->>'unitPrice')::NUMERIC, (args->>'stockLeft')::BIGINT,
    block_number, log_index, tx_hash, block_time
FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'shop'
  AND event = 'Purchased'
