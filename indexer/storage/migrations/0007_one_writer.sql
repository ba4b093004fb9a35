-- A mirror you can trust (issue 13): one writer per chain, finality, and loud stops.

ALTER TABLE chains
    -- Bumped by each process that becomes the chain's writer (it holds the chain's advisory
    -- lock); every write checks it, so a writer that lost the lock can no longer write.
    ADD COLUMN epoch        BIGINT NOT NULL DEFAULT 0,
    -- The highest block known final when the last batch committed (-1: none yet).
    ADD COLUMN final_block  BIGINT NOT NULL DEFAULT -1,
    -- Why ingestion of this chain stopped (a reorg deeper than can be undone, a commit the
    -- database refuses), with the way out; NULL while it runs.
    ADD COLUMN halted       TEXT,
    ADD COLUMN halted_at    TIMESTAMPTZ;

-- The first block indexed for each contract: a contract added to the configuration (or
-- whose address changed) is backfilled from its deployment.
ALTER TABLE contracts ADD COLUMN from_block BIGINT;
