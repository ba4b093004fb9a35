-- Content-addressed metadata documents uploaded by makers. A document is keyed by the
-- keccak256 of its exact bytes; orders link to it when their on-chain metadata hash
-- matches (a join on orders.metadata_hash, so an order created later links too).
-- Not chain data: no undo trigger, and re-indexing keeps the documents.

CREATE TABLE metadata_documents (
    hash         TEXT PRIMARY KEY,          -- 0x keccak256 of `raw`
    raw          BYTEA NOT NULL,            -- the bytes as uploaded (the hash covers them)
    document     JSONB NOT NULL,            -- parsed, for queries
    uploaded_by  TEXT NOT NULL,             -- the signed-in address
    uploaded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    kind         TEXT GENERATED ALWAYS AS (document ->> 'kind') STORED,
    category     TEXT GENERATED ALWAYS AS (document ->> 'category') STORED,
    region       TEXT GENERATED ALWAYS AS (document #>> '{artisan,region}') STORED,
    craft        TEXT GENERATED ALWAYS AS (document #>> '{artisan,craft}') STORED,
    search       TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(document ->> 'title', '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(document #>> '{product,name}', '') || ' ' ||
                                        coalesce(document #>> '{artisan,name}', '') || ' ' ||
                                        coalesce(document #>> '{artisan,craft}', '') || ' ' ||
                                        coalesce(document #>> '{artisan,region}', '') || ' ' ||
                                        coalesce(document ->> 'category', '')), 'B') ||
        setweight(to_tsvector('simple', coalesce(document ->> 'description', '') || ' ' ||
                                        coalesce(document #>> '{artisan,story}', '')), 'C')
    ) STORED
);
CREATE INDEX metadata_search ON metadata_documents USING gin (search);
CREATE INDEX metadata_by_region ON metadata_documents (region);
CREATE INDEX metadata_by_craft ON metadata_documents (craft);
CREATE INDEX metadata_by_category ON metadata_documents (category);
CREATE INDEX orders_by_metadata ON orders (metadata_hash);
CREATE INDEX orders_by_token ON orders (token);
CREATE INDEX orders_by_kind ON orders (kind, chain_id, order_id);
