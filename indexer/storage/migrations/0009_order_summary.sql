-- The order summary every order list of the API shows (`cointent_domain::orders::OrderSummary`):
-- one definition for the queries that read it (the order list, an account's orders, products,
-- an artisan's or a partner's orders, one order's record), so each stays a static query that
-- selects `api_order_summary(o, m)` instead of repeating 26 columns.
--
-- uint256 values are decimal text and times the text `json_build_object` writes
-- (`2026-09-02T15:16:14+00:00`), as the API has always answered. The function is a single
-- expression, so the planner inlines it: the columns are read straight from `o` and `m`, and
-- filters and keyset conditions still use the indexes of `orders`. Its body is SQL-standard
-- (BEGIN ATOMIC), stored parsed: inlining a quoted body re-parses its text at every planning,
-- and a list whose LIMIT is a parameter is planned at every request.

CREATE TYPE api_order_summary AS (
    chain_id         BIGINT,
    order_id         TEXT,
    kind             TEXT,
    status           TEXT,
    seller           TEXT,
    token            TEXT,
    unit_price       TEXT,
    min_units        BIGINT,
    max_units        BIGINT,
    units_pledged    BIGINT,
    funded           TEXT,
    released         TEXT,
    refunded         TEXT,
    funding_deadline TEXT,
    fee_bps          INTEGER,
    promoter_bps     INTEGER,
    milestone_count  INTEGER,
    metadata_hash    TEXT,
    terms_hash       TEXT,
    created_at       TEXT,
    created_block    BIGINT,
    title            TEXT,
    category         TEXT,
    region           TEXT,
    craft            TEXT,
    image            TEXT
);

-- An order `o` with its linked metadata document `m` (all NULL when none is uploaded, as from
-- `orders o LEFT JOIN metadata_documents m ON m.hash = o.metadata_hash`).
CREATE FUNCTION api_order_summary(o orders, m metadata_documents) RETURNS api_order_summary
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT ROW(
        o.chain_id, o.order_id::TEXT, o.kind, o.status, o.seller, o.token, o.unit_price::TEXT,
        o.min_units, o.max_units, o.units_pledged::BIGINT, o.funded::TEXT, o.released::TEXT,
        o.refunded::TEXT, to_json(o.funding_deadline) #>> '{}', o.fee_bps, o.promoter_bps,
        o.milestone_count, o.metadata_hash, o.terms_hash, to_json(o.created_at) #>> '{}',
        o.created_block, m.document ->> 'title', m.category, m.region, m.craft,
        m.document #>> '{images,0}'
    )::api_order_summary;
END;
