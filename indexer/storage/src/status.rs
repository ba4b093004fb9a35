//! Per-chain indexing status, from the mirror and (when reachable) the RPC.

use serde::Serialize;
use sqlx::PgPool;

/// One chain's status.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ChainStatus {
    /// Chain id.
    pub chain_id: i64,
    /// Configured name.
    pub name: String,
    /// Latest head seen by the indexer.
    pub head_block: i64,
    /// Last committed block.
    pub indexed_block: i64,
    /// Events in the mirror.
    pub events: i64,
    /// Reorgs rolled back.
    pub reorgs: i64,
}

impl ChainStatus {
    /// Blocks the mirror is behind the head.
    pub fn lag(&self) -> i64 {
        (self.head_block - self.indexed_block).max(0)
    }
}

/// Every chain's status.
pub async fn chains(pool: &PgPool) -> sqlx::Result<Vec<ChainStatus>> {
    sqlx::query_as(
        "SELECT chain_id, name, head_block, checkpoint_block AS indexed_block, events, reorgs
         FROM chains ORDER BY chain_id",
    )
    .fetch_all(pool)
    .await
}

/// Removes everything indexed for `chain_id`, so the next run re-indexes it from its
/// start block. Projection tables are those with the undo trigger.
pub async fn reset_chain(pool: &PgPool, chain_id: u64) -> eyre::Result<()> {
    let mut tx = pool.begin().await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT c.relname::TEXT FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE t.tgname = 'undo'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for table in tables
        .iter()
        .map(String::as_str)
        .chain(["events", "blocks", "batches", "undo_log", "chains"])
    {
        let sql = format!("DELETE FROM \"{}\" WHERE chain_id = $1", table.replace('"', ""));
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(chain_id as i64).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
