-- The Shop (issue 16): open listings with stock, and their purchases, each an ordinary Escrow
-- order (`orders` holds it like any other). Projected from the Shop's `Listed`,
-- `ListingUpdated` and `Purchased`; both tables carry the undo trigger.

-- A listing as its seller listed it, with its price and stock now.
CREATE TABLE listings (
    chain_id          BIGINT NOT NULL,
    listing_id        NUMERIC(78, 0) NOT NULL,
    seller            TEXT NOT NULL,
    -- The partner shop the seller named, or the zero address.
    partner           TEXT NOT NULL,
    token             TEXT NOT NULL,
    -- Price and stock now: `Listed`, then the latest `ListingUpdated` (price and stock) or
    -- `Purchased` (the stock it left).
    unit_price        NUMERIC(78, 0) NOT NULL,
    stock             BIGINT NOT NULL,
    -- Units bought and purchases made, over every purchase.
    sold              BIGINT NOT NULL DEFAULT 0,
    purchases         BIGINT NOT NULL DEFAULT 0,
    -- The terms template as `Listed` emitted it (the Escrow's packed layout, the per-purchase
    -- fields zero), 0x hex; `terms` holds it unpacked (the API's `OrderTerms` JSON), so the
    -- metadata link (`metadata_links`) and split lookups read it as they read an order's.
    template_packed   TEXT NOT NULL,
    terms             JSONB NOT NULL,
    promoter_bps      INTEGER NOT NULL,
    metadata_hash     TEXT NOT NULL,
    milestone_count   INTEGER NOT NULL,
    listed_block      BIGINT NOT NULL,
    listed_tx         TEXT NOT NULL,
    listed_log_index  INTEGER NOT NULL,
    listed_at         TIMESTAMPTZ NOT NULL,
    -- The block and time of the last change of price, stock or figures.
    updated_block     BIGINT NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain_id, listing_id)
) WITH (fillfactor = 70); -- every purchase updates its listing in place (see 0016)
SELECT attach_undo('listings');

-- Listing lists run newest first, alone and under each equality filter (as orders, 0005).
CREATE INDEX listings_newest ON listings (listed_block DESC, chain_id DESC, listing_id DESC);
CREATE INDEX listings_by_chain_newest ON listings (chain_id, listed_block DESC, listing_id DESC);
CREATE INDEX listings_by_seller_newest
    ON listings (seller, listed_block DESC, chain_id DESC, listing_id DESC);
CREATE INDEX listings_by_partner_newest
    ON listings (partner, listed_block DESC, chain_id DESC, listing_id DESC);
CREATE INDEX listings_by_token_newest
    ON listings (token, listed_block DESC, chain_id DESC, listing_id DESC);
-- A product's offers (listings of one seller with one metadata document) and the catalogue's
-- join from documents.
CREATE INDEX listings_by_metadata ON listings (metadata_hash, chain_id, seller);

-- One purchase: a `Purchased` event, whose order is `order_id` in `orders`.
CREATE TABLE purchases (
    chain_id      BIGINT NOT NULL,
    order_id      NUMERIC(78, 0) NOT NULL,
    listing_id    NUMERIC(78, 0) NOT NULL,
    buyer         TEXT NOT NULL,
    units         BIGINT NOT NULL,
    -- The price paid per unit (the listing's then).
    unit_price    NUMERIC(78, 0) NOT NULL,
    -- The listing's stock right after this purchase took its units.
    stock_left    BIGINT NOT NULL,
    block_number  BIGINT NOT NULL,
    log_index     INTEGER NOT NULL,
    tx_hash       TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain_id, order_id)
);
SELECT attach_undo('purchases');
CREATE INDEX purchases_by_listing
    ON purchases (chain_id, listing_id, block_number DESC, log_index DESC);
CREATE INDEX purchases_by_buyer ON purchases (buyer);

-- The listing summary every listing answer shows (`cointent_domain::listings::ListingSummary`),
-- as `api_order_summary` is the order's (0009, 0010): a listing `l` with its linked metadata
-- document `m` and its token's `t` (either all NULL when there is none). uint256 values are
-- decimal text and times the text `json_build_object` writes.
CREATE TYPE api_listing_summary AS (
    chain_id        BIGINT,
    listing_id      TEXT,
    seller          TEXT,
    partner         TEXT,
    token           TEXT,
    token_symbol    TEXT,
    token_decimals  INTEGER,
    unit_price      TEXT,
    stock           BIGINT,
    sold            BIGINT,
    purchases       BIGINT,
    promoter_bps    INTEGER,
    milestone_count INTEGER,
    metadata_hash   TEXT,
    listed_at       TEXT,
    listed_block    BIGINT,
    updated_at      TEXT,
    title           TEXT,
    category        TEXT,
    region          TEXT,
    craft           TEXT,
    image           TEXT
);

CREATE FUNCTION api_listing_summary(l listings, m metadata_documents, t token_metadata)
RETURNS api_listing_summary
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT ROW(
        l.chain_id, l.listing_id::TEXT, l.seller,
        nullif(l.partner, '0x0000000000000000000000000000000000000000'), l.token, t.symbol,
        t.decimals, l.unit_price::TEXT, l.stock, l.sold, l.purchases, l.promoter_bps,
        l.milestone_count, l.metadata_hash, to_json(l.listed_at) #>> '{}', l.listed_block,
        to_json(l.updated_at) #>> '{}', m.document ->> 'title', m.category, m.region, m.craft,
        m.document #>> '{images,0}'
    )::api_listing_summary;
END;
