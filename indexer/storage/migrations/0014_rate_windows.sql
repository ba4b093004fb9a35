-- Rate-limit windows shared by every API replica: requests per (name, minute), where a
-- name is a key's or a client's window (`key:<hash>`, `ip:<addr>`, `nonce:<addr>`).
-- Each replica adds what it counted every fraction of a second and reads the totals
-- back; UNLOGGED: a crash loses at most the current minute's counts, and no WAL is
-- written for them.
CREATE UNLOGGED TABLE rate_windows (
    name   TEXT   NOT NULL,
    minute BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (name, minute)
);
