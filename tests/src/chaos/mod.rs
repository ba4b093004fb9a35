//! Chaos for the indexer: real anvil, real Postgres, real `cointent index` processes, and
//! everything that goes wrong in production at once, for a bounded time; then the verdict.
//!
//! - Activity through every contract ([`activity`]), in bursts.
//! - Reorgs that replace transactions, from depth 1 up to the finality window
//!   (`anvil_reorg` with replacement transactions of every kind: mints, transfers,
//!   delegations, pledges, deliveries, approvals), some while every indexer is down.
//!   anvil 1.7 loses its state when a reorg forks from a block an earlier `anvil_reorg`
//!   made, and `evm_revert` does not always bring the head back, so each reorg forks from a
//!   block mined normally and no snapshots are used.
//! - `kill -9` of indexers at random instants and during rollbacks (when one logs that it
//!   is rolling back), one to three indexers on the database at once (one writes, the
//!   others stand by and take over), Postgres restarted (fast shutdown) or crashed
//!   (immediate shutdown, crash recovery).
//! - The indexers reach the chain through a fault-injecting proxy ([`crate::RpcProxy`]):
//!   lag, dropped requests, empty `eth_getLogs` answers, delays.
//!
//! Then, with the faults healed and the mirror caught up: every table must equal a fresh
//! re-index of the chain, the mirror's bookkeeping must be whole (undo window and stored
//! hashes cover the same blocks, no orphan undo rows), and every projection must agree with
//! the contracts' own views ([`check`]).

pub mod activity;
pub mod check;

use std::{
    collections::BTreeMap,
    fmt,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{primitives::Address, providers::Provider};
use eyre::{Context, ContextCompat, Result, bail};

use crate::{Anvil, Postgres, RpcProxy, proxy::ProxyCounts};
use activity::{Activity, Contracts, Lcg};

const CHAIN: u64 = 31_399;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long the chaos lasts (setup and the final checks come on top).
    pub duration: Duration,
    /// Seeds every random choice (timing still varies from run to run).
    pub seed: u64,
    /// The finality window in blocks: `finality_depth`, and the chain's `finalized` tag
    /// trails the head by as much. Reorgs stay within it.
    pub finality: u64,
    /// The `cointent` binary.
    pub cointent: PathBuf,
    /// Where to keep the indexers' logs (a temporary folder otherwise).
    pub logs: Option<PathBuf>,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Seconds of chaos.
    pub seconds: u64,
    /// The seed.
    pub seed: u64,
    /// Transactions by action.
    pub transactions: BTreeMap<&'static str, u64>,
    /// Actions the chain's state did not allow (simulated, not sent).
    pub skipped: u64,
    /// Actions that failed and were given up (the chain could not answer just then).
    pub failed: u64,
    /// Reorgs made, and of those, made while every indexer was down.
    pub reorgs: u64,
    /// See `reorgs`.
    pub reorgs_while_down: u64,
    /// The deepest reorg, in blocks.
    pub deepest: u64,
    /// Rollbacks the mirror recorded (`chains.reorgs`).
    pub rollbacks: i64,
    /// SIGKILLs of indexers, of which while one was rolling back.
    pub kills: u64,
    /// See `kills`.
    pub kills_in_rollback: u64,
    /// Postgres restarts (fast shutdown) and crashes (immediate shutdown).
    pub pg_restarts: u64,
    /// See `pg_restarts`.
    pub pg_crashes: u64,
    /// Times a process took the chain's lock (`chains.epoch` + 1): start-ups and takeovers.
    pub leaderships: i64,
    /// Indexer processes started.
    pub started: u64,
    /// Most indexers running at once.
    pub most_at_once: usize,
    /// Changes of the proxy's faults.
    pub fault_changes: u64,
    /// What the proxy did.
    pub proxy: ProxyCounts,
    /// Events in the mirror at the end, and the chain's head.
    pub events: i64,
    /// See `events`.
    pub head: u64,
    /// Seconds the final catch-up took, and the fresh re-index.
    pub catch_up_seconds: f64,
    /// See `catch_up_seconds`.
    pub reindex_seconds: f64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let txs: u64 = self.transactions.values().sum();
        writeln!(f, "chaos: {} s, seed {}", self.seconds, self.seed)?;
        writeln!(
            f,
            "  activity: {txs} transactions ({} actions skipped as not allowed, {} failed): {}",
            self.skipped,
            self.failed,
            self.transactions
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        writeln!(
            f,
            "  reorgs replacing transactions: {} ({} while every indexer was down; deepest {} blocks); rollbacks in the mirror: {}",
            self.reorgs, self.reorgs_while_down, self.deepest, self.rollbacks
        )?;
        writeln!(
            f,
            "  kill -9: {} ({} during a rollback); indexers started: {}, at most {} at once; leaderships (start-ups and takeovers): {}",
            self.kills, self.kills_in_rollback, self.started, self.most_at_once, self.leaderships
        )?;
        writeln!(
            f,
            "  postgres: {} restarts, {} crashes; rpc proxy: {} fault changes, {} calls, {} dropped, {} eth_getLogs emptied, {} answers held back by lag",
            self.pg_restarts,
            self.pg_crashes,
            self.fault_changes,
            self.proxy.calls,
            self.proxy.dropped,
            self.proxy.emptied,
            self.proxy.lagged
        )?;
        write!(
            f,
            "  end: head {}, {} events; caught up in {:.1} s; fresh re-index {:.1} s",
            self.head, self.events, self.catch_up_seconds, self.reindex_seconds
        )
    }
}

/// A Postgres that can be restarted in place.
struct Db {
    dir: PathBuf,
    port: u16,
    pg: Option<Postgres>,
}

impl Db {
    fn start(dir: PathBuf) -> Result<Self> {
        let port = crate::free_port()?;
        let pg = Postgres::start_in(&dir, port)?;
        Ok(Self { dir, port, pg: Some(pg) })
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Stops the server (immediately, as a crash, or with a fast shutdown) and starts it
    /// again in the same folder and on the same port.
    async fn restart(&mut self, crash: bool, down_for: Duration) -> Result<()> {
        if let Some(pg) = self.pg.take() {
            if crash {
                // SAFETY: signalling a child we started.
                unsafe { libc::kill(pg.pid() as i32, libc::SIGQUIT) };
            }
            tokio::task::spawn_blocking(move || drop(pg)).await?;
        }
        tokio::time::sleep(down_for).await;
        let (dir, port) = (self.dir.clone(), self.port);
        let started = Instant::now();
        loop {
            let (d, p) = (dir.clone(), port);
            match tokio::task::spawn_blocking(move || Postgres::start_in(&d, p)).await? {
                Ok(pg) => {
                    self.pg = Some(pg);
                    return Ok(());
                }
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    tracing::debug!(error = %e, "postgres not back yet");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e).wrap_err("restarting postgres"),
            }
        }
    }
}

/// One `cointent index` process, its log copied to a file; a watcher kills it with SIGKILL
/// the moment it logs a rollback, when asked to.
struct Indexer {
    child: Child,
    kill_in_rollback: Arc<AtomicBool>,
}

impl Indexer {
    fn spawn(
        bin: &Path,
        config: &Path,
        log: &Path,
        kills_in_rollback: Arc<AtomicU64>,
    ) -> Result<Self> {
        let mut cmd = Command::new(bin);
        cmd.arg("--config").arg(config).arg("index");
        cmd.env("RUST_LOG", "info,sqlx=warn").env("NO_COLOR", "1");
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cointent_storage::process::spawn(cmd, libc::SIGKILL)
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id() as i32;
        let kill_in_rollback = Arc::new(AtomicBool::new(false));
        let stderr = child.stderr.take().context("piped stderr")?;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
        let armed = kill_in_rollback.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("reorg: rolling back") && armed.swap(false, Ordering::SeqCst) {
                    // SAFETY: signalling a child we started.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    kills_in_rollback.fetch_add(1, Ordering::Relaxed);
                    let _ = writeln!(file, "[chaos] SIGKILL while rolling back");
                }
                let _ = writeln!(file, "{line}");
            }
        });
        Ok(Self { child, kill_in_rollback })
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Run {
    o: Options,
    rng: Lcg,
    activity: Activity,
    anvil: Anvil,
    db: Db,
    proxy: RpcProxy,
    config: PathBuf,
    logs: PathBuf,
    indexers: Vec<Indexer>,
    kills_in_rollback: Arc<AtomicU64>,
    /// The last block the latest `anvil_reorg` made: the next one must fork above it.
    reorg_top: u64,
    /// A connection to the mirror, to wait for it.
    pool: Option<sqlx::PgPool>,
    /// The highest head the chain has had: no reorg may reach below it minus the window.
    max_head: u64,
    r: Report,
}

fn say(line: &str) {
    println!("[chaos] {line}");
}

/// Runs the chaos and the checks; the report, or the problems found (with the report).
pub async fn run(o: Options) -> Result<Report> {
    eyre::ensure!(
        o.finality >= 2 && o.finality.is_multiple_of(2),
        "the finality window must be even, ≥ 2"
    );
    let temp = tempfile::tempdir()?;
    let logs = match &o.logs {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => temp.path().to_path_buf(),
    };
    // anvil's `finalized` block trails its head by two epochs.
    let anvil = Anvil::builder()
        .chain_id(CHAIN)
        .arg("--slots-in-an-epoch")
        .arg((o.finality / 2).to_string())
        .spawn()?;
    say(&format!("anvil at {}; deploying the contracts", anvil.endpoint()));
    let deployment = crate::deploy_contracts(&anvil.endpoint(), CHAIN)?;
    let mut contracts = BTreeMap::new();
    for (name, address) in deployment["contracts"].as_object().context("contracts")? {
        contracts.insert(name.clone(), address.as_str().context("address")?.parse::<Address>()?);
    }
    let start_block = deployment["start_block"].as_u64().unwrap_or(0);
    let mut activity =
        Activity::new(&anvil.endpoint(), Contracts::from_deployment(&contracts)?, o.seed)?;
    activity.setup().await?;
    for _ in 0..30 {
        activity.random().await?;
    }
    let db = Db::start(temp.path().join("pg"))?;
    db.pg.as_ref().context("postgres")?.ensure_database("mirror").await?;
    let proxy = RpcProxy::start(&anvil.endpoint()).await?;
    proxy.seed(o.seed);
    let config = write_config(
        temp.path(),
        "mirror.toml",
        &db.url("mirror"),
        &proxy.endpoint(),
        &contracts,
        start_block,
        o.finality,
    )?;
    let head = activity.provider().get_block_number().await?;
    let mut run = Run {
        rng: Lcg(o.seed ^ 0x9e37_79b9_7f4a_7c15),
        activity,
        anvil,
        db,
        proxy,
        config,
        logs,
        indexers: Vec::new(),
        kills_in_rollback: Arc::default(),
        reorg_top: 0,
        pool: None,
        max_head: head,
        r: Report { seed: o.seed, ..Report::default() },
        o,
    };
    say(&format!("{head} blocks of history; chaos for {} s", run.o.duration.as_secs()));
    let result = run.chaos().await;
    let verdict = match result {
        Ok(()) => run.verdict(&contracts, start_block, temp.path()).await,
        Err(e) => Err(e),
    };
    run.r.transactions = run.activity.done.clone();
    run.r.skipped = run.activity.skipped;
    run.r.failed = run.activity.failed;
    run.r.proxy = run.proxy.counts();
    run.r.kills_in_rollback = run.kills_in_rollback.load(Ordering::Relaxed);
    run.r.kills += run.r.kills_in_rollback;
    match verdict {
        Ok(()) => Ok(run.r),
        Err(e) => {
            let tail = run.log_tail(60);
            Err(e.wrap_err(format!("{}\n--- indexer logs (tail) ---\n{tail}", run.r)))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn write_config(
    dir: &Path,
    name: &str,
    db: &str,
    rpc: &str,
    contracts: &BTreeMap<String, Address>,
    start_block: u64,
    finality: u64,
) -> Result<PathBuf> {
    let contracts: Vec<String> =
        contracts.iter().map(|(n, a)| format!("{n} = \"{a:#x}\"")).collect();
    let text = format!(
        "[database]\nurl = \"{db}\"\nmax_connections = 6\n\n[[chains]]\nname = \"chaos\"\nchain_id = {CHAIN}\n\
         rpc_urls = [\"{rpc}\"]\nstart_block = {start_block}\nfinality_depth = {finality}\n\
         poll_interval_ms = 20\nmax_block_range = 7\ncontracts = {{ {} }}\n",
        contracts.join(", ")
    );
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}

impl Run {
    async fn head(&self) -> Result<u64> {
        Ok(self.activity.provider().get_block_number().await?)
    }

    async fn note_head(&mut self) -> Result<u64> {
        let h = self.head().await?;
        self.max_head = self.max_head.max(h);
        Ok(h)
    }

    fn spawn_indexer(&mut self) -> Result<()> {
        let log = self.logs.join(format!("indexer-{}.log", self.r.started));
        let ix =
            Indexer::spawn(&self.o.cointent, &self.config, &log, self.kills_in_rollback.clone())?;
        self.indexers.push(ix);
        self.r.started += 1;
        self.r.most_at_once = self.r.most_at_once.max(self.indexers.len());
        Ok(())
    }

    fn reap(&mut self) {
        self.indexers.retain_mut(Indexer::alive);
    }

    fn kill_one(&mut self) {
        self.reap();
        if self.indexers.is_empty() {
            return;
        }
        let i = self.rng.below(self.indexers.len() as u64) as usize;
        self.indexers.remove(i).kill();
        self.r.kills += 1;
    }

    fn kill_all(&mut self) {
        self.reap();
        self.r.kills += self.indexers.len() as u64;
        for mut ix in self.indexers.drain(..) {
            ix.kill();
        }
    }

    /// Replaces the last blocks (1 up to the window) with blocks of other transactions,
    /// never reaching a block the indexers may hold final (the highest head minus the
    /// window) nor a block an earlier `anvil_reorg` made.
    async fn reorg(&mut self) -> Result<bool> {
        let head = self.note_head().await?;
        let allowed = self
            .o
            .finality
            .saturating_sub(self.max_head - head)
            .min(head.saturating_sub(self.reorg_top + 1));
        if allowed == 0 {
            return Ok(false);
        }
        if self.rng.below(3) > 0 {
            // Mostly at the tip, where the mirror holds the blocks the reorg replaces.
            self.wait_for_mirror(head, Duration::from_secs(2)).await;
        }
        let depth = 1 + self.rng.below(allowed);
        let n = 1 + self.rng.below((2 * depth).min(6));
        let txs = self.activity.replacements(n).await?;
        replace_blocks(self.activity.provider(), depth, &txs).await?;
        self.reorg_top = head;
        self.r.deepest = self.r.deepest.max(depth);
        self.r.reorgs += 1;
        Ok(true)
    }

    /// Waits (at most `limit`) until the mirror's checkpoint reaches `block`.
    async fn wait_for_mirror(&mut self, block: u64, limit: Duration) {
        let started = Instant::now();
        if self.pool.is_none() {
            self.pool = cointent_storage::db::connect(&self.db.url("mirror"), 1).await.ok();
        }
        let Some(pool) = &self.pool else { return };
        while started.elapsed() < limit {
            let at: Option<i64> =
                sqlx::query_scalar("SELECT checkpoint_block FROM chains WHERE chain_id = $1")
                    .bind(CHAIN as i64)
                    .fetch_optional(pool)
                    .await
                    .ok()
                    .flatten();
            if at.is_some_and(|b| b >= block as i64) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn chaos(&mut self) -> Result<()> {
        self.spawn_indexer()?;
        let started = Instant::now();
        let mut last_say = Instant::now();
        while started.elapsed() < self.o.duration {
            self.reap();
            if self.indexers.is_empty() {
                self.spawn_indexer()?;
            }
            let roll = self.rng.below(1000);
            match roll {
                0..=599 => {
                    for _ in 0..1 + self.rng.below(4) {
                        self.activity.random().await?;
                    }
                }
                600..=709 => {
                    self.reorg().await?;
                }
                710..=724 => {
                    // Every indexer down: a reorg, new blocks, then back up.
                    self.kill_all();
                    if self.reorg().await? {
                        self.r.reorgs_while_down += 1;
                    }
                    for _ in 0..self.rng.below(6) {
                        self.activity.random().await?;
                    }
                    for _ in 0..1 + self.rng.below(3) {
                        self.spawn_indexer()?;
                    }
                }
                725..=739 => self.kill_one(),
                740..=789 => {
                    // The next indexer to log a rollback dies there.
                    for ix in &self.indexers {
                        ix.kill_in_rollback.store(true, Ordering::SeqCst);
                    }
                    self.reorg().await?;
                    tokio::time::sleep(Duration::from_millis(100 + self.rng.below(400))).await;
                    for ix in &self.indexers {
                        ix.kill_in_rollback.store(false, Ordering::SeqCst);
                    }
                }
                790..=804 => {
                    let crash = self.rng.below(2) == 0;
                    let down = Duration::from_millis(self.rng.below(1_500));
                    self.db.restart(crash, down).await?;
                    if crash {
                        self.r.pg_crashes += 1;
                    } else {
                        self.r.pg_restarts += 1;
                    }
                }
                805..=879 => {
                    let (kind, amount) = (self.rng.below(6), self.rng.below(1000));
                    self.proxy.faults(|f| match kind {
                        0 => f.lag = 1 + amount % 4,
                        1 => f.drop_per_mille = 50 + (amount % 250) as u32,
                        2 => f.empty_logs_per_mille = 200 + (amount % 600) as u32,
                        3 => f.delay = Duration::from_millis(amount % 40),
                        _ => *f = crate::Faults::default(),
                    });
                    self.r.fault_changes += 1;
                }
                880..=904 => {
                    let want = 1 + self.rng.below(3) as usize;
                    while self.indexers.len() < want {
                        self.spawn_indexer()?;
                    }
                    while self.indexers.len() > want {
                        self.kill_one();
                    }
                }
                905..=959 => {
                    // Let the indexers work.
                    tokio::time::sleep(Duration::from_millis(200 + self.rng.below(800))).await;
                }
                _ => {
                    let n = 1 + self.rng.below(3);
                    let _: serde_json::Value =
                        self.activity.provider().raw_request("anvil_mine".into(), (n,)).await?;
                }
            }
            self.note_head().await?;
            if last_say.elapsed() > Duration::from_secs(15) {
                last_say = Instant::now();
                say(&format!(
                    "{} s: head {}, {} transactions, {} reorgs, {} kills, {} indexers running",
                    started.elapsed().as_secs(),
                    self.max_head,
                    self.activity.done.values().sum::<u64>(),
                    self.r.reorgs,
                    self.r.kills + self.kills_in_rollback.load(Ordering::Relaxed),
                    self.indexers.len()
                ));
            }
        }
        self.r.seconds = started.elapsed().as_secs();
        Ok(())
    }

    /// Heals everything, waits for the mirror to catch up, and checks it.
    async fn verdict(
        &mut self,
        contracts: &BTreeMap<String, Address>,
        start_block: u64,
        dir: &Path,
    ) -> Result<()> {
        self.proxy.heal();
        self.reap();
        if self.indexers.is_empty() {
            self.spawn_indexer()?;
        }
        let _: serde_json::Value =
            self.activity.provider().raw_request("anvil_mine".into(), (1,)).await?;
        let head = self.activity.provider().get_block_number().await?;
        let block = self
            .activity
            .provider()
            .get_block_by_number(head.into())
            .await?
            .context("head block")?;
        let hash = block.header.hash.to_string();
        self.r.head = head;
        say(&format!("healed; waiting for the mirror to reach block {head}"));
        let pool = cointent_storage::db::connect(&self.db.url("mirror"), 2).await?;
        let started = Instant::now();
        loop {
            let row: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
                // Through JSON: the checks also run against builds older than the column.
                "SELECT checkpoint_block, checkpoint_hash, to_jsonb(c)->>'halted'
                 FROM chains c WHERE chain_id = $1",
            )
            .bind(CHAIN as i64)
            .fetch_optional(&pool)
            .await?;
            if let Some((_, _, Some(halted))) = &row {
                bail!("the chain halted: {halted}");
            }
            if row
                .as_ref()
                .is_some_and(|(b, h, _)| *b == head as i64 && h.as_deref() == Some(&hash))
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(180) {
                bail!("the mirror did not reach block {head} {hash} in 180 s: {row:?}");
            }
            self.reap();
            if self.indexers.is_empty() {
                self.spawn_indexer()?;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.r.catch_up_seconds = started.elapsed().as_secs_f64();
        // Stopping them is not chaos: not counted.
        for mut ix in self.indexers.drain(..) {
            ix.kill();
        }

        // A fresh re-index of the same chain, straight from anvil.
        self.db.pg.as_ref().context("postgres")?.ensure_database("fresh").await?;
        let fresh_config = write_config(
            dir,
            "fresh.toml",
            &self.db.url("fresh"),
            &self.anvil.endpoint(),
            contracts,
            start_block,
            self.o.finality,
        )?;
        let started = Instant::now();
        let status = Command::new(&self.o.cointent)
            .arg("--config")
            .arg(&fresh_config)
            .args(["index", "--until-caught-up"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        eyre::ensure!(status.success(), "the fresh re-index failed");
        self.r.reindex_seconds = started.elapsed().as_secs_f64();
        let fresh = cointent_storage::db::connect(&self.db.url("fresh"), 2).await?;

        let (events, rollbacks, epoch): (i64, i64, i64) = sqlx::query_as(
            "SELECT events, reorgs, COALESCE((to_jsonb(c)->>'epoch')::BIGINT, -1)
                 FROM chains c WHERE chain_id = $1",
        )
        .bind(CHAIN as i64)
        .fetch_one(&pool)
        .await?;
        self.r.events = events;
        self.r.rollbacks = rollbacks;
        self.r.leaderships = epoch + 1;

        let mut problems = check::differences(
            &check::snapshot(&pool, CHAIN).await?,
            &check::snapshot(&fresh, CHAIN).await?,
        );
        problems.extend(check::bookkeeping(&pool, CHAIN).await?);
        problems.extend(
            check::against_contracts(&pool, CHAIN, self.activity.provider(), &self.activity.c)
                .await?
                .into_iter()
                .map(|p| format!("mirror vs contracts: {p}")),
        );
        problems.extend(
            check::against_contracts(&fresh, CHAIN, self.activity.provider(), &self.activity.c)
                .await?
                .into_iter()
                .map(|p| format!("fresh re-index vs contracts: {p}")),
        );
        if !problems.is_empty() {
            bail!("{} problems:\n  {}", problems.len(), problems.join("\n  "));
        }
        say("every table equals a fresh re-index; every projection agrees with the contracts");
        Ok(())
    }

    fn log_tail(&self, lines: usize) -> String {
        let mut out = String::new();
        let Ok(entries) = std::fs::read_dir(&self.logs) else { return out };
        // The two logs written last.
        let mut logs: Vec<_> = entries
            .flatten()
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .filter(|(_, p)| p.extension().is_some_and(|e| e == "log"))
            .filter(|(_, p)| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
            .collect();
        logs.sort();
        for (_, path) in logs.iter().rev().take(2) {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            out.push_str(&format!("== {}\n", path.display()));
            for l in &all[all.len().saturating_sub(lines)..] {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }
}

/// `anvil_reorg` of `depth` blocks with `txs` (from dev account, to, calldata) in the new
/// blocks, nonces taken from the fork block's state.
async fn replace_blocks(
    provider: &alloy::providers::DynProvider,
    depth: u64,
    txs: &[(usize, Address, Vec<u8>)],
) -> Result<()> {
    let head = provider.get_block_number().await?;
    let fork = head.checked_sub(depth).context("reorg deeper than the chain")?;
    let mut nonces: BTreeMap<usize, u64> = BTreeMap::new();
    let mut pairs = Vec::new();
    for (i, (from, to, input)) in txs.iter().enumerate() {
        let address: Address = crate::DEV_ACCOUNTS[*from].parse()?;
        let nonce = match nonces.get(from) {
            Some(n) => *n,
            None => provider.get_transaction_count(address).block_id(fork.into()).await?,
        };
        nonces.insert(*from, nonce + 1);
        pairs.push(serde_json::json!([{
            "from": address,
            "to": to,
            "input": format!("0x{}", alloy::primitives::hex::encode(input)),
            "nonce": format!("{nonce:#x}"),
            "gas": "0x100000",
        }, i as u64 % depth]));
    }
    let _: serde_json::Value = provider.raw_request("anvil_reorg".into(), (depth, pairs)).await?;
    Ok(())
}
