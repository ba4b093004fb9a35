//! Everything the ingester writes, each in one transaction: a batch's events, the
//! projections they change, the recent block hashes and the checkpoint commit together, so
//! a kill at any instant loses nothing and duplicates nothing.
//!
//! Every write starts by moving the chain's row with a compare-and-set on the checkpoint
//! it expects and on the writer's epoch ([`Writer`]): the row lock it takes serialises
//! writers, and a process that lost the chain's lock (or whose view of the checkpoint is
//! stale) fails with [`Fenced`] before it changes anything.
//!
//! The undo window: a batch that ends above the final block gets a `batches` row, its
//! projection changes are logged in `undo_log`, and the hashes of its blocks are kept in
//! `blocks`. A batch leaves the window (with its undo rows) once the final block has passed
//! it. `blocks` always holds exactly the window's blocks plus the one below them (the
//! anchor), never more: a rollback can reach the anchor and no further.

use alloy::primitives::{Address, B256};
use eyre::{Result, WrapErr};
use sqlx::{PgPool, Postgres, Transaction};

use super::rpc::Header;
use crate::changes::{self, Scope};
use cointent_storage::{projections, read::details};

/// The right to write one chain: the epoch this process took with the chain's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writer {
    /// The chain.
    pub chain_id: u64,
    /// The epoch; a later writer's is higher.
    pub epoch: i64,
}

/// A write refused because this process is no longer the chain's writer (another took the
/// lock, or moved the checkpoint).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error(
    "chain {chain_id}: no longer this process's to write (epoch {epoch} is over or the checkpoint moved)"
)]
pub struct Fenced {
    /// The chain.
    pub chain_id: u64,
    /// The epoch that is over.
    pub epoch: i64,
}

/// One event ready to store.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Block number.
    pub block_number: u64,
    /// Log index within the block.
    pub log_index: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Block time, unix seconds.
    pub block_time: u64,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Deployment name of the contract.
    pub contract: String,
    /// Contract address, lower-case hex.
    pub address: String,
    /// Event name.
    pub event: String,
    /// Decoded arguments.
    pub args: serde_json::Value,
}

/// A range of blocks to commit.
#[derive(Debug)]
pub struct Batch {
    /// The chain.
    pub chain_id: u64,
    /// First block.
    pub from: u64,
    /// Last block.
    pub to: u64,
    /// Hash of `to`.
    pub to_hash: B256,
    /// The events, in chain order.
    pub events: Vec<EventRow>,
    /// Headers of the block before `from` (when there is one) and of every block of the
    /// range, verified as one chain.
    pub headers: Vec<Header>,
    /// The highest final block when the batch was fetched (`-1`: none).
    pub final_block: i64,
    /// The chain head when the batch was fetched.
    pub head: u64,
}

/// A chain's checkpoint: the last committed block (`-1` before the first) and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Last committed block, or `start_block - 1`.
    pub block: i64,
    /// Its hash (`None` before the first commit).
    pub hash: Option<B256>,
}

impl Checkpoint {
    /// The checkpoint as the block a range must continue: number and hash.
    pub fn anchor(&self) -> Option<(u64, B256)> {
        Some((u64::try_from(self.block).ok()?, self.hash?))
    }
}

/// Registers a chain if it is new and takes the next writer epoch (the caller holds the
/// chain's lock).
pub async fn register<'e>(
    db: impl sqlx::PgExecutor<'e>,
    chain_id: u64,
    name: &str,
    start_block: u64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO chains (chain_id, name, checkpoint_block) VALUES ($1, $2, $3)
         ON CONFLICT (chain_id) DO UPDATE SET name = EXCLUDED.name, epoch = chains.epoch + 1
         RETURNING epoch",
    )
    .bind(chain_id as i64)
    .bind(name)
    .bind(start_block as i64 - 1)
    .fetch_one(db)
    .await?)
}

/// The chain's checkpoint.
pub async fn checkpoint(pool: &PgPool, chain_id: u64) -> Result<Checkpoint> {
    let (block, hash): (i64, Option<String>) =
        sqlx::query_as("SELECT checkpoint_block, checkpoint_hash FROM chains WHERE chain_id = $1")
            .bind(chain_id as i64)
            .fetch_one(pool)
            .await?;
    Ok(Checkpoint { block, hash: hash.and_then(|h| h.parse().ok()) })
}

/// What a standby (or `/ready`) needs to know of a chain another process writes.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ChainRow {
    /// Last committed block.
    pub checkpoint_block: i64,
    /// Latest head seen by the writer.
    pub head_block: i64,
    /// Why ingestion stopped, if it did.
    pub halted: Option<String>,
}

/// The chain's row, if registered.
pub async fn chain_row(pool: &PgPool, chain_id: u64) -> Result<Option<ChainRow>> {
    Ok(sqlx::query_as(
        "SELECT checkpoint_block, head_block, halted FROM chains WHERE chain_id = $1",
    )
    .bind(chain_id as i64)
    .fetch_optional(pool)
    .await?)
}

/// Records the latest head (for status and lag).
pub async fn set_head(pool: &PgPool, writer: Writer, head: u64) -> Result<()> {
    sqlx::query(
        "UPDATE chains SET head_block = $3 WHERE chain_id = $1 AND epoch = $2 AND head_block <> $3",
    )
    .bind(writer.chain_id as i64)
    .bind(writer.epoch)
    .bind(head as i64)
    .execute(pool)
    .await?;
    Ok(())
}

/// Stops the chain: records why (with the way out) for `status` and other processes.
pub async fn halt(pool: &PgPool, writer: Writer, reason: &str) -> Result<()> {
    let moved = sqlx::query(
        "UPDATE chains SET halted = $3, halted_at = now() WHERE chain_id = $1 AND epoch = $2",
    )
    .bind(writer.chain_id as i64)
    .bind(writer.epoch)
    .bind(reason)
    .execute(pool)
    .await?;
    fenced_unless(moved.rows_affected() == 1, writer)
}

fn fenced_unless(ok: bool, writer: Writer) -> Result<()> {
    if ok { Ok(()) } else { Err(Fenced { chain_id: writer.chain_id, epoch: writer.epoch }.into()) }
}

/// Takes the chain's row for this transaction if `writer` still writes it and its
/// checkpoint is `expected`.
async fn claim(tx: &mut Transaction<'_, Postgres>, writer: Writer, expected: i64) -> Result<()> {
    let claimed = sqlx::query(
        "UPDATE chains SET updated_at = now()
         WHERE chain_id = $1 AND epoch = $2 AND checkpoint_block = $3",
    )
    .bind(writer.chain_id as i64)
    .bind(writer.epoch)
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    fenced_unless(claimed.rows_affected() == 1, writer)
}

/// Commits a batch, or nothing.
#[tracing::instrument(skip_all, fields(chain = batch.chain_id, from = batch.from, to = batch.to, events = batch.events.len()))]
pub async fn commit(pool: &PgPool, writer: Writer, batch: &Batch) -> Result<()> {
    let chain = batch.chain_id as i64;
    let mut tx = pool.begin().await?;
    // First, so that concurrent writers queue on the row lock and a stale one stops here.
    let moved = sqlx::query(
        "UPDATE chains SET checkpoint_block = $4, checkpoint_hash = $5, events = events + $6,
                head_block = GREATEST(head_block, $7), final_block = GREATEST(final_block, $8),
                checkpoint_time = coalesce($9, checkpoint_time),
                halted = NULL, halted_at = NULL, updated_at = now()
         WHERE chain_id = $1 AND epoch = $2 AND checkpoint_block = $3",
    )
    .bind(chain)
    .bind(writer.epoch)
    .bind(batch.from as i64 - 1)
    .bind(batch.to as i64)
    .bind(batch.to_hash.to_string())
    .bind(batch.events.len() as i64)
    .bind(batch.head as i64)
    .bind(batch.final_block)
    // The Governor's clock (see migration 0011).
    .bind(batch.headers.iter().find(|h| h.number == batch.to).map(|h| h.timestamp as i64))
    .execute(&mut *tx)
    .await?;
    fenced_unless(moved.rows_affected() == 1, writer)?;
    if batch.to < batch.head {
        // A backfill's batch does not wait for its WAL to reach the disk. A crash may lose the
        // last few such commits, each whole with its checkpoint (Postgres recovers to an
        // earlier commit, never to part of one), and the writer fetches those blocks again.
        // Live batches wait, so what readers and webhooks saw at the head stays.
        sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await?;
    }

    let undoable = batch.to as i64 > batch.final_block;
    if undoable {
        // Projection triggers log row images under this batch, for rollback.
        sqlx::query(
            "SELECT set_config('cointent.undo_chain', $1, true), set_config('cointent.undo_from', $2, true)",
        )
        .bind(chain.to_string())
        .bind(batch.from.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO batches (chain_id, from_block, to_block) VALUES ($1, $2, $3)")
            .bind(chain)
            .bind(batch.from as i64)
            .bind(batch.to as i64)
            .execute(&mut *tx)
            .await?;
    }
    insert_events(&mut tx, chain, &batch.events).await?;
    let names: std::collections::BTreeSet<&str> =
        batch.events.iter().map(|e| e.event.as_str()).collect();
    projections::apply(&mut tx, chain, batch.from as i64, batch.to as i64, &names).await?;

    // The window's blocks (and the anchor below them); of a final batch, only its last
    // block, the anchor of what comes next.
    let kept: Vec<&Header> = if undoable {
        batch.headers.iter().collect()
    } else {
        batch.headers.iter().filter(|h| h.number == batch.to).collect()
    };
    upsert_blocks(&mut tx, chain, &kept).await?;

    // Forget what can no longer be rolled back: batches the final block has passed, their
    // undo rows, and the hashes below the new anchor, all together.
    sqlx::query(
        "WITH gone AS (DELETE FROM batches WHERE chain_id = $1 AND to_block <= $2 RETURNING from_block)
         DELETE FROM undo_log WHERE chain_id = $1 AND from_block IN (SELECT from_block FROM gone)",
    )
    .bind(chain)
    .bind(batch.final_block)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM blocks WHERE chain_id = $1 AND number <
            COALESCE((SELECT min(from_block) FROM batches WHERE chain_id = $1), $2 + 1) - 1",
    )
    .bind(chain)
    .bind(batch.to as i64)
    .execute(&mut *tx)
    .await?;
    let scope = Scope::of_events(batch.chain_id, &batch.events);
    match &scope {
        Scope::Orders(_, ids) => {
            let ids: Vec<String> = ids.iter().cloned().collect();
            details::forget(&mut tx, chain, &ids).await?;
        }
        _ => details::forget_chain(&mut tx, chain).await?,
    }
    changes::notify(&mut tx, &scope).await?;
    tx.commit().await?;
    Ok(())
}

async fn upsert_blocks(
    tx: &mut Transaction<'_, Postgres>,
    chain: i64,
    headers: &[&Header],
) -> Result<()> {
    if headers.is_empty() {
        return Ok(());
    }
    let numbers: Vec<i64> = headers.iter().map(|h| h.number as i64).collect();
    let hashes: Vec<String> = headers.iter().map(|h| h.hash.to_string()).collect();
    let parents: Vec<String> = headers.iter().map(|h| h.parent_hash.to_string()).collect();
    sqlx::query(
        "INSERT INTO blocks (chain_id, number, hash, parent_hash)
         SELECT $1, * FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[])
         ON CONFLICT (chain_id, number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash",
    )
    .bind(chain)
    .bind(numbers)
    .bind(hashes)
    .bind(parents)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The columns [`insert_events`] copies, in the order [`copy_rows`] writes them.
const EVENT_COPY: &str = "COPY events (chain_id, block_number, log_index, block_hash, block_time, \
     tx_hash, contract, address, event, args) FROM STDIN (FORMAT binary)";

/// Stores a batch's events with one binary `COPY` (no text arrays to build here; Postgres's
/// own cost, the rows and their indexes, is the same as an `INSERT`'s).
async fn insert_events(
    tx: &mut Transaction<'_, Postgres>,
    chain: i64,
    events: &[EventRow],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = copy_rows(chain, events)?;
    let mut copy = tx.copy_in_raw(EVENT_COPY).await.wrap_err("inserting events")?;
    if let Err(e) = copy.send(rows).await {
        // The connection must leave copy mode before its transaction rolls back.
        let _ = copy.abort("the events could not be sent").await;
        return Err(e).wrap_err("inserting events");
    }
    let stored = copy.finish().await.wrap_err("inserting events")?;
    eyre::ensure!(stored == events.len() as u64, "stored {stored} of {} events", events.len());
    Ok(())
}

/// Seconds between the Unix epoch and Postgres's (2000-01-01 UTC).
const PG_EPOCH_OFFSET: i64 = 946_684_800;

/// The events in `COPY`'s binary format: a signature and two empty header words, then per
/// row a field count and each field as its length and its binary value (big-endian
/// integers, microseconds since 2000 for a timestamp, text as UTF-8, JSONB as version 1
/// and the text), then -1.
fn copy_rows(chain: i64, events: &[EventRow]) -> Result<Vec<u8>> {
    fn field(buf: &mut Vec<u8>, value: &[u8]) {
        buf.extend_from_slice(&(value.len() as i32).to_be_bytes());
        buf.extend_from_slice(value);
    }
    let mut buf = Vec::with_capacity(19 + events.len() * 512);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&[0; 8]);
    for e in events {
        buf.extend_from_slice(&10i16.to_be_bytes());
        field(&mut buf, &chain.to_be_bytes());
        field(&mut buf, &(e.block_number as i64).to_be_bytes());
        field(&mut buf, &(e.log_index as i32).to_be_bytes());
        field(&mut buf, e.block_hash.to_string().as_bytes());
        let micros = (e.block_time as i64 - PG_EPOCH_OFFSET) * 1_000_000;
        field(&mut buf, &micros.to_be_bytes());
        field(&mut buf, e.tx_hash.to_string().as_bytes());
        field(&mut buf, e.contract.as_bytes());
        field(&mut buf, e.address.as_bytes());
        field(&mut buf, e.event.as_bytes());
        // JSONB: its length (patched once written), version 1, the JSON text.
        let at = buf.len();
        buf.extend_from_slice(&[0, 0, 0, 0, 1]);
        serde_json::to_writer(&mut buf, &e.args)?;
        let len = (buf.len() - at - 4) as i32;
        buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    Ok(buf)
}

/// The stored hashes of the window's blocks and its anchor, newest first.
pub async fn recent_hashes(pool: &PgPool, chain_id: u64) -> Result<Vec<(u64, B256)>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT number, hash FROM blocks WHERE chain_id = $1 ORDER BY number DESC")
            .bind(chain_id as i64)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().filter_map(|(n, h)| Some((n as u64, h.parse().ok()?))).collect())
}

/// The stored hash of block `number`, if it is in the window.
pub async fn stored_hash(pool: &PgPool, chain_id: u64, number: u64) -> Result<Option<B256>> {
    let hash: Option<String> =
        sqlx::query_scalar("SELECT hash FROM blocks WHERE chain_id = $1 AND number = $2")
            .bind(chain_id as i64)
            .bind(number as i64)
            .fetch_optional(pool)
            .await?;
    Ok(hash.and_then(|h| h.parse().ok()))
}

/// Rolls back everything above `fork` (whole batches, so possibly a little more) in one
/// transaction, and returns the new checkpoint. `fork` must not be below the anchor (the
/// block under the window): what is below cannot be undone.
#[tracing::instrument(skip(pool))]
pub async fn rollback(
    pool: &PgPool,
    writer: Writer,
    expected: i64,
    fork: u64,
    reorg: bool,
) -> Result<Checkpoint> {
    let chain = writer.chain_id as i64;
    let mut tx = pool.begin().await?;
    claim(&mut tx, writer, expected).await?;
    let (anchor, resume): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(min(from_block), $3 + 1) - 1,
                COALESCE(min(from_block) FILTER (WHERE to_block > $2), $2 + 1)
         FROM batches WHERE chain_id = $1",
    )
    .bind(chain)
    .bind(fork as i64)
    .bind(expected)
    .fetch_one(&mut *tx)
    .await?;
    eyre::ensure!(
        fork as i64 >= anchor,
        "chain {chain}: cannot roll back to block {fork}, below the undo window (it starts after block {anchor})"
    );
    if resume > expected {
        tx.rollback().await?;
        return checkpoint(pool, writer.chain_id).await;
    }
    details::forget_from(&mut tx, chain, resume).await?;
    let undone: i64 = sqlx::query_scalar("SELECT cointent_rollback($1, $2)")
        .bind(chain)
        .bind(resume)
        .fetch_one(&mut *tx)
        .await
        .wrap_err("undoing projections")?;
    let removed = sqlx::query("DELETE FROM events WHERE chain_id = $1 AND block_number >= $2")
        .bind(chain)
        .bind(resume)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM blocks WHERE chain_id = $1 AND number >= $2")
        .bind(chain)
        .bind(resume)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM batches WHERE chain_id = $1 AND from_block >= $2")
        .bind(chain)
        .bind(resume)
        .execute(&mut *tx)
        .await?;
    let hash: Option<String> =
        sqlx::query_scalar("SELECT hash FROM blocks WHERE chain_id = $1 AND number = $2")
            .bind(chain)
            .bind(resume - 1)
            .fetch_optional(&mut *tx)
            .await?;
    eyre::ensure!(hash.is_some(), "chain {chain}: no stored hash for block {}", resume - 1);
    sqlx::query(
        "UPDATE chains SET checkpoint_block = $2, checkpoint_hash = $3, events = events - $4,
                reorgs = reorgs + $5, halted = NULL, halted_at = NULL, updated_at = now()
         WHERE chain_id = $1",
    )
    .bind(chain)
    .bind(resume - 1)
    .bind(&hash)
    .bind(removed as i64)
    .bind(i64::from(reorg))
    .execute(&mut *tx)
    .await?;
    changes::notify(&mut tx, &Scope::Chain(writer.chain_id)).await?;
    tx.commit().await?;
    tracing::warn!(
        chain,
        fork,
        resume_from = resume,
        events_removed = removed,
        rows_restored = undone,
        "rolled back"
    );
    Ok(Checkpoint { block: resume - 1, hash: hash.and_then(|h| h.parse().ok()) })
}

/// A rewind: the mirror goes back to block `to - 1` whatever the undo window holds, by
/// deleting later events and recomputing every projection from the events kept.
#[derive(Debug, Clone)]
pub struct Rewind {
    /// The first block to index again.
    pub to: u64,
    /// The header of block `to - 1`, the new checkpoint (`None` when `to` is 0).
    pub anchor: Option<Header>,
    /// Addresses whose events all go (contracts removed from the configuration).
    pub drop_addresses: Vec<Address>,
    /// Whether a reorg caused it (counted in `chains.reorgs`).
    pub reorg: bool,
    /// The contracts to record: name, address, first block indexed.
    pub contracts: Vec<(String, Address, u64)>,
}

/// Rewinds the chain's mirror (see [`Rewind`]) in one transaction; the new checkpoint.
#[tracing::instrument(skip(pool, rewind), fields(to = rewind.to))]
pub async fn rewind(
    pool: &PgPool,
    writer: Writer,
    expected: i64,
    rewind: &Rewind,
) -> Result<Checkpoint> {
    let chain = writer.chain_id as i64;
    let mut tx = pool.begin().await?;
    claim(&mut tx, writer, expected).await?;
    let dropped: Vec<String> = rewind.drop_addresses.iter().map(|a| format!("{a:#x}")).collect();
    let removed = sqlx::query(
        "DELETE FROM events WHERE chain_id = $1 AND (block_number >= $2 OR address = ANY($3))",
    )
    .bind(chain)
    .bind(rewind.to as i64)
    .bind(&dropped)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    for table in projections::tables(&mut tx).await? {
        let sql = format!("DELETE FROM \"{}\" WHERE chain_id = $1", table.replace('"', ""));
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(chain).execute(&mut *tx).await?;
    }
    let (lo, names): (Option<i64>, Vec<String>) = sqlx::query_as(
        "SELECT min(block_number), COALESCE(array_agg(DISTINCT event), '{}') FROM events
         WHERE chain_id = $1",
    )
    .bind(chain)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(lo) = lo {
        let names = names.iter().map(String::as_str).collect();
        projections::apply(&mut tx, chain, lo, rewind.to as i64 - 1, &names).await?;
    }
    for table in ["batches", "undo_log", "blocks"] {
        let sql = format!("DELETE FROM {table} WHERE chain_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(chain).execute(&mut *tx).await?;
    }
    if let Some(anchor) = &rewind.anchor {
        upsert_blocks(&mut tx, chain, &[anchor]).await?;
    }
    save_contracts(&mut tx, writer.chain_id, &rewind.contracts).await?;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE chain_id = $1")
        .bind(chain)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE chains SET checkpoint_block = $2, checkpoint_hash = $3, events = $4,
                reorgs = reorgs + $5, checkpoint_time = $6, halted = NULL, halted_at = NULL,
                updated_at = now()
         WHERE chain_id = $1",
    )
    .bind(chain)
    .bind(rewind.to as i64 - 1)
    .bind(rewind.anchor.map(|h| h.hash.to_string()))
    .bind(events)
    .bind(i64::from(rewind.reorg))
    .bind(rewind.anchor.map(|h| h.timestamp as i64))
    .execute(&mut *tx)
    .await?;
    details::forget_chain(&mut tx, writer.chain_id as i64).await?;
    changes::notify(&mut tx, &Scope::Chain(writer.chain_id)).await?;
    tx.commit().await?;
    tracing::warn!(
        chain,
        resume_from = rewind.to,
        events_removed = removed,
        "rewound the mirror: projections recomputed from the events kept"
    );
    Ok(Checkpoint { block: rewind.to as i64 - 1, hash: rewind.anchor.map(|h| h.hash) })
}

/// The contracts recorded for a chain: name, address, first block indexed (if known).
pub async fn stored_contracts(
    pool: &PgPool,
    chain_id: u64,
) -> Result<Vec<(String, Address, Option<u64>)>> {
    let rows: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT name, address, from_block FROM contracts WHERE chain_id = $1")
            .bind(chain_id as i64)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(n, a, b)| Some((n, a.parse().ok()?, b.map(|b| b as u64))))
        .collect())
}

async fn save_contracts(
    tx: &mut Transaction<'_, Postgres>,
    chain_id: u64,
    contracts: &[(String, Address, u64)],
) -> Result<()> {
    let names: Vec<&str> = contracts.iter().map(|(n, _, _)| n.as_str()).collect();
    let addresses: Vec<String> = contracts.iter().map(|(_, a, _)| format!("{a:#x}")).collect();
    let blocks: Vec<i64> = contracts.iter().map(|(_, _, b)| *b as i64).collect();
    sqlx::query("DELETE FROM contracts WHERE chain_id = $1 AND NOT (name = ANY($2))")
        .bind(chain_id as i64)
        .bind(&names)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO contracts (chain_id, name, address, from_block)
         SELECT $1, * FROM unnest($2::TEXT[], $3::TEXT[], $4::BIGINT[])
         ON CONFLICT (chain_id, name) DO UPDATE
         SET address = EXCLUDED.address, from_block = EXCLUDED.from_block",
    )
    .bind(chain_id as i64)
    .bind(&names)
    .bind(&addresses)
    .bind(&blocks)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the configured contracts (no rewind needed), if `writer` still writes the chain.
pub async fn record_contracts(
    pool: &PgPool,
    writer: Writer,
    expected: i64,
    contracts: &[(String, Address, u64)],
) -> Result<()> {
    let mut tx = pool.begin().await?;
    claim(&mut tx, writer, expected).await?;
    save_contracts(&mut tx, writer.chain_id, contracts).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets everything indexed for the chain (`cointent reindex`): the next batch starts at
/// `start_block`.
pub async fn reset(pool: &PgPool, writer: Writer, start_block: u64) -> Result<()> {
    let chain = writer.chain_id as i64;
    let mut tx = pool.begin().await?;
    let expected: i64 =
        sqlx::query_scalar("SELECT checkpoint_block FROM chains WHERE chain_id = $1")
            .bind(chain)
            .fetch_one(&mut *tx)
            .await?;
    claim(&mut tx, writer, expected).await?;
    for table in projections::tables(&mut tx)
        .await?
        .iter()
        .map(String::as_str)
        .chain(["events", "blocks", "batches", "undo_log"])
    {
        let sql = format!("DELETE FROM \"{}\" WHERE chain_id = $1", table.replace('"', ""));
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(chain).execute(&mut *tx).await?;
    }
    sqlx::query(
        "UPDATE chains SET checkpoint_block = $2, checkpoint_hash = NULL, head_block = 0,
                checkpoint_time = NULL, events = 0, reorgs = 0, final_block = -1, halted = NULL,
                halted_at = NULL
         WHERE chain_id = $1",
    )
    .bind(chain)
    .bind(start_block as i64 - 1)
    .execute(&mut *tx)
    .await?;
    details::forget_chain(&mut tx, writer.chain_id as i64).await?;
    changes::notify(&mut tx, &Scope::Chain(writer.chain_id)).await?;
    tx.commit().await?;
    Ok(())
}
