-- The API's own state: sign-in with Ethereum nonces and sessions, partner API keys,
-- webhooks and their delivery log. Not chain data: no undo triggers, and re-indexing a
-- chain keeps them.

-- Single-use nonces for EIP-4361 messages; consumed atomically by /v1/auth/verify.
CREATE TABLE auth_nonces (
    nonce       TEXT PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX auth_nonces_by_expiry ON auth_nonces (expires_at);

-- Sessions: the bearer token is random and only its sha256 is kept.
CREATE TABLE auth_sessions (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,          -- hex sha256 of the token
    address       TEXT NOT NULL,                 -- lower-case 0x hex
    chain_id      BIGINT NOT NULL,               -- the Chain ID of the signed message
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX auth_sessions_by_address ON auth_sessions (address, id);

-- Partner API keys `ck_<id>_<secret>`: only the sha256 of the secret is kept.
CREATE TABLE api_keys (
    id                  BIGSERIAL PRIMARY KEY,
    name                TEXT NOT NULL,
    scopes              TEXT[] NOT NULL,
    rate_limit_per_min  INTEGER NOT NULL,
    secret_hash         TEXT NOT NULL,            -- hex sha256 of the secret
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at          TIMESTAMPTZ,
    usage_count         BIGINT NOT NULL DEFAULT 0,
    last_used_at        TIMESTAMPTZ
);

-- Webhooks belong to the API key that created them. The secret signs deliveries, so it is
-- kept as is (it is shown to the partner once, at creation).
CREATE TABLE webhooks (
    id          BIGSERIAL PRIMARY KEY,
    api_key_id  BIGINT NOT NULL REFERENCES api_keys (id),
    url         TEXT NOT NULL,
    events      TEXT[] NOT NULL,
    chain_id    BIGINT,                    -- NULL: every chain
    accounts    TEXT[],                    -- NULL: any account
    order_ids   TEXT[],                    -- decimal order ids; NULL: any order
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at  TIMESTAMPTZ
);
CREATE INDEX webhooks_by_key ON webhooks (api_key_id, id);

-- Per chain, the last final block whose events were matched against the webhooks.
CREATE TABLE webhook_cursors (
    chain_id      BIGINT PRIMARY KEY,
    block_number  BIGINT NOT NULL
);

-- One row per (webhook, event): an event is delivered at most once per webhook.
CREATE TABLE webhook_deliveries (
    id                BIGSERIAL PRIMARY KEY,
    webhook_id        BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id          TEXT NOT NULL,          -- "chain:block:log"
    event_type        TEXT NOT NULL,
    payload           TEXT NOT NULL,          -- the exact JSON body sent
    status            TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_status_code  INTEGER,
    last_error        TEXT,
    next_attempt_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at      TIMESTAMPTZ,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);
