//! The ingester of one chain: fetches ranges of blocks, checks them against what is
//! stored, decodes their logs and commits them; at the tip it watches for replaced blocks.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, Log as PrimLog},
    rpc::types::Filter,
};
use cointent_config::ChainConfig;
use sqlx::PgPool;

use crate::{
    checkpoint::{self, Batch, Checkpoint, EventRow},
    decode::Decoder,
    metrics::ChainMetrics,
    progress::Progress,
    reorg, retry_db,
    rpc::{Header, Rpc},
};

/// A batch larger than this many logs is split: smaller transactions commit sooner.
const MAX_LOGS_PER_BATCH: usize = 20_000;
/// The number of logs a range aims at.
const TARGET_LOGS: usize = 5_000;

/// A fetched, checked and decoded range.
struct Fetched {
    batch: Batch,
    logs: usize,
}

/// Why a fetch gave no batch.
enum Retry {
    /// Try again at once (a smaller range, or the chain changed between calls).
    Now,
    /// Wait for the next poll.
    Later,
    /// The parent of the first block is not the block we committed last.
    Reorg,
}

pub(crate) struct Ingester {
    pool: PgPool,
    rpc: Rpc,
    chain: ChainConfig,
    metrics: Arc<ChainMetrics>,
    decoder: Decoder,
    filter: Filter,
    range: u64,
    prefetched: Option<Fetched>,
    checkpoint: Checkpoint,
    progress: Progress,
}

impl Ingester {
    /// An ingester for `chain` resuming after `checkpoint`.
    pub(crate) fn new(
        pool: PgPool,
        rpc: Rpc,
        chain: ChainConfig,
        metrics: Arc<ChainMetrics>,
        checkpoint: Checkpoint,
    ) -> Self {
        let decoder = Decoder::new(&chain.contracts);
        Self {
            filter: Filter::new().address(decoder.addresses()),
            decoder,
            range: chain.max_block_range.min(8),
            prefetched: None,
            progress: Progress::new(chain.chain_id),
            checkpoint,
            pool,
            rpc,
            chain,
            metrics,
        }
    }

    /// One batch, or one look at the head. Returns whether the caller should wait.
    pub(crate) async fn step(&mut self) -> bool {
        let started = Instant::now();
        let head = self.rpc.head().await;
        self.metrics.head.set(head);
        let from = (self.checkpoint.block + 1) as u64;
        if from > head {
            self.metrics.live.set(1);
            // At the tip: the block we stopped at may have been replaced.
            if let (Some(ours), Ok(block)) =
                (self.checkpoint.hash.clone(), u64::try_from(self.checkpoint.block))
            {
                match self.rpc.header(block).await {
                    Some(h) if h.hash.to_string() == ours => {}
                    _ => self.handle_reorg().await,
                }
            }
            if let Err(e) = checkpoint::set_head(&self.pool, self.chain.chain_id, head).await {
                tracing::debug!(error = %e, "could not record the head");
            }
            return true;
        }
        let window_start = head.saturating_sub(self.chain.finality_depth);
        let fetched = match self.prefetched.take() {
            Some(f) if f.batch.from == from && f.batch.to < window_start => Ok(f),
            _ => {
                let to = (from + self.range - 1).min(head);
                self.fetch(from, to, head, window_start).await
            }
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(Retry::Now) => return false,
            Err(Retry::Later) => return true,
            Err(Retry::Reorg) => {
                self.handle_reorg().await;
                return false;
            }
        };
        let Fetched { batch, logs } = fetched;
        let (from, to) = (batch.from, batch.to);

        // Deep in the backfill (final blocks), fetch and decode the next range while this
        // one commits.
        let next_to = (to + self.range).min(head);
        let prefetch = to + 1 < window_start && next_to < window_start;
        let pool = self.pool.clone();
        let (committed, next) = tokio::join!(checkpoint::commit(&pool, &batch), async {
            if prefetch {
                Some(self.fetch(to + 1, next_to, head, window_start).await)
            } else {
                None
            }
        });
        if let Err(e) = committed {
            self.metrics.db_errors.inc();
            tracing::warn!(error = %e, "commit failed; retrying from the stored checkpoint");
            tokio::time::sleep(Duration::from_millis(250)).await;
            self.checkpoint =
                retry_db(&self.metrics, || checkpoint::checkpoint(&self.pool, self.chain.chain_id))
                    .await;
            return false;
        }
        self.prefetched = next.and_then(Result::ok);
        self.checkpoint =
            Checkpoint { block: to as i64, hash: batch.to_hash.map(|h| h.to_string()) };
        self.metrics.indexed.set(to);
        self.metrics.changes.inc();
        self.metrics.events.add(batch.events.len() as u64);
        self.metrics.batch_seconds.observe(started.elapsed().as_secs_f64());
        if to >= head && self.metrics.live.get() == 0 {
            // Caught up: build the indexes kept out of the backfill, and give the planner
            // fresh statistics (stale ones turn indexed API lists into whole-table scans).
            let pool = self.pool.clone();
            tokio::spawn(async move {
                if let Err(e) = cointent_storage::indexes::build_after_backfill(&pool).await {
                    tracing::warn!(error = %e, "indexing and ANALYZE after the backfill failed");
                }
            });
        }
        self.metrics.live.set(u64::from(to >= head));
        self.progress.report(to, head, batch.events.len());
        self.adapt_range(to - from + 1, logs);
        to >= head
    }

    /// Aims the next range at about `TARGET_LOGS` logs from the density just seen, growing
    /// at most fourfold a step.
    fn adapt_range(&mut self, blocks: u64, logs: usize) {
        let wanted = if logs == 0 {
            blocks * 4
        } else {
            (blocks as u128 * TARGET_LOGS as u128 / logs as u128) as u64
        };
        self.range = wanted.clamp(1, (self.range * 4).max(1)).min(self.chain.max_block_range);
    }

    /// Fetches, checks and decodes blocks `from..=to`.
    async fn fetch(
        &mut self,
        from: u64,
        to: u64,
        head: u64,
        window_start: u64,
    ) -> Result<Fetched, Retry> {
        let filter = self.filter.clone().from_block(from).to_block(to);
        let logs = match self.rpc.logs(&filter).await {
            Ok(logs) => logs,
            Err(e) => {
                // Too large an answer or a provider limit: ask for less.
                self.range = (self.range / 2).max(1);
                tracing::warn!(error = %e, range = self.range, "eth_getLogs failed; shrinking the range");
                tokio::time::sleep(Duration::from_millis(100)).await;
                return Err(Retry::Now);
            }
        };
        if logs.len() > MAX_LOGS_PER_BATCH && to > from {
            self.adapt_range(to - from + 1, logs.len());
            return Err(Retry::Now);
        }

        // Headers of the window's blocks: their hashes detect reorgs later.
        let mut headers = Vec::new();
        for n in from.max(window_start)..=to {
            match self.rpc.header(n).await {
                Some(h) => headers.push(h),
                None => {
                    tracing::debug!(
                        block = n,
                        "block not found (the head moved back?); looking again"
                    );
                    return Err(Retry::Later);
                }
            }
        }
        if let (Some(first), Some(ours)) = (headers.first(), &self.checkpoint.hash)
            && first.number == from
            && from as i64 == self.checkpoint.block + 1
            && &first.parent_hash.to_string() != ours
        {
            return Err(Retry::Reorg);
        }
        // Logs and headers must describe the same chain (a reorg between the two calls).
        if headers.windows(2).any(|w| w[1].parent_hash != w[0].hash)
            || logs.iter().any(|l| {
                let n = l.block_number.unwrap_or_default();
                headers.iter().find(|h| h.number == n).is_some_and(|h| Some(h.hash) != l.block_hash)
            })
        {
            tracing::debug!("chain changed between calls; fetching again");
            return Err(Retry::Now);
        }
        let Some(events) = self.rows(&logs, &headers).await else {
            tracing::debug!("a block of the batch vanished; fetching again");
            return Err(Retry::Now);
        };
        let batch = Batch {
            chain_id: self.chain.chain_id,
            from,
            to,
            to_hash: headers.last().filter(|h| h.number == to).map(|h| h.hash),
            events,
            headers,
            window_start,
            head,
        };
        Ok(Fetched { batch, logs: logs.len() })
    }

    /// Decodes logs into rows, fetching block times the logs do not carry.
    async fn rows(
        &self,
        logs: &[alloy::rpc::types::Log],
        headers: &[Header],
    ) -> Option<Vec<EventRow>> {
        let mut times: std::collections::HashMap<u64, u64> =
            headers.iter().map(|h| (h.number, h.timestamp)).collect();
        let mut rows = Vec::with_capacity(logs.len());
        for log in logs {
            let (Some(block_number), Some(block_hash), Some(log_index)) =
                (log.block_number, log.block_hash, log.log_index)
            else {
                continue; // pending logs carry no position; they come back once mined
            };
            let block_time = match log.block_timestamp.or_else(|| times.get(&block_number).copied())
            {
                Some(t) => t,
                None => {
                    let h = self.rpc.header(block_number).await?;
                    times.insert(block_number, h.timestamp);
                    h.timestamp
                }
            };
            let inner: &PrimLog = &log.inner;
            let decoded = self.decoder.decode(inner);
            rows.push(EventRow {
                block_number,
                log_index,
                block_hash,
                block_time,
                tx_hash: log.transaction_hash.unwrap_or(B256::ZERO),
                contract: decoded.contract,
                address: format!("{:#x}", inner.address),
                event: decoded.event,
                args: decoded.args,
            });
        }
        Some(rows)
    }

    /// Finds the fork point by comparing stored hashes with the chain's, newest first, and
    /// rolls back above it.
    async fn handle_reorg(&mut self) {
        let stored =
            retry_db(&self.metrics, || checkpoint::recent_hashes(&self.pool, self.chain.chain_id))
                .await;
        let stored: Vec<(u64, B256)> =
            stored.iter().filter_map(|(n, h)| Some((*n, h.parse().ok()?))).collect();
        // Newest first, stopping at the first block the chain still has.
        let mut canonical = Vec::new();
        for (number, hash) in &stored {
            if let Some(h) = self.rpc.header(*number).await {
                canonical.push((*number, h.hash));
                if h.hash == *hash {
                    break;
                }
            }
        }
        let fork = match reorg::fork_point(&stored, &canonical) {
            reorg::Fork::At(block) => block,
            reorg::Fork::BeyondWindow { oldest } => {
                let oldest = oldest.unwrap_or(0);
                tracing::error!(
                    chain = self.chain.chain_id,
                    oldest,
                    "reorg deeper than the stored window (finality_depth too small?): rolling back all of it"
                );
                oldest.saturating_sub(1)
            }
        };
        self.checkpoint =
            retry_db(&self.metrics, || checkpoint::rollback(&self.pool, self.chain.chain_id, fork))
                .await;
        self.metrics.reorgs.inc();
        self.metrics.indexed.set(self.checkpoint.block.max(0) as u64);
        self.metrics.changes.inc();
    }
}
