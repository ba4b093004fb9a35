-- Projections of every contract's events. Amounts are NUMERIC(78,0) (uint256); addresses
-- and hashes lower-case hex text. Every table carries the undo trigger.

CREATE TABLE contracts (
    chain_id  BIGINT NOT NULL,
    name      TEXT NOT NULL,
    address   TEXT NOT NULL,
    PRIMARY KEY (chain_id, name)
);

CREATE TABLE orders (
    chain_id          BIGINT NOT NULL,
    order_id          NUMERIC(78, 0) NOT NULL,
    seller            TEXT NOT NULL,
    token             TEXT NOT NULL,
    terms_hash        TEXT NOT NULL,
    terms             JSONB NOT NULL,
    unit_price        NUMERIC(78, 0) NOT NULL,
    min_units         BIGINT NOT NULL,
    max_units         BIGINT NOT NULL,
    funding_deadline  TIMESTAMPTZ NOT NULL,
    fee_bps           INTEGER NOT NULL,
    promoter_bps      INTEGER NOT NULL,
    sole_buyer        TEXT NOT NULL,
    arbiter           TEXT NOT NULL,
    metadata_hash     TEXT NOT NULL,
    milestone_count   INTEGER NOT NULL,
    kind              TEXT NOT NULL, -- collective | sale | freelance (from the terms' shape)
    status            TEXT NOT NULL DEFAULT 'Funding',
    units_pledged     NUMERIC(78, 0) NOT NULL DEFAULT 0,
    funded            NUMERIC(78, 0) NOT NULL DEFAULT 0,
    released          NUMERIC(78, 0) NOT NULL DEFAULT 0,
    refunded          NUMERIC(78, 0) NOT NULL DEFAULT 0,
    created_block     BIGINT NOT NULL,
    created_block_hash TEXT NOT NULL,
    created_tx        TEXT NOT NULL,
    created_log_index INTEGER NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_block     BIGINT NOT NULL,
    PRIMARY KEY (chain_id, order_id)
);
CREATE INDEX orders_by_seller ON orders (seller);
CREATE INDEX orders_by_status ON orders (status, chain_id, order_id);
SELECT attach_undo('orders');

CREATE TABLE pledges (
    chain_id   BIGINT NOT NULL,
    order_id   NUMERIC(78, 0) NOT NULL,
    backer     TEXT NOT NULL,
    promoter   TEXT NOT NULL,
    units      NUMERIC(78, 0) NOT NULL,
    paid       NUMERIC(78, 0) NOT NULL,
    refunded   NUMERIC(78, 0) NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, order_id, backer)
);
CREATE INDEX pledges_by_backer ON pledges (backer);
SELECT attach_undo('pledges');

CREATE TABLE promotions (
    chain_id    BIGINT NOT NULL,
    order_id    NUMERIC(78, 0) NOT NULL,
    promoter    TEXT NOT NULL,
    units       NUMERIC(78, 0) NOT NULL,
    amount      NUMERIC(78, 0) NOT NULL,
    commission  NUMERIC(78, 0) NOT NULL DEFAULT 0, -- claimed so far
    PRIMARY KEY (chain_id, order_id, promoter)
);
CREATE INDEX promotions_by_promoter ON promotions (promoter);
SELECT attach_undo('promotions');

CREATE TABLE milestones (
    chain_id        BIGINT NOT NULL,
    order_id        NUMERIC(78, 0) NOT NULL,
    milestone       INTEGER NOT NULL,
    state           TEXT NOT NULL,
    proof_hash      TEXT,
    delivered_at    TIMESTAMPTZ,
    review_ends_at  TIMESTAMPTZ,
    approval_units  NUMERIC(78, 0) NOT NULL DEFAULT 0,
    disputed_by     TEXT,
    released_amount NUMERIC(78, 0) NOT NULL DEFAULT 0,
    refund_amount   NUMERIC(78, 0) NOT NULL DEFAULT 0,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain_id, order_id, milestone)
);
SELECT attach_undo('milestones');

-- What each account claimed from each order (seller, split recipients, treasury: share;
-- promoters: commission).
CREATE TABLE claims (
    chain_id  BIGINT NOT NULL,
    order_id  NUMERIC(78, 0) NOT NULL,
    account   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    token     TEXT NOT NULL,
    amount    NUMERIC(78, 0) NOT NULL,
    PRIMARY KEY (chain_id, order_id, account, kind)
);
CREATE INDEX claims_by_account ON claims (account);
SELECT attach_undo('claims');

-- Internal balances in the escrow: credited by claims, paid out by withdrawals.
CREATE TABLE escrow_balances (
    chain_id   BIGINT NOT NULL,
    token      TEXT NOT NULL,
    account    TEXT NOT NULL,
    credited   NUMERIC(78, 0) NOT NULL DEFAULT 0,
    withdrawn  NUMERIC(78, 0) NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, token, account)
);
SELECT attach_undo('escrow_balances');

CREATE TABLE escrow_params (
    chain_id  BIGINT PRIMARY KEY,
    fee_bps   INTEGER,
    paused    BOOLEAN NOT NULL DEFAULT false
);
SELECT attach_undo('escrow_params');

CREATE TABLE treasury_allocations (
    chain_id   BIGINT NOT NULL,
    position   INTEGER NOT NULL,
    label      TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    bps        INTEGER NOT NULL,
    PRIMARY KEY (chain_id, position)
);
SELECT attach_undo('treasury_allocations');

-- Every movement of treasury money, for the transparency report.
CREATE TABLE treasury_flows (
    chain_id      BIGINT NOT NULL,
    block_number  BIGINT NOT NULL,
    log_index     INTEGER NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    kind          TEXT NOT NULL, -- received | fees_in | distributed | credited | withdrawn | spent
    token         TEXT NOT NULL,
    account       TEXT,
    label         TEXT,
    amount        NUMERIC(78, 0) NOT NULL,
    tx_hash       TEXT NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX treasury_flows_by_time ON treasury_flows (chain_id, at);
SELECT attach_undo('treasury_flows');

CREATE TABLE delegations (
    chain_id   BIGINT NOT NULL,
    delegator  TEXT NOT NULL,
    delegate   TEXT NOT NULL,
    PRIMARY KEY (chain_id, delegator)
);
SELECT attach_undo('delegations');

CREATE TABLE voting_power (
    chain_id  BIGINT NOT NULL,
    delegate  TEXT NOT NULL,
    votes     NUMERIC(78, 0) NOT NULL,
    PRIMARY KEY (chain_id, delegate)
);
SELECT attach_undo('voting_power');

CREATE TABLE proposals (
    chain_id       BIGINT NOT NULL,
    proposal_id    NUMERIC(78, 0) NOT NULL,
    proposer       TEXT NOT NULL,
    description    TEXT NOT NULL,
    targets        JSONB NOT NULL,
    calldatas      JSONB NOT NULL,
    vote_start     BIGINT NOT NULL,
    vote_end       BIGINT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'Created', -- Created | Queued | Executed | Canceled
    eta            BIGINT,
    for_votes      NUMERIC(78, 0) NOT NULL DEFAULT 0,
    against_votes  NUMERIC(78, 0) NOT NULL DEFAULT 0,
    abstain_votes  NUMERIC(78, 0) NOT NULL DEFAULT 0,
    created_block  BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain_id, proposal_id)
);
SELECT attach_undo('proposals');

CREATE TABLE votes (
    chain_id     BIGINT NOT NULL,
    proposal_id  NUMERIC(78, 0) NOT NULL,
    voter        TEXT NOT NULL,
    support      INTEGER NOT NULL,
    weight       NUMERIC(78, 0) NOT NULL,
    reason       TEXT NOT NULL,
    block_number BIGINT NOT NULL,
    PRIMARY KEY (chain_id, proposal_id, voter)
);
SELECT attach_undo('votes');

-- A first reputation score per seller, recomputable from the chain: completed orders,
-- milestones released without a dispute, disputes lost (resolved with a refund).
CREATE VIEW reputation AS
SELECT o.chain_id, o.seller AS account,
       count(*) FILTER (WHERE o.status = 'Completed') AS completed_orders,
       coalesce(sum(m.clean), 0) AS on_time_milestones,
       coalesce(sum(m.lost), 0) AS disputes_lost,
       count(*) FILTER (WHERE o.status = 'Completed') * 10
         + coalesce(sum(m.clean), 0) * 2 - coalesce(sum(m.lost), 0) * 15 AS score
FROM orders o
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE state = 'Released' AND disputed_by IS NULL) AS clean,
           count(*) FILTER (WHERE state = 'Resolved' AND refund_amount > 0) AS lost
    FROM milestones mm WHERE mm.chain_id = o.chain_id AND mm.order_id = o.order_id
) m ON true
GROUP BY o.chain_id, o.seller;
