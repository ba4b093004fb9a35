//! Ingestion: each chain's contract events fetched over JSON-RPC as verified chain
//! segments, decoded and committed to the mirror by exactly one process at a time.
//!
//! Bird's-eye view:
//! - [`run_chain`] runs one chain: it checks the chain id and the contracts' code, waits
//!   as a standby until this process holds the chain's lock (`lease`), brings the mirror in
//!   line with the configured contracts (`contracts`), then backfills over adaptive ranges
//!   and tails the head every `poll_interval_ms` (`fetch`) for as long as it holds the lock.
//! - [`rpc`]: JSON-RPC with failover over a chain's URLs; [`decode`]: logs to named JSON
//!   arguments from the ABIs in `abi/json`.
//! - [`checkpoint`]: every write, each one transaction that first checks the writer's epoch
//!   and the checkpoint it expects (compare-and-set): a batch's events, projections, block
//!   hashes and checkpoint; rollbacks by whole batches through the undo log; rewinds.
//! - [`reorg`]: pure decisions: whether a fetched range is one chain segment continuing
//!   the checkpoint, with logs tied to its blocks and their blooms; where the fork is.
//! - [`metrics`]: per-chain figures (head, indexed block, events, reorgs, errors, leader,
//!   halted) for `/metrics` and `/ready`.
//! - `tokens`: the symbol and decimals of each payment token the Escrow allows, read from
//!   the token once it is allowed (for `/v1/chains`).

pub mod changes;
pub mod checkpoint;
mod contracts;
pub mod decode;
mod fetch;
mod lease;
pub mod metrics;
mod progress;
pub mod reorg;
pub mod rpc;
mod tokens;

use std::{sync::Arc, time::Duration};

use cointent_config::ChainConfig;
use eyre::{Result, bail};
use sqlx::PgPool;
use tokio::sync::watch;

pub use metrics::{ChainMetrics, Metrics};

use crate::{
    checkpoint::Fenced,
    fetch::{Ingester, Step},
    lease::{Lease, pause},
    rpc::Rpc,
};

/// Indexes one chain until `shutdown` turns true, whenever this process holds the chain's
/// lock (standing by otherwise). Errors are retried with backoff, never fatal, except a
/// chain id or a contract address that does not match the configuration.
pub async fn run_chain(
    pool: PgPool,
    chain: ChainConfig,
    metrics: Arc<ChainMetrics>,
    shutdown: watch::Receiver<bool>,
) -> Result<()> {
    run_chain_with(pool, chain, metrics, shutdown, false).await
}

/// As [`run_chain`]; with `reset`, the chain's mirror is forgotten first, once this process
/// holds the chain's lock (`cointent reindex`).
pub async fn run_chain_with(
    pool: PgPool,
    chain: ChainConfig,
    metrics: Arc<ChainMetrics>,
    mut shutdown: watch::Receiver<bool>,
    mut reset: bool,
) -> Result<()> {
    let rpc = Rpc::new(&chain.rpc_urls, &chain.tls, chain.rate_limit_per_sec, metrics.clone())?;
    let actual = rpc.chain_id().await;
    if actual != chain.chain_id {
        bail!("chain {}: the RPC at {} serves chain id {actual}", chain.name, chain.rpc_urls[0]);
    }
    contracts::check_code(&rpc, &chain).await?;
    loop {
        let Some(mut lease) = Lease::acquire(&pool, &chain, &metrics, &mut shutdown).await else {
            return Ok(());
        };
        if reset {
            let (writer, start) = (lease.writer, chain.start_block.unwrap_or(0));
            if retry_db(&metrics, || checkpoint::reset(&pool, writer, start)).await.is_err() {
                continue;
            }
            tracing::info!(chain = chain.chain_id, "mirror cleared; re-indexing");
            reset = false;
        }
        let led = lead(&pool, &rpc, &chain, &metrics, &mut lease, &mut shutdown).await;
        metrics.leader.set(0);
        match led {
            Led::Stopped => return Ok(()),
            Led::Lost => {
                tracing::warn!(chain = chain.chain_id, "no longer writes this chain; standing by");
            }
        }
    }
}

enum Led {
    /// Shut down.
    Stopped,
    /// The lock was lost (or another writer took over): stand by again.
    Lost,
}

/// Writes the chain for as long as this process holds its lock.
async fn lead(
    pool: &PgPool,
    rpc: &Rpc,
    chain: &ChainConfig,
    metrics: &Arc<ChainMetrics>,
    lease: &mut Lease,
    shutdown: &mut watch::Receiver<bool>,
) -> Led {
    let writer = lease.writer;
    let Ok(checkpoint) = retry_db(metrics, || checkpoint::checkpoint(pool, chain.chain_id)).await
    else {
        return Led::Lost;
    };
    let checkpoint = tokio::select! {
        c = contracts::reconcile(pool, rpc, chain, metrics, writer, checkpoint) => match c {
            Ok(c) => c,
            Err(_) => return Led::Lost,
        },
        _ = lease.lost() => return Led::Lost,
        _ = shutdown.wait_for(|s| *s) => return Led::Stopped,
    };
    metrics.set_halted(None);
    metrics.indexed.set(checkpoint.block.max(0) as u64);
    token_metadata(pool, rpc, chain.chain_id).await;
    tracing::info!(chain = chain.chain_id, checkpoint = checkpoint.block, "indexing");
    let mut ingester = Ingester::new(
        pool.clone(),
        rpc.clone(),
        chain.clone(),
        metrics.clone(),
        writer,
        checkpoint,
    );
    let poll = chain.poll_interval();
    loop {
        if *shutdown.borrow() {
            return Led::Stopped;
        }
        let step = tokio::select! {
            s = ingester.step() => s,
            _ = lease.lost() => return Led::Lost,
            _ = shutdown.wait_for(|s| *s) => return Led::Stopped,
        };
        match step {
            Ok(Step::Busy) => {}
            Ok(Step::Wait) => {
                if pause(shutdown, poll).await {
                    return Led::Stopped;
                }
            }
            // Keep the lock: a standby would only stop at the same place.
            Ok(Step::Halted) => {
                return tokio::select! {
                    _ = lease.lost() => Led::Lost,
                    _ = shutdown.wait_for(|s| *s) => Led::Stopped,
                };
            }
            Err(fenced) => {
                tracing::warn!(error = %fenced, "write refused");
                return Led::Lost;
            }
        }
    }
}

/// Reads the symbol and decimals of the allowed payment tokens that have none yet; a failure
/// only delays them to the next look.
pub(crate) async fn token_metadata(pool: &PgPool, rpc: &Rpc, chain_id: u64) {
    if let Err(e) = tokens::fill(pool, rpc, chain_id).await {
        tracing::warn!(chain = chain_id, error = %format!("{e:#}"), "payment tokens' symbols not read yet");
    }
}

/// Retries a database operation with backoff until it succeeds (Postgres restarts), or
/// until it is refused because this process no longer writes the chain.
async fn retry_db<T, F, Fut>(metrics: &ChainMetrics, f: F) -> Result<T, Fenced>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut delay = Duration::from_millis(100);
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                if let Some(fenced) = e.downcast_ref::<Fenced>() {
                    return Err(*fenced);
                }
                metrics.db_errors.inc();
                tracing::warn!(error = %format!("{e:#}"), retry_in = ?delay, "database operation failed");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
