-- Projection `order_status`: runs for batches with Finalized, Cancelled, Completed, Resolved events.
-- $1 chain id, $2..$3 the batch's block range.
UPDATE orders o SET status = s.status, updated_block = s.block
FROM (SELECT DISTINCT ON ((args->>'orderId')::NUMERIC) (args->>'orderId')::NUMERIC AS order_id,
        block_number AS block,
        CASE event
          WHEN 'Finalized' THEN (ARRAY['Funding','Active','Failed','Cancelled','Completed','Resolved'])[(args->>'status')::INT + 1]
          ELSE event END AS status
      FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Finalized', 'Cancelled', 'Completed', 'Resolved')
      ORDER BY (args->>'orderId')::NUMERIC, block_number DESC, log_index DESC) s
WHERE o.chain_id = $1 AND o.order_id = s.order_id
