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
    /// The highest block known final at the last commit (`-1`: none).
    pub final_block: i64,
    /// Why ingestion stopped, with the way out; `None` while it runs.
    pub halted: Option<String>,
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
        "SELECT chain_id, name, head_block, checkpoint_block AS indexed_block, events, reorgs,
                final_block, halted
         FROM chains ORDER BY chain_id",
    )
    .fetch_all(pool)
    .await
}
