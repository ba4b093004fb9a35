//! The ingester of one chain while this process writes it: fetches ranges of blocks as
//! verified chain segments, decodes their logs and commits them; at the tip it watches for
//! replaced blocks and rolls back to the fork point.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, Log as PrimLog},
    rpc::types::Filter,
};
use cointent_config::{ChainConfig, DeepReorg};
use eyre::Result;
use sqlx::PgPool;

use cointent_storage::read::details;

use crate::{
    changes::Scope,
    checkpoint::{self, Batch, Checkpoint, EventRow, Fenced, Rewind, Writer},
    decode::Decoder,
    metrics::ChainMetrics,
    progress::Progress,
    reorg::{self, Inconsistency, LogRef},
    retry_db,
    rpc::{self, Header, Rpc},
};

/// A committed batch touching at most this many orders refreshes their details at once.
const REFRESH_AT_ONCE: usize = 64;
/// Order details filled per look at the head once caught up.
const FILL_CHUNK: i64 = 200;
/// How long after finding no missing order detail to look again.
const FILL_RECHECK: Duration = Duration::from_secs(5);

/// A batch larger than this many logs is split: smaller transactions commit sooner.
const MAX_LOGS_PER_BATCH: usize = 20_000;
/// The number of logs a range aims at.
const TARGET_LOGS: usize = 5_000;
/// Stored heights compared with the chain per JSON-RPC batch while looking for a fork.
const FORK_PROBE: usize = 16;
/// Inconsistent answers in a row that are retried at once before waiting for a poll.
const RETRIES_AT_ONCE: u32 = 3;
/// Successful fetches under a range cap (learned from a provider's refusal) after which the
/// cap doubles, to find out whether the provider answers more again.
const CAP_PROBE_AFTER: u32 = 16;

/// A fetched, verified and decoded range.
struct Fetched {
    batch: Batch,
    /// The checkpoint it continues.
    anchor: Option<(u64, B256)>,
    logs: usize,
}

/// Why a fetch gave no batch.
enum Retry {
    /// Try again at once (a smaller range, or the chain changed between calls).
    Now,
    /// Wait for the next poll (the node lags, or answered something the chain contradicts).
    Later,
    /// The block before the range is not the checkpoint any more.
    Reorg,
}

/// What a step did.
pub(crate) enum Step {
    /// Work was done; step again at once.
    Busy,
    /// Nothing to do until the next poll.
    Wait,
    /// Ingestion of the chain stopped (see [`ChainMetrics::halted`]).
    Halted,
}

pub(crate) struct Ingester {
    pool: PgPool,
    rpc: Rpc,
    /// The second RPC of `check_rpc_url`, if any.
    checker: Option<Rpc>,
    chain: ChainConfig,
    metrics: Arc<ChainMetrics>,
    writer: Writer,
    decoder: Decoder,
    addresses: Vec<Address>,
    filter: Filter,
    range: u64,
    /// The widest range the provider is taken to answer since it refused a wider one as too
    /// large (`max_block_range` until then).
    range_cap: u64,
    /// Successful fetches since the cap was last set or doubled.
    under_cap: u32,
    prefetched: Option<Fetched>,
    /// When to look for missing order details next (after a fill found none, a while).
    fill_after: Instant,
    checkpoint: Checkpoint,
    progress: Progress,
    /// The highest block known final (`-1`: none); never goes down.
    final_block: i64,
    /// Whether the RPC has answered the `finalized` tag.
    tag_seen: bool,
    /// Inconsistent answers in a row.
    inconsistent: u32,
}

/// The highest final block (`-1`: none): the chain's `finalized` block where it answers the
/// tag (the consensus's word, deeper or shallower than any fixed depth), else
/// `head - finality_depth`. A chain that answered the tag before and fails it now keeps
/// `last` rather than guess from the depth; one that never answered it (`tag_seen` false)
/// falls back to the depth.
fn final_block(
    head: u64,
    finality_depth: u64,
    tag: Option<Result<Option<u64>>>,
    tag_seen: bool,
    last: i64,
) -> i64 {
    let by_depth = head as i64 - finality_depth as i64;
    match tag {
        None => by_depth,
        Some(Ok(answer)) => answer.map_or(-1, |t| t.min(head) as i64),
        Some(Err(_)) if tag_seen => last,
        Some(Err(_)) => by_depth,
    }
}

impl Ingester {
    /// An ingester for `chain` resuming after `checkpoint`, writing as `writer`.
    pub(crate) fn new(
        pool: PgPool,
        rpc: Rpc,
        chain: ChainConfig,
        metrics: Arc<ChainMetrics>,
        writer: Writer,
        checkpoint: Checkpoint,
    ) -> Self {
        let decoder = Decoder::new(&chain.contracts);
        let addresses = decoder.addresses();
        let checker = chain.check_rpc_url.as_ref().and_then(|url| {
            Rpc::new(
                std::slice::from_ref(url),
                &chain.tls,
                chain.rate_limit_per_sec,
                metrics.clone(),
            )
            .inspect_err(|e| tracing::warn!(error = %e, "check_rpc_url unusable"))
            .ok()
        });
        Self {
            checker,
            filter: Filter::new().address(addresses.clone()),
            addresses,
            decoder,
            range: chain.max_block_range.min(8),
            range_cap: chain.max_block_range,
            under_cap: 0,
            prefetched: None,
            fill_after: Instant::now(),
            progress: Progress::new(chain.chain_id),
            checkpoint,
            final_block: -1,
            tag_seen: false,
            inconsistent: 0,
            pool,
            rpc,
            chain,
            metrics,
            writer,
        }
    }

    /// Updates the final block from the head and the `finalized` tag's answer.
    fn update_final(&mut self, head: u64, tag: Option<Result<Option<u64>>>) {
        self.tag_seen |= matches!(tag, Some(Ok(_)));
        let f = final_block(head, self.chain.finality_depth, tag, self.tag_seen, self.final_block);
        self.final_block = self.final_block.max(f);
    }

    /// One batch, a rollback, or one look at the head.
    pub(crate) async fn step(&mut self) -> Result<Step, Fenced> {
        let started = Instant::now();
        let tag = async {
            if self.chain.use_finalized_tag { Some(self.rpc.finalized().await) } else { None }
        };
        let (head, tag) = tokio::join!(self.rpc.head(), tag);
        self.update_final(head, tag);
        self.metrics.head.set(head);
        if self.checkpoint.block >= head as i64 {
            if self.metrics.live.get() == 0 {
                // At the head on start (nothing to backfill): the read indexes may still be
                // missing (a migration took them out of the schema).
                self.build_read_indexes();
            }
            self.metrics.live.set(1);
            if self.tip_replaced(head).await? {
                return self.handle_reorg(head).await;
            }
            if let Err(e) = checkpoint::set_head(&self.pool, self.writer, head).await {
                tracing::debug!(error = %e, "could not record the head");
            }
            // Caught up: fill the order details a backfill or a reorg left out, a chunk a
            // look at the head, so new blocks wait at most one chunk.
            return Ok(match self.fill_details().await {
                Ok(n) if n > 0 => Step::Busy,
                Ok(_) => Step::Wait,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "could not fill order details");
                    Step::Wait
                }
            });
        }
        let from = (self.checkpoint.block + 1) as u64;
        let anchor = self.checkpoint.anchor();
        let fetched = match self.prefetched.take() {
            Some(f) if f.batch.from == from && f.anchor == anchor => Ok(f),
            _ => {
                let to = (from + self.range - 1).min(head);
                self.fetch(from, to, anchor).await
            }
        };
        let mut fetched = match fetched {
            Ok(f) => f,
            Err(Retry::Now) => return Ok(Step::Busy),
            Err(Retry::Later) => return Ok(Step::Wait),
            Err(Retry::Reorg) => return self.handle_reorg(head).await,
        };
        fetched.batch.final_block = self.final_block;
        fetched.batch.head = head;
        let Fetched { batch, logs, .. } = fetched;
        let (from, to) = (batch.from, batch.to);

        // Deep in the backfill (final blocks), fetch and decode the next range while this
        // one commits.
        let next_to = (to + self.range).min(head);
        let prefetch = next_to as i64 <= self.final_block && next_to > to;
        let next_anchor = Some((to, batch.to_hash));
        let pool = self.pool.clone();
        let (committed, next) =
            tokio::join!(checkpoint::commit(&pool, self.writer, &batch), async {
                if prefetch { Some(self.fetch(to + 1, next_to, next_anchor).await) } else { None }
            });
        if let Err(e) = committed {
            return self.commit_failed(e).await;
        }
        self.prefetched = next.and_then(Result::ok);
        self.checkpoint = Checkpoint { block: to as i64, hash: Some(batch.to_hash) };
        if batch.events.iter().any(|e| e.event == "TokenAllowed" && e.contract == "escrow") {
            crate::token_metadata(&self.pool, &self.rpc, self.chain.chain_id).await;
            self.fill_after = Instant::now();
        }
        // Readers' caches first, then the touched orders' details; the indexed block last:
        // a reader that sees it (tests, `/ready`) sees the rest of the step done.
        let scope = Scope::of_events(self.chain.chain_id, &batch.events);
        self.metrics.changed(&scope);
        // The orders a live batch touched get their details back at once; a backfill's
        // wait for the fill once caught up.
        if let Scope::Orders(_, ids) = &scope
            && ids.len() <= REFRESH_AT_ONCE
        {
            let ids: Vec<String> = ids.iter().cloned().collect();
            if let Err(e) = details::refresh(&self.pool, &self.chain, &ids).await {
                tracing::warn!(error = %format!("{e:#}"), "could not refresh order details");
            }
        } else {
            self.fill_after = Instant::now();
        }
        self.metrics.indexed.set(to);
        self.metrics.events.add(batch.events.len() as u64);
        self.metrics.batch_seconds.observe(started.elapsed().as_secs_f64());
        if to >= head && self.metrics.live.get() == 0 {
            self.build_read_indexes();
        }
        self.metrics.live.set(u64::from(to >= head));
        self.progress.report(to, head, batch.events.len());
        self.adapt_range(to - from + 1, logs);
        Ok(if to >= head { Step::Wait } else { Step::Busy })
    }

    /// Caught up: builds the indexes kept out of the backfill and gives the planner fresh
    /// statistics (stale ones turn indexed API lists into whole-table scans), on a task of
    /// its own (once per database and process).
    fn build_read_indexes(&self) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            if let Err(e) = cointent_storage::indexes::build_after_backfill(&pool).await {
                tracing::warn!(error = %e, "indexing and ANALYZE after the backfill failed");
            }
        });
    }

    /// Computes up to [`FILL_CHUNK`] missing order details; how many.
    /// Looks again [`FILL_RECHECK`] after finding none (other processes' writes, such as
    /// metadata uploads, forget details too), at once after this process forgot some.
    async fn fill_details(&mut self) -> eyre::Result<usize> {
        if Instant::now() < self.fill_after {
            return Ok(0);
        }
        let chain_id = self.chain.chain_id as i64;
        let ids = details::missing(&self.pool, chain_id, FILL_CHUNK).await?;
        let n = details::refresh(&self.pool, &self.chain, &ids).await?;
        if n == 0 {
            self.fill_after = Instant::now() + FILL_RECHECK;
        }
        Ok(n)
    }

    /// A commit the database refused: retried from the stored checkpoint, unless it can
    /// never succeed (the database says the data breaks a constraint): then the chain stops
    /// with the database's reason.
    async fn commit_failed(&mut self, e: eyre::Report) -> Result<Step, Fenced> {
        if let Some(fenced) = e.downcast_ref::<Fenced>() {
            return Err(*fenced);
        }
        self.metrics.db_errors.inc();
        self.prefetched = None;
        if integrity_violation(&e) {
            let reason = format!(
                "a commit the database refuses: {e:#}. The mirror is inconsistent with the chain; \
                 way out: `cointent reindex --chain {}`",
                self.chain.chain_id
            );
            return self.halt(reason).await;
        }
        tracing::warn!(error = %format!("{e:#}"), "commit failed; retrying from the stored checkpoint");
        tokio::time::sleep(Duration::from_millis(250)).await;
        self.checkpoint =
            retry_db(&self.metrics, || checkpoint::checkpoint(&self.pool, self.chain.chain_id))
                .await?;
        Ok(Step::Busy)
    }

    /// Stops ingesting the chain, saying why everywhere.
    async fn halt(&mut self, reason: String) -> Result<Step, Fenced> {
        tracing::error!(chain = self.chain.chain_id, "ingestion stopped: {reason}");
        retry_db(&self.metrics, || checkpoint::halt(&self.pool, self.writer, &reason)).await?;
        self.metrics.set_halted(Some(reason));
        Ok(Step::Halted)
    }

    /// Aims the next range at about `TARGET_LOGS` logs from the density just seen, growing
    /// at most fourfold a step.
    fn adapt_range(&mut self, blocks: u64, logs: usize) {
        let wanted = if logs == 0 {
            blocks * 4
        } else {
            (blocks as u128 * TARGET_LOGS as u128 / logs as u128) as u64
        };
        self.under_cap += 1;
        if self.under_cap >= CAP_PROBE_AFTER && self.range_cap < self.chain.max_block_range {
            self.range_cap = (self.range_cap * 2).min(self.chain.max_block_range);
            self.under_cap = 0;
        }
        self.range = wanted.clamp(1, (self.range * 4).max(1)).min(self.range_cap);
    }

    /// `eth_getLogs` refused `from..=to`: a refusal for size splits the range (to what the
    /// provider suggests, else half) at once and caps later ranges there; another error
    /// halves it too, in case it was a size limit worded otherwise, after a pause.
    async fn logs_failed(&mut self, from: u64, to: u64, e: &eyre::Report) {
        let span = to - from + 1;
        let message = e.to_string();
        if let Some(refusal) = rpc::too_large(&message)
            && span > 1
        {
            let split = refusal.suggested.unwrap_or(span / 2).clamp(1, span - 1);
            self.range = split;
            self.range_cap = split;
            self.under_cap = 0;
            tracing::info!(
                from,
                to,
                range = split,
                "eth_getLogs refused the range as too large; splitting it"
            );
            return;
        }
        self.range = (self.range.min(span) / 2).max(1);
        tracing::warn!(error = %message, range = self.range, "eth_getLogs failed; shrinking the range");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// Fetches blocks `from..=to` as one verified segment continuing `anchor`, and decodes
    /// their logs.
    async fn fetch(
        &mut self,
        from: u64,
        to: u64,
        anchor: Option<(u64, B256)>,
    ) -> Result<Fetched, Retry> {
        let filter = self.filter.clone().from_block(from).to_block(to);
        // The block before the range too: its hash must be the checkpoint's.
        let numbers: Vec<u64> = (from.saturating_sub(1)..=to).collect();
        let (logs, headers) = tokio::join!(self.rpc.logs(&filter), self.rpc.headers(&numbers));
        let logs = match logs {
            Ok(logs) => logs,
            Err(e) => {
                self.logs_failed(from, to, &e).await;
                return Err(Retry::Now);
            }
        };
        if logs.len() > MAX_LOGS_PER_BATCH && to > from {
            self.adapt_range(to - from + 1, logs.len());
            return Err(Retry::Now);
        }
        let Some(headers) = headers.into_iter().collect::<Option<Vec<Header>>>() else {
            tracing::debug!(from, to, "a block of the range is missing (the node lags?)");
            return Err(Retry::Later);
        };
        let refs: Vec<LogRef> = logs
            .iter()
            .map(|l| LogRef {
                block_number: l.block_number.unwrap_or(u64::MAX),
                block_hash: l.block_hash.unwrap_or_default(),
                address: l.inner.address,
            })
            .collect();
        match reorg::check_segment(from, anchor.map(|(_, h)| h), &headers, &refs, &self.addresses) {
            Ok(()) => {}
            Err(Inconsistency::Reorg) => {
                self.inconsistent = 0;
                return Err(Retry::Reorg);
            }
            Err(Inconsistency::MissingLogs { blocks }) => {
                self.missing_logs(&blocks, &headers).await?;
            }
            Err(why) => return Err(self.inconsistent_answer(&why)),
        }
        self.inconsistent = 0;
        let to_hash = headers.last().map(|h| h.hash).unwrap_or_default();
        self.cross_check(to, to_hash).await?;
        let events = self.rows(&logs, &headers);
        let batch = Batch {
            chain_id: self.chain.chain_id,
            from,
            to,
            to_hash,
            events,
            headers,
            final_block: self.final_block,
            head: to,
        };
        Ok(Fetched { batch, anchor, logs: logs.len() })
    }

    /// With `check_rpc_url`: the second RPC must have the same block at `number`. One that
    /// has not got the block yet, or does not answer, lets the batch through (the check
    /// must not make ingestion depend on a second provider being up).
    async fn cross_check(&mut self, number: u64, hash: B256) -> Result<(), Retry> {
        let Some(checker) = &self.checker else { return Ok(()) };
        let answer = tokio::time::timeout(Duration::from_secs(5), checker.header(number)).await;
        match answer {
            Ok(Some(h)) if h.hash != hash => {
                self.metrics.rpc_inconsistencies.inc();
                self.rpc.rotate();
                tracing::warn!(
                    block = number,
                    ours = %hash,
                    theirs = %h.hash,
                    "check_rpc_url has another block at this height; waiting until the RPCs agree"
                );
                Err(Retry::Later)
            }
            Ok(_) => Ok(()),
            Err(_) => {
                tracing::debug!(block = number, "check_rpc_url did not answer in time");
                Ok(())
            }
        }
    }

    /// Logs and headers that do not fit: the chain moved between the calls (ask again at
    /// once, a few times), or the RPC answers what the chain contradicts (wait).
    fn inconsistent_answer(&mut self, why: &Inconsistency) -> Retry {
        self.inconsistent += 1;
        if let Inconsistency::ForgedLog { block } = why {
            self.metrics.rpc_inconsistencies.inc();
            self.rpc.rotate();
            tracing::warn!(
                block,
                "eth_getLogs answered a log its block's bloom rules out; asking again"
            );
            return Retry::Later;
        }
        tracing::debug!(?why, "the chain changed between calls; fetching again");
        if self.inconsistent > RETRIES_AT_ONCE { Retry::Later } else { Retry::Now }
    }

    /// Blocks whose bloom names one of the contracts but that came without logs: their
    /// receipts decide whether `eth_getLogs` left logs out (then ask again later, from the
    /// next endpoint) or the bloom was a false positive.
    async fn missing_logs(&mut self, blocks: &[u64], headers: &[Header]) -> Result<(), Retry> {
        for n in blocks {
            let Some(h) = headers.iter().find(|h| h.number == *n) else { continue };
            let Some(receipt_logs) = self.rpc.receipt_logs(h.hash).await else {
                tracing::debug!(block = n, "no receipts for the block (the node lags?)");
                return Err(Retry::Later);
            };
            let ours = receipt_logs.iter().filter(|l| self.addresses.contains(&l.inner.address));
            if ours.count() > 0 {
                self.metrics.rpc_inconsistencies.inc();
                self.rpc.rotate();
                tracing::warn!(
                    block = n,
                    "eth_getLogs left out logs of this block (its bloom and receipts have them); asking again"
                );
                return Err(Retry::Later);
            }
        }
        Ok(())
    }

    /// Decodes logs into rows, with block times from the range's headers.
    fn rows(&self, logs: &[alloy::rpc::types::Log], headers: &[Header]) -> Vec<EventRow> {
        let first = headers.first().map_or(0, |h| h.number);
        let mut rows = Vec::with_capacity(logs.len());
        for log in logs {
            let (Some(block_number), Some(block_hash), Some(log_index)) =
                (log.block_number, log.block_hash, log.log_index)
            else {
                continue; // not reached: check_segment refuses logs without a block
            };
            let block_time = log.block_timestamp.unwrap_or_else(|| {
                headers.get((block_number - first) as usize).map_or(0, |h| h.timestamp)
            });
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
        rows
    }

    /// At the tip: whether the chain replaced the checkpoint (or, when the chain is now
    /// shorter, the stored block at its head). A block the node does not have is no
    /// evidence: a lagging node looks like a shorter chain.
    async fn tip_replaced(&mut self, head: u64) -> Result<bool, Fenced> {
        let Ok(cp) = u64::try_from(self.checkpoint.block) else { return Ok(false) };
        let n = cp.min(head);
        let ours = if n == cp {
            self.checkpoint.hash
        } else {
            retry_db(&self.metrics, || checkpoint::stored_hash(&self.pool, self.chain.chain_id, n))
                .await?
        };
        let Some(ours) = ours else { return Ok(false) };
        Ok(self.rpc.header(n).await.is_some_and(|h| h.hash != ours))
    }

    /// Finds the fork point by comparing stored hashes with the chain's, newest first, and
    /// rolls back above it; a fork below what can be undone stops the chain (or re-indexes
    /// it from the fork, when configured).
    async fn handle_reorg(&mut self, head: u64) -> Result<Step, Fenced> {
        self.prefetched = None;
        let stored =
            retry_db(&self.metrics, || checkpoint::recent_hashes(&self.pool, self.chain.chain_id))
                .await?;
        let heights: Vec<u64> = stored.iter().map(|(n, _)| *n).filter(|n| *n <= head).collect();
        let mut canonical = Vec::new();
        for chunk in heights.chunks(FORK_PROBE) {
            let answers = self.rpc.headers(chunk).await;
            let mut settled = false;
            for (n, answer) in chunk.iter().zip(answers) {
                let hash = answer.map(|h| h.hash);
                settled |=
                    hash.is_none() || stored.iter().any(|(sn, sh)| sn == n && Some(*sh) == hash);
                canonical.push((*n, hash));
            }
            if settled {
                break;
            }
        }
        let fork = match reorg::fork_point(&stored, &canonical) {
            reorg::Fork::At(fork) => fork,
            reorg::Fork::Unknown => return Ok(Step::Wait),
            reorg::Fork::BeyondWindow { oldest } => return self.deep_reorg(oldest, head).await,
        };
        let depth = self.checkpoint.block - fork as i64;
        tracing::warn!(chain = self.chain.chain_id, fork, depth, "reorg: rolling back");
        let expected = self.checkpoint.block;
        self.checkpoint = retry_db(&self.metrics, || {
            checkpoint::rollback(&self.pool, self.writer, expected, fork, true)
        })
        .await?;
        self.metrics.reorgs.inc();
        self.metrics.indexed.set(self.checkpoint.block.max(0) as u64);
        self.metrics.changed(&Scope::Chain(self.chain.chain_id));
        self.fill_after = Instant::now();
        Ok(Step::Busy)
    }

    /// A reorg below the undo window (`oldest` is its oldest block, the anchor).
    async fn deep_reorg(&mut self, oldest: Option<u64>, head: u64) -> Result<Step, Fenced> {
        let id = self.chain.chain_id;
        let below =
            oldest.map_or_else(|| "every stored block".to_string(), |n| format!("block {n}"));
        if self.chain.on_deep_reorg == DeepReorg::Halt {
            let reason = format!(
                "reorg deeper than the undo window: {below} (the oldest that could be undone) \
                 is no longer on the chain, whose final block was {}; the mirror is left as it \
                 was, at block {}. Way out: `cointent reindex --chain {id}`, or \
                 `on_deep_reorg = \"reindex\"` in chains[{}]",
                self.final_block, self.checkpoint.block, self.chain.position
            );
            return self.halt(reason).await;
        }
        let Some(fork) = self.fork_below(oldest.unwrap_or(u64::MAX)).await? else {
            return Ok(Step::Wait);
        };
        let to = fork.map_or(self.chain.start_block.unwrap_or(0), |h| h.number + 1);
        tracing::error!(
            chain = id,
            head,
            "reorg deeper than the undo window: {below} is no longer on the chain; re-indexing \
             from block {to} (on_deep_reorg = \"reindex\")"
        );
        let rewind = Rewind {
            to,
            anchor: fork,
            drop_addresses: Vec::new(),
            reorg: true,
            contracts: crate::contracts::recorded(&self.pool, &self.chain).await,
        };
        let expected = self.checkpoint.block;
        self.checkpoint = retry_db(&self.metrics, || {
            checkpoint::rewind(&self.pool, self.writer, expected, &rewind)
        })
        .await?;
        self.metrics.reorgs.inc();
        self.metrics.changed(&Scope::Chain(self.chain.chain_id));
        self.fill_after = Instant::now();
        self.metrics.indexed.set(self.checkpoint.block.max(0) as u64);
        Ok(Step::Busy)
    }

    /// The highest block below `below` whose events the chain still has, through the
    /// stored events' block hashes (a binary search: the mirror is one chain, so the blocks
    /// the chain still has come first). `Some(None)`: none (re-index from the start);
    /// `None`: the RPC could not say yet.
    async fn fork_below(&mut self, below: u64) -> Result<Option<Option<Header>>, Fenced> {
        let chain = self.chain.chain_id as i64;
        let candidates: Vec<(i64, String)> = retry_db(&self.metrics, || async {
            Ok(sqlx::query_as(
                "SELECT DISTINCT block_number, block_hash FROM events
                 WHERE chain_id = $1 AND block_number < $2 ORDER BY block_number",
            )
            .bind(chain)
            .bind(below.min(i64::MAX as u64) as i64)
            .fetch_all(&self.pool)
            .await?)
        })
        .await?;
        let (mut lo, mut hi) = (0, candidates.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (n, hash) = &candidates[mid];
            match self.rpc.header(*n as u64).await {
                None => return Ok(None),
                Some(h) if h.hash.to_string() == *hash => lo = mid + 1,
                Some(_) => hi = mid,
            }
        }
        if lo == 0 {
            let start = self.chain.start_block.unwrap_or(0);
            return Ok(match start.checked_sub(1) {
                None => Some(None),
                Some(n) => self.rpc.header(n).await.map(Some),
            });
        }
        Ok(self.rpc.header(candidates[lo - 1].0 as u64).await.map(Some))
    }
}

/// Whether the database refused a commit for its data (SQLSTATE class 23: a constraint
/// the rows break), which no retry fixes.
fn integrity_violation(e: &eyre::Report) -> bool {
    e.chain().any(|cause| {
        let code = if let Some(p) =
            cause.downcast_ref::<cointent_storage::projections::ProjectionError>()
        {
            p.code()
        } else if let Some(sqlx::Error::Database(d)) = cause.downcast_ref::<sqlx::Error>() {
            d.code().map(|c| c.into_owned())
        } else {
            None
        };
        code.is_some_and(|c| c.starts_with("23"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_finalized_tag_decides_where_the_chain_answers_it() {
        // Deeper than the depth (Ethereum, an L2 waiting for L1) or shallower: the tag.
        assert_eq!(final_block(1_000, 12, Some(Ok(Some(900))), true, -1), 900);
        assert_eq!(final_block(1_000, 64, Some(Ok(Some(990))), true, -1), 990);
        // Never past the head; nothing finalized yet is nothing final.
        assert_eq!(final_block(1_000, 12, Some(Ok(Some(2_000))), true, -1), 1_000);
        assert_eq!(final_block(1_000, 12, Some(Ok(None)), true, -1), -1);
        // Without the tag, or from an RPC that never answered it: the depth.
        assert_eq!(final_block(1_000, 12, None, false, -1), 988);
        let failed = || Some(Err(eyre::eyre!("timeout")));
        assert_eq!(final_block(1_000, 12, failed(), false, -1), 988);
        // A passing failure after answers keeps the last value.
        assert_eq!(final_block(1_000, 12, failed(), true, 950), 950);
    }
}
