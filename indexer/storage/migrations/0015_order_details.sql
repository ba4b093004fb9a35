-- Each order's detail answer (`GET /v1/orders/{chain}/{id}`), kept ready as the API sends
-- it: a first read is one primary-key lookup. Derived from the rest of the mirror and
-- recomputed by the chain's writer (see cointent_storage::read::details); UNLOGGED, since
-- a crash that empties it loses nothing the writer does not fill again.
CREATE UNLOGGED TABLE order_details (
    chain_id BIGINT  NOT NULL,
    order_id NUMERIC NOT NULL,
    body     BYTEA   NOT NULL,
    PRIMARY KEY (chain_id, order_id)
);
