//! Ingestion: each chain's contract events fetched over JSON-RPC, checked for reorgs,
//! decoded and committed to the mirror.
//!
//! Bird's-eye view:
//! - [`run_chain`] runs one chain: a backfill over adaptive `eth_getLogs` ranges, then a
//!   live tail polling every `poll_interval_ms` (`fetch`).
//! - [`rpc`]: JSON-RPC with failover over a chain's URLs; [`decode`]: logs to named JSON
//!   arguments from the ABIs in `abi/json`.
//! - [`checkpoint`]: a batch's events, projections, recent block hashes and checkpoint
//!   commit in one transaction; rollbacks undo whole batches.
//! - [`reorg`]: the fork-point search, a pure function over a window of block hashes.
//! - [`metrics`]: per-chain figures (head, indexed block, events, reorgs, errors) for
//!   `/metrics` and `/ready`.

pub mod checkpoint;
pub mod decode;
mod fetch;
pub mod metrics;
mod progress;
pub mod reorg;
pub mod rpc;

use std::{sync::Arc, time::Duration};

use cointent_config::ChainConfig;
use eyre::{Result, bail};
use sqlx::PgPool;
use tokio::sync::watch;

pub use metrics::{ChainMetrics, Metrics};

use crate::rpc::Rpc;

/// Indexes one chain until `shutdown` turns true. Errors are retried with backoff, never
/// fatal, except a chain id that does not match the configuration.
pub async fn run_chain(
    pool: PgPool,
    chain: ChainConfig,
    metrics: Arc<ChainMetrics>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let rpc = Rpc::new(&chain.rpc_urls, metrics.clone())?;
    let actual = rpc.chain_id().await;
    if actual != chain.chain_id {
        bail!("chain {}: the RPC at {} serves chain id {actual}", chain.name, chain.rpc_urls[0]);
    }
    let checkpoint = retry_db(&metrics, || {
        checkpoint::init_chain(
            &pool,
            chain.chain_id,
            &chain.name,
            chain.start_block.unwrap_or(0),
            &chain.contracts,
        )
    })
    .await;
    tracing::info!(chain = chain.chain_id, checkpoint = checkpoint.block, "indexing");
    let poll = chain.poll_interval();
    let mut ingester = fetch::Ingester::new(pool, rpc, chain, metrics, checkpoint);
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let waited = ingester.step().await;
        if waited {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Retries a database operation with backoff until it succeeds (Postgres restarts).
async fn retry_db<T, F, Fut>(metrics: &ChainMetrics, f: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut delay = Duration::from_millis(100);
    loop {
        match f().await {
            Ok(v) => return v,
            Err(e) => {
                metrics.db_errors.inc();
                tracing::warn!(error = %e, retry_in = ?delay, "database operation failed");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
