-- Projection `listing_figures`: runs for batches with ListingUpdated, Purchased events.
-- $1 chain id, $2..$3 the batch's block range.
-- One update per listing the batch touched, from one pass over its events: the stock is the
-- last event's (`ListingUpdated`'s new stock, or the `stockLeft` of a purchase), the price
-- the last `ListingUpdated`'s; units sold and purchases add up. Runs after `listings`, so a
-- batch holding a listing's whole history leaves the same row as one batch per event.
UPDATE listings l SET
    unit_price = coalesce(x.unit_price, l.unit_price),
    stock = x.stock,
    sold = l.sold + x.sold,
    purchases = l.purchases + x.purchases,
    updated_block = GREATEST(l.updated_block, x.block),
    updated_at = GREATEST(l.updated_at, x.at)
FROM (
    SELECT listing_id, max(block_number) AS block, max(block_time) AS at,
        (array_agg(stock ORDER BY block_number DESC, log_index DESC))[1] AS stock,
        (array_agg(price ORDER BY block_number DESC, log_index DESC)
            FILTER (WHERE event = 'ListingUpdated'))[1] AS unit_price,
        coalesce(sum(units) FILTER (WHERE event = 'Purchased'), 0) AS sold,
        count(*) FILTER (WHERE event = 'Purchased') AS purchases
    FROM (
        SELECT (args->>'listingId')::NUMERIC AS listing_id, block_number, log_index, block_time,
            event, (args->>'unitPrice')::NUMERIC AS price, (args->>'units')::BIGINT AS units,
            (CASE event WHEN 'Purchased' THEN args->>'stockLeft' ELSE args->>'stock' END)::BIGINT
                AS stock
        FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'shop'
          AND event IN ('ListingUpdated', 'Purchased')
    ) e
    GROUP BY listing_id
) x
WHERE l.chain_id = $1 AND l.listing_id = x.listing_id
