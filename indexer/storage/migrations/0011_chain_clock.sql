-- The Governor of Escrow v2's deployment counts time in seconds (`clock()` is the block
-- timestamp, ERC-6372 "mode=timestamp"): a proposal's `voteStart` and `voteEnd` are unix
-- seconds, and its voting phase must be read against the chain's time, not a block number.
--
-- The timestamp of the checkpoint block (unix seconds), written with every commit; NULL
-- before the first. A rollback leaves it until the next commit (at most the finality window
-- ahead of the new checkpoint).
ALTER TABLE chains ADD COLUMN checkpoint_time BIGINT;
