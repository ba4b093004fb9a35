-- Escrow v2 (issue 12): packed terms, relayed creation, weighted units, a deadline on every
-- waiting state (deliveries, reviews, rulings), dispute bonds and rulings, expiries, refunds
-- and withdrawals to a named address, the per-chain payment-token allowlist.
--
-- v2 is a new deployment (every address changes), so a mirror of v1 re-indexes: the
-- contracts it was configured with are dropped with their events and every projection is
-- recomputed from what is left (see `ingest::contracts::reconcile`).

-- The summary is redefined below, with the v2 fields.
DROP FUNCTION api_order_summary(orders, metadata_documents);
DROP TYPE api_order_summary;

-- `OrderCreated` no longer emits the terms hash: it is keccak256 of the packed terms, which
-- the mirror keeps as emitted (Postgres has no keccak256: readers hash them).
ALTER TABLE orders
    DROP COLUMN terms_hash,
    -- The packed terms as `OrderCreated` emitted them, 0x hex; `terms` holds them unpacked
    -- (the API's `OrderTerms` JSON).
    ADD COLUMN terms_packed      TEXT,
    -- Who sent the creating transaction: the seller, or whoever relayed its signature.
    ADD COLUMN creator           TEXT,
    -- The events' `weightedUnits`: units with approval and dispute weight.
    ADD COLUMN weighted_units    BIGINT NOT NULL DEFAULT 0,
    -- Milestones settled (released or ruled on): the current milestone's index.
    ADD COLUMN current_milestone INTEGER NOT NULL DEFAULT 0,
    -- The current milestone's state, as the Escrow keeps it: Pending | Delivered | Disputed.
    ADD COLUMN milestone_state   TEXT NOT NULL DEFAULT 'Pending',
    -- Start of the current phase (the Escrow's `since`): creation, the end of funding, the
    -- last settlement, delivery, dispute, or the end of the order.
    ADD COLUMN since             TIMESTAMPTZ,
    -- The deadline the phase's event announced: the next delivery (`deliverBy`), the end of
    -- the review window (`reviewEndsAt`) or of the ruling period (`rulingEndsAt`).
    ADD COLUMN phase_ends_at     TIMESTAMPTZ,
    -- When funding ended with the goal met (the first milestone's delivery window opens).
    ADD COLUMN finalized_at      TIMESTAMPTZ;

-- What a ruling did not release of a milestone is withheld for backers (v1's refund).
ALTER TABLE milestones RENAME COLUMN refund_amount TO withheld_amount;
ALTER TABLE milestones
    -- The bond its dispute posted.
    ADD COLUMN dispute_bond    NUMERIC(78, 0),
    -- When the ruling period of its dispute ends.
    ADD COLUMN ruling_ends_at  TIMESTAMPTZ,
    -- How its dispute was ruled: Dismissed | Withheld | Ended | ByDefault.
    ADD COLUMN ruling          TEXT,
    -- Who the ruling credited the bond to.
    ADD COLUMN bond_to         TEXT;

-- Refunds (0 or 1: a refund clears the backer's units).
ALTER TABLE pledges ADD COLUMN refunds INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pledges_by_order ON pledges (chain_id, order_id);

-- Whether the promoter made its final claim after the order ended.
ALTER TABLE promotions ADD COLUMN closed BOOLEAN NOT NULL DEFAULT false;

-- The Escrow's payment-token allowlist per chain (`TokenAllowed`), the native coin as the
-- zero address.
CREATE TABLE payment_tokens (
    chain_id       BIGINT NOT NULL,
    token          TEXT NOT NULL,
    allowed        BOOLEAN NOT NULL,
    updated_block  BIGINT NOT NULL,
    PRIMARY KEY (chain_id, token)
);
SELECT attach_undo('payment_tokens');

-- Signatures over terms their sellers revoked before anyone used them (`TermsRevoked`).
CREATE TABLE terms_revocations (
    chain_id      BIGINT NOT NULL,
    block_number  BIGINT NOT NULL,
    log_index     INTEGER NOT NULL,
    seller        TEXT NOT NULL,
    digest        TEXT NOT NULL,   -- the EIP-712 digest of the terms
    tx_hash       TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX terms_revocations_by_seller ON terms_revocations (seller);
SELECT attach_undo('terms_revocations');

-- ERC-20 symbols and decimals of payment tokens, read from the tokens by the ingester
-- (`symbol()`, `decimals()`; NULL when a token does not say). Not derived from events: no
-- undo trigger, and re-indexing keeps them.
CREATE TABLE token_metadata (
    chain_id    BIGINT NOT NULL,
    token       TEXT NOT NULL,
    symbol      TEXT,
    decimals    INTEGER,
    read_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, token)
);

-- What milestone `idx` (from 0) of an order releases in full: cum(index + 1) - cum(index)
-- with cum(k) = floor(F * (bps_0 + ... + bps_{k-1}) / 10 000) and F = units * unit price
-- (`EscrowMath.milestoneAmount`); NULL past the last milestone. `milestones` is the terms'
-- JSON array of `{bps, delivery_period}`.
CREATE FUNCTION milestone_amount(funded NUMERIC, milestones JSONB, idx INTEGER)
RETURNS NUMERIC
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT div(funded * (b.before + b.bps), 10000) - div(funded * b.before, 10000)
    FROM (SELECT coalesce(sum((m ->> 'bps')::INTEGER) FILTER (WHERE ord <= idx), 0) AS before,
                 sum((m ->> 'bps')::INTEGER) FILTER (WHERE ord = idx + 1) AS bps
          FROM jsonb_array_elements(milestones) WITH ORDINALITY AS x(m, ord)) b;
END;

-- What disputing order `o`'s current milestone costs: bond_bps of its amount, rounded up, at
-- least 1 (`EscrowMath.bond`); NULL once the schedule is done.
CREATE FUNCTION order_dispute_bond(o orders) RETURNS NUMERIC
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT greatest(div(a * (o.terms ->> 'bond_bps')::INTEGER + 9999, 10000), 1)
    FROM (SELECT milestone_amount(o.units_pledged * o.unit_price, o.terms -> 'milestones',
                                  o.current_milestone) AS a) x
    WHERE a IS NOT NULL;
END;

-- The order summary with the v2 fields (`cointent_domain::orders::OrderSummary`), as 0009
-- defined it: the phase deadlines show while the order is Active and in that phase, the bond
-- while its current milestone may be disputed. `terms_packed` stands for the terms hash,
-- which readers compute (keccak256).
CREATE TYPE api_order_summary AS (
    chain_id          BIGINT,
    order_id          TEXT,
    kind              TEXT,
    status            TEXT,
    seller            TEXT,
    creator           TEXT,
    token             TEXT,
    unit_price        TEXT,
    min_units         BIGINT,
    max_units         BIGINT,
    units_pledged     BIGINT,
    weighted_units    BIGINT,
    funded            TEXT,
    released          TEXT,
    refunded          TEXT,
    current_milestone INTEGER,
    deliver_by        TEXT,
    review_ends_at    TEXT,
    ruling_ends_at    TEXT,
    dispute_bond      TEXT,
    funding_deadline  TEXT,
    fee_bps           INTEGER,
    promoter_bps      INTEGER,
    milestone_count   INTEGER,
    metadata_hash     TEXT,
    terms_packed      TEXT,
    created_at        TEXT,
    created_block     BIGINT,
    title             TEXT,
    category          TEXT,
    region            TEXT,
    craft             TEXT,
    image             TEXT
);

CREATE FUNCTION api_order_summary(o orders, m metadata_documents) RETURNS api_order_summary
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT ROW(
        o.chain_id, o.order_id::TEXT, o.kind, o.status, o.seller, coalesce(o.creator, o.seller),
        o.token, o.unit_price::TEXT, o.min_units, o.max_units, o.units_pledged::BIGINT,
        o.weighted_units, o.funded::TEXT, o.released::TEXT, o.refunded::TEXT,
        o.current_milestone,
        CASE WHEN o.status = 'Active' AND o.milestone_state = 'Pending'
             THEN to_json(o.phase_ends_at) #>> '{}' END,
        CASE WHEN o.status = 'Active' AND o.milestone_state = 'Delivered'
             THEN to_json(o.phase_ends_at) #>> '{}' END,
        CASE WHEN o.status = 'Active' AND o.milestone_state = 'Disputed'
             THEN to_json(o.phase_ends_at) #>> '{}' END,
        CASE WHEN o.status = 'Active' AND o.milestone_state <> 'Disputed'
             THEN order_dispute_bond(o)::TEXT END,
        to_json(o.funding_deadline) #>> '{}', o.fee_bps, o.promoter_bps, o.milestone_count,
        o.metadata_hash, o.terms_packed, to_json(o.created_at) #>> '{}', o.created_block,
        m.document ->> 'title', m.category, m.region, m.craft, m.document #>> '{images,0}'
    )::api_order_summary;
END;

-- A seller's reputation: completed orders, milestones released without a dispute, disputes
-- upheld against it (a ruling withheld money or ended the order, the default ruling too) and
-- deliveries missed (a milestone not delivered by its deadline: the order expired on it).
DROP VIEW reputation;
CREATE VIEW reputation AS
SELECT o.chain_id, o.seller AS account,
       count(*) FILTER (WHERE o.status = 'Completed') AS completed_orders,
       coalesce(sum(m.clean), 0) AS on_time_milestones,
       coalesce(sum(m.lost), 0) AS disputes_lost,
       coalesce(sum(m.missed), 0) AS deliveries_missed,
       count(*) FILTER (WHERE o.status = 'Completed') * 10
         + coalesce(sum(m.clean), 0) * 2 - coalesce(sum(m.lost), 0) * 15
         - coalesce(sum(m.missed), 0) * 15 AS score
FROM orders o
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE state = 'Released' AND disputed_by IS NULL) AS clean,
           count(*) FILTER (WHERE ruling IN ('Withheld', 'Ended', 'ByDefault')) AS lost,
           count(*) FILTER (WHERE state = 'Expired') AS missed
    FROM milestones mm WHERE mm.chain_id = o.chain_id AND mm.order_id = o.order_id
) m ON true
GROUP BY o.chain_id, o.seller;
