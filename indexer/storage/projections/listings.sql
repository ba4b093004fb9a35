-- Projection `listings`: runs for batches with Listed events.
-- $1 chain id, $2..$3 the batch's block range.
-- The terms template comes packed (`template`, kept as emitted) and unpacked by the decoder
-- (`templateUnpacked`, the API's `OrderTerms` JSON with the per-purchase fields zero); an
-- event whose template did not unpack has no `templateUnpacked` and no listing.
INSERT INTO listings (chain_id, listing_id, seller, partner, token, unit_price, stock,
    template_packed, terms, promoter_bps, metadata_hash, milestone_count, listed_block,
    listed_tx, listed_log_index, listed_at, updated_block, updated_at)
SELECT $1, (args->>'listingId')::NUMERIC, args->>'seller', args->>'partner', args->>'token',
    (args->>'unitPrice')::NUMERIC, (args->>'stock')::BIGINT, args->>'template', t,
    (t->>'promoter_bps')::INT, t->>'metadata_hash', jsonb_array_length(t->'milestones'),
    block_number, tx_hash, log_index, block_time, block_number, block_time
FROM (SELECT *, args->'templateUnpacked' AS t FROM events
      WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'shop'
        AND event = 'Listed' AND args ? 'templateUnpacked') e
