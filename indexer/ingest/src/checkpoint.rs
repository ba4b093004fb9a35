//! Everything the ingester writes, each in one transaction: a batch's events, the
//! projections they change, the recent block hashes and the checkpoint commit together, so
//! a kill at any instant loses nothing and duplicates nothing.

use alloy::primitives::B256;
use eyre::{Result, bail};
use sqlx::{PgPool, Postgres, Transaction};

use super::rpc::Header;
use cointent_storage::projections;

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
    /// Hash of `to`, when known (inside the finality window).
    pub to_hash: Option<B256>,
    /// The events, in chain order.
    pub events: Vec<EventRow>,
    /// Headers of the batch's blocks inside the finality window.
    pub headers: Vec<Header>,
    /// First block of the finality window at the time of the batch.
    pub window_start: u64,
    /// The chain head when the batch was fetched.
    pub head: u64,
}

/// A chain's checkpoint: the last committed block (`-1` before the first) and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Last committed block, or `start_block - 1`.
    pub block: i64,
    /// Its hash, when it was inside the finality window.
    pub hash: Option<String>,
}

/// Registers a chain (first run) and returns its checkpoint.
pub async fn init_chain(
    pool: &PgPool,
    chain_id: u64,
    name: &str,
    start_block: u64,
    contracts: &std::collections::BTreeMap<String, alloy::primitives::Address>,
) -> Result<Checkpoint> {
    let names: Vec<&str> = contracts.keys().map(String::as_str).collect();
    let addresses: Vec<String> = contracts.values().map(|a| format!("{a:#x}")).collect();
    sqlx::query(
        "INSERT INTO contracts (chain_id, name, address) SELECT $1, * FROM unnest($2::TEXT[], $3::TEXT[])
         ON CONFLICT (chain_id, name) DO UPDATE SET address = EXCLUDED.address",
    )
    .bind(chain_id as i64)
    .bind(names)
    .bind(addresses)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO chains (chain_id, name, checkpoint_block) VALUES ($1, $2, $3)
         ON CONFLICT (chain_id) DO UPDATE SET name = EXCLUDED.name",
    )
    .bind(chain_id as i64)
    .bind(name)
    .bind(start_block as i64 - 1)
    .execute(pool)
    .await?;
    checkpoint(pool, chain_id).await
}

/// The chain's checkpoint.
pub async fn checkpoint(pool: &PgPool, chain_id: u64) -> Result<Checkpoint> {
    let (block, hash): (i64, Option<String>) =
        sqlx::query_as("SELECT checkpoint_block, checkpoint_hash FROM chains WHERE chain_id = $1")
            .bind(chain_id as i64)
            .fetch_one(pool)
            .await?;
    Ok(Checkpoint { block, hash })
}

/// Records the latest head (for status and lag).
pub async fn set_head(pool: &PgPool, chain_id: u64, head: u64) -> Result<()> {
    sqlx::query("UPDATE chains SET head_block = $2 WHERE chain_id = $1 AND head_block <> $2")
        .bind(chain_id as i64)
        .bind(head as i64)
        .execute(pool)
        .await?;
    Ok(())
}

/// Commits a batch, or nothing.
#[tracing::instrument(skip_all, fields(chain = batch.chain_id, from = batch.from, to = batch.to, events = batch.events.len()))]
pub async fn commit(pool: &PgPool, batch: &Batch) -> Result<()> {
    let chain = batch.chain_id as i64;
    let mut tx = pool.begin().await?;
    let in_window = batch.to >= batch.window_start;
    if in_window {
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

    if !batch.headers.is_empty() {
        let numbers: Vec<i64> = batch.headers.iter().map(|h| h.number as i64).collect();
        let hashes: Vec<String> = batch.headers.iter().map(|h| h.hash.to_string()).collect();
        let parents: Vec<String> =
            batch.headers.iter().map(|h| h.parent_hash.to_string()).collect();
        sqlx::query(
            "INSERT INTO blocks (chain_id, number, hash, parent_hash)
             SELECT $1, * FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[])
             ON CONFLICT (chain_id, number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash",
        )
        .bind(chain)
        .bind(numbers)
        .bind(hashes)
        .bind(parents)
        .execute(&mut *tx)
        .await?;
    }

    let moved = sqlx::query(
        "UPDATE chains SET checkpoint_block = $3, checkpoint_hash = $4, events = events + $5,
                head_block = GREATEST(head_block, $6), updated_at = now()
         WHERE chain_id = $1 AND checkpoint_block = $2",
    )
    .bind(chain)
    .bind(batch.from as i64 - 1)
    .bind(batch.to as i64)
    .bind(batch.to_hash.map(|h| h.to_string()))
    .bind(batch.events.len() as i64)
    .bind(batch.head as i64)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        // Someone else (another indexer on the same database) moved the checkpoint.
        bail!(
            "checkpoint of chain {chain} is no longer {}: is another indexer running?",
            batch.from as i64 - 1
        );
    }

    // Forget what can no longer be rolled back.
    let window = batch.window_start as i64;
    sqlx::query(
        "WITH gone AS (DELETE FROM batches WHERE chain_id = $1 AND to_block < $2 RETURNING from_block)
         DELETE FROM undo_log WHERE chain_id = $1 AND from_block IN (SELECT from_block FROM gone)",
    )
    .bind(chain)
    .bind(window)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM blocks WHERE chain_id = $1 AND number < $2")
        .bind(chain)
        .bind(window - 1)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_events(
    tx: &mut Transaction<'_, Postgres>,
    chain: i64,
    events: &[EventRow],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len();
    let (
        mut blocks,
        mut idx,
        mut bhash,
        mut time,
        mut txh,
        mut contract,
        mut addr,
        mut name,
        mut args,
    ) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for e in events {
        blocks.push(e.block_number as i64);
        idx.push(e.log_index as i32);
        bhash.push(e.block_hash.to_string());
        time.push(e.block_time as i64);
        txh.push(e.tx_hash.to_string());
        contract.push(e.contract.as_str());
        addr.push(e.address.as_str());
        name.push(e.event.as_str());
        args.push(e.args.to_string());
    }
    sqlx::query(
        "INSERT INTO events (chain_id, block_number, log_index, block_hash, block_time, tx_hash,
                             contract, address, event, args)
         SELECT $1, b, i, h, to_timestamp(t), x, c, a, e, j::JSONB
         FROM unnest($2::BIGINT[], $3::INT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[], $7::TEXT[],
                     $8::TEXT[], $9::TEXT[], $10::TEXT[]) AS u(b, i, h, t, x, c, a, e, j)",
    )
    .bind(chain)
    .bind(blocks)
    .bind(idx)
    .bind(bhash)
    .bind(time)
    .bind(txh)
    .bind(contract)
    .bind(addr)
    .bind(name)
    .bind(args)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The stored hashes of recent blocks, newest first.
pub async fn recent_hashes(pool: &PgPool, chain_id: u64) -> Result<Vec<(u64, String)>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT number, hash FROM blocks WHERE chain_id = $1 ORDER BY number DESC")
            .bind(chain_id as i64)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(n, h)| (n as u64, h)).collect())
}

/// Rolls back everything above `fork` (whole batches, so possibly a little more) in one
/// transaction, and returns the new checkpoint.
#[tracing::instrument(skip(pool))]
pub async fn rollback(pool: &PgPool, chain_id: u64, fork: u64) -> Result<Checkpoint> {
    let chain = chain_id as i64;
    let mut tx = pool.begin().await?;
    let first: Option<i64> = sqlx::query_scalar(
        "SELECT min(from_block) FROM batches WHERE chain_id = $1 AND to_block > $2",
    )
    .bind(chain)
    .bind(fork as i64)
    .fetch_one(&mut *tx)
    .await?;
    let resume = first.unwrap_or(fork as i64 + 1).min(fork as i64 + 1);
    let undone: i64 = sqlx::query_scalar("SELECT cointent_rollback($1, $2)")
        .bind(chain)
        .bind(resume)
        .fetch_one(&mut *tx)
        .await?;
    let removed = sqlx::query("DELETE FROM events WHERE chain_id = $1 AND block_number >= $2")
        .bind(chain)
        .bind(resume)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    for table in ["blocks", "batches"] {
        let col = if table == "blocks" { "number" } else { "from_block" };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE chain_id = $1 AND {col} >= $2"
        )))
        .bind(chain)
        .bind(resume)
        .execute(&mut *tx)
        .await?;
    }
    let hash: Option<String> =
        sqlx::query_scalar("SELECT hash FROM blocks WHERE chain_id = $1 AND number = $2")
            .bind(chain)
            .bind(resume - 1)
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query(
        "UPDATE chains SET checkpoint_block = $2, checkpoint_hash = $3, events = events - $4,
                reorgs = reorgs + 1, updated_at = now()
         WHERE chain_id = $1",
    )
    .bind(chain)
    .bind(resume - 1)
    .bind(&hash)
    .bind(removed as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::warn!(
        fork,
        resume_from = resume,
        events_removed = removed,
        rows_restored = undone,
        "rolled back a reorg"
    );
    Ok(Checkpoint { block: resume - 1, hash })
}
