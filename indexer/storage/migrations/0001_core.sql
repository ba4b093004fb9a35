-- The indexer's core: per-chain checkpoints, recent block hashes, raw events, and the
-- undo log that makes every projection reorg-safe.

CREATE TABLE chains (
    chain_id          BIGINT PRIMARY KEY,
    name              TEXT NOT NULL,
    -- Last block whose events and projections are committed.
    checkpoint_block  BIGINT NOT NULL,
    checkpoint_hash   TEXT,
    -- Latest head seen from the RPC (for lag and readiness).
    head_block        BIGINT NOT NULL DEFAULT 0,
    events            BIGINT NOT NULL DEFAULT 0,
    reorgs            BIGINT NOT NULL DEFAULT 0,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Hashes of the blocks inside each chain's finality window, to detect reorgs.
CREATE TABLE blocks (
    chain_id     BIGINT NOT NULL,
    number       BIGINT NOT NULL,
    hash         TEXT NOT NULL,
    parent_hash  TEXT NOT NULL,
    PRIMARY KEY (chain_id, number)
);

CREATE TABLE events (
    chain_id      BIGINT NOT NULL,
    block_number  BIGINT NOT NULL,
    log_index     INTEGER NOT NULL,
    block_hash    TEXT NOT NULL,
    block_time    TIMESTAMPTZ NOT NULL,
    tx_hash       TEXT NOT NULL,
    contract      TEXT NOT NULL,  -- name from the deployment: escrow, token, treasury, ...
    address       TEXT NOT NULL,  -- lower-case hex
    event         TEXT NOT NULL,  -- event name from the ABI
    args          JSONB NOT NULL, -- decoded arguments by name; integers as decimal strings
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX events_by_name ON events (chain_id, event, block_number);

-- Batches committed inside the finality window; a reorg rolls back whole batches.
CREATE TABLE batches (
    chain_id    BIGINT NOT NULL,
    from_block  BIGINT NOT NULL,
    to_block    BIGINT NOT NULL,
    PRIMARY KEY (chain_id, from_block)
);

-- Row images of every projection change made by a batch inside the finality window.
CREATE TABLE undo_log (
    id          BIGSERIAL PRIMARY KEY,
    chain_id    BIGINT NOT NULL,
    from_block  BIGINT NOT NULL,
    table_name  TEXT NOT NULL,
    old_row     JSONB,
    new_row     JSONB
);
CREATE INDEX undo_log_by_batch ON undo_log (chain_id, from_block);

-- Projection tables get this trigger (see attach_undo). It logs only while the ingesting
-- transaction has set cointent.undo_chain / cointent.undo_from, i.e. for batches inside
-- the finality window; final history is written without the overhead.
CREATE FUNCTION cointent_undo_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    from_block BIGINT := nullif(current_setting('cointent.undo_from', true), '')::BIGINT;
BEGIN
    IF from_block IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO undo_log (chain_id, from_block, table_name, old_row, new_row)
    VALUES (
        current_setting('cointent.undo_chain')::BIGINT,
        from_block,
        TG_TABLE_NAME,
        CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
        CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END
    );
    RETURN NULL;
END $$;

CREATE FUNCTION attach_undo(tbl REGCLASS) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'CREATE TRIGGER undo AFTER INSERT OR UPDATE OR DELETE ON %s
         FOR EACH ROW EXECUTE FUNCTION cointent_undo_log()', tbl);
END $$;

-- Restores every projection row changed by batches of `chain` starting at or after
-- `from_block`, newest change first, then forgets those changes.
CREATE FUNCTION cointent_rollback(chain BIGINT, from_block BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    u RECORD;
    pk TEXT[];
    cond TEXT;
    n BIGINT := 0;
BEGIN
    PERFORM set_config('cointent.undo_from', '', true);
    FOR u IN
        SELECT * FROM undo_log l
        WHERE l.chain_id = chain AND l.from_block >= cointent_rollback.from_block
        ORDER BY l.id DESC
    LOOP
        SELECT array_agg(a.attname::TEXT ORDER BY a.attnum) INTO pk
        FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = u.table_name::REGCLASS AND i.indisprimary;
        SELECT string_agg(format('t.%1$I IS NOT DISTINCT FROM r.%1$I', c), ' AND ') INTO cond
        FROM unnest(pk) c;
        IF u.new_row IS NOT NULL THEN
            EXECUTE format(
                'DELETE FROM %1$I t USING jsonb_populate_record(NULL::%1$I, $1) r WHERE %2$s',
                u.table_name, cond) USING u.new_row;
        END IF;
        IF u.old_row IS NOT NULL THEN
            EXECUTE format(
                'INSERT INTO %1$I SELECT * FROM jsonb_populate_record(NULL::%1$I, $1)',
                u.table_name) USING u.old_row;
        END IF;
        n := n + 1;
    END LOOP;
    DELETE FROM undo_log l WHERE l.chain_id = chain AND l.from_block >= cointent_rollback.from_block;
    RETURN n;
END $$;
