-- What the API reads besides the listings themselves (issue 16): the catalogue's artisans and
-- partner shops by their listings too, and an account's orders as their buyer.

-- What a metadata document can describe in the catalogue (`/v1/artisans`, `/v1/partners`):
-- orders, and the Shop's listings (an artisan may list products nobody bought yet), each with
-- its seller and terms (for `order_party`, 0013) and, for a listing, the partner shop it names.
CREATE VIEW catalogue_links AS
    SELECT metadata_hash, seller, terms, NULL::TEXT AS partner, false AS listing FROM orders
    UNION ALL
    SELECT metadata_hash, seller, terms, partner, true AS listing FROM listings;

-- `/v1/accounts/{address}/orders?role=buyer`: the orders an account is the sole buyer of
-- (sales, purchases, freelance jobs). Collective orders have none, hence partial.
CREATE INDEX orders_by_sole_buyer ON orders (sole_buyer, created_block DESC, chain_id DESC, order_id DESC)
    WHERE sole_buyer <> '0x0000000000000000000000000000000000000000';
