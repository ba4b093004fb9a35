//! The indexer benchmark: prints figures, asserts nothing.
//!
//! `cargo build --release -p cointent -p cointent-bench && target/release/cointent-bench
//!  [--shape realistic|dense] [--events 200000] [--blocks 200] [--orders 20000]
//!  [--wrk-secs 10] [--only api|backfill] [--profile] [--durable] [--keep]`
//!
//! 1. Starts a private anvil and Postgres (a throw-away one without fsync, as the tests
//!    use; with `--durable`, one that flushes every commit to disk as a production server
//!    does), deploys `EventFirehose` (which emits the
//!    Escrow's own event types) and builds a history of `--events` events (plus the
//!    `--orders` orders' `OrderCreated`), in one of two shapes:
//!    - `realistic` (the default): 20 to 50 events per block through many small
//!      transactions (4 or 5 events each), over thousands of blocks, as real chains have it;
//!    - `dense`: 2 000 events per transaction and block (500 orders per transaction).
//! 2. Backfill: runs the real `cointent index --until-caught-up` over it and reports
//!    events/s until the mirror reached the head, the time it then takes to build the read
//!    indexes, ANALYZE and compute every order's detail (before the process exits), and
//!    the process's peak RSS (to the head, and in all).
//! 3. Live: runs `cointent index`, mines `--blocks` blocks one by one and reports the delay
//!    from a block's receipt to its rows being committed (p50, p99).
//! 4. API: runs the real `cointent serve` over the mirror (waiting for the order details it
//!    keeps ready, and reporting how long that took) and measures the order list and order
//!    detail endpoints with `wrk` on loopback (requests/s and latency percentiles as wrk
//!    reports them): with the response cache off, with it on, and with it off while the
//!    chain commits a block every second whose events touch a random order. `--only api`
//!    skips the timing of 2 and 3.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol,
    sol_types::SolCall,
};
use cointent_harness::{Anvil, DEV_ACCOUNTS, Postgres, artifact_bytecode, build_contracts};
use eyre::{ContextCompat, Result};

sol! {
    function blast(uint256 firstOrder, uint256 count) external;
    function blastOrders(uint256 firstOrder, uint256 count) external;
}

const PER_TX: u64 = 2_000;

/// How the history's events are spread over transactions and blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Realistic,
    Dense,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Realistic => "realistic",
            Shape::Dense => "dense",
        }
    }
}

fn main() -> Result<()> {
    cointent_config::install_crypto_provider();
    let mut o = Options {
        events: 200_000,
        blocks: 200,
        orders: 20_000,
        wrk_secs: 10,
        api_only: false,
        keep: false,
        shape: Shape::Realistic,
        profile: false,
        backfill_only: false,
        durable: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<u64> {
            let v = args.next().with_context(|| format!("{name} needs a number"))?;
            v.parse::<u64>().map_err(|e| eyre::eyre!("{name} {v}: {e}"))
        };
        match a.as_str() {
            "--events" => o.events = num("--events")?,
            "--blocks" => o.blocks = num("--blocks")?,
            "--orders" => o.orders = num("--orders")?,
            "--wrk-secs" => o.wrk_secs = num("--wrk-secs")?,
            "--keep" => o.keep = true,
            "--profile" => o.profile = true,
            "--durable" => o.durable = true,
            "--shape" => {
                o.shape = match args.next().unwrap_or_default().as_str() {
                    "realistic" => Shape::Realistic,
                    "dense" => Shape::Dense,
                    other => eyre::bail!("--shape takes realistic or dense, not {other:?}"),
                }
            }
            "--only" => match args.next().unwrap_or_default().as_str() {
                "api" => o.api_only = true,
                "backfill" => o.backfill_only = true,
                what => eyre::bail!("--only takes `api` or `backfill`, not {what:?}"),
            },
            other => eyre::bail!(
                "unknown argument {other} (try --shape realistic|dense --events N --blocks N --orders N --wrk-secs S --only api|backfill --profile --durable)"
            ),
        }
    }
    if o.api_only {
        o.events = o.events.min(40_000);
    }
    if o.profile {
        // Read by the embedded Postgres when it starts; nothing else runs yet.
        unsafe {
            std::env::set_var(
                "COINTENT_PG_ARGS",
                "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all",
            )
        };
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(run(o))
}

struct Options {
    events: u64,
    blocks: u64,
    orders: u64,
    wrk_secs: u64,
    api_only: bool,
    /// Keep the server and database up after measuring (for EXPLAIN and profiling).
    keep: bool,
    shape: Shape,
    /// Print the backfill's costliest statements (pg_stat_statements).
    profile: bool,
    /// Stop after the backfill.
    backfill_only: bool,
    /// Postgres with fsync, full-page writes and synchronous commits.
    durable: bool,
}

async fn run(o: Options) -> Result<()> {
    let Options { events, blocks, .. } = o;
    let bin = std::env::current_exe()?.with_file_name("cointent");
    eyre::ensure!(
        bin.exists(),
        "build the cointent binary first (cargo build --release -p cointent -p cointent-bench)"
    );
    let anvil = Anvil::builder().arg("--gas-limit").arg("100000000").spawn()?;
    let pg_dir = tempfile::tempdir()?;
    let pg = if o.durable {
        Postgres::start_in(pg_dir.path(), cointent_harness::free_port()?)?
    } else {
        Postgres::start_temp()?
    };
    let url = pg.create_database().await?;
    let provider = ProviderBuilder::new().connect_http(anvil.endpoint().parse()?);
    let from: Address = DEV_ACCOUNTS[0].parse()?;

    // The firehose emits the Escrow's events as the tree has them: an `out/` left from an
    // older build would emit events the indexer no longer knows.
    build_contracts()?;
    let code = artifact_bytecode("EventFirehose", None)?;
    let tx = TransactionRequest::default().with_from(from).with_deploy_code(code);
    let receipt = provider.send_transaction(tx).await?.get_receipt().await?;
    let firehose = receipt.contract_address.context("deployed")?;
    let start_block = receipt.block_number.unwrap_or(0);

    let t = Instant::now();
    match o.shape {
        Shape::Dense => {
            println!("generating {events} events ({PER_TX} per transaction and block) ...");
            generate_dense(&provider, from, firehose, o.orders, events).await?;
        }
        Shape::Realistic => {
            println!("generating {events} events (20-50 per block, 4-5 per transaction) ...");
            generate_realistic(&provider, from, firehose, o.orders, events).await?;
        }
    }
    let head = provider.get_block_number().await?;
    println!(
        "  generated in {:.1} s (and {} orders), blocks {start_block}..={head}",
        t.elapsed().as_secs_f64(),
        o.orders
    );
    let events = events + o.orders;

    let http_port = cointent_harness::free_port()?;
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{url}\"\n\n[http]\nbind = \"127.0.0.1:{http_port}\"\n\n[[chains]]\nname = \"bench\"\nchain_id = {}\n\
             rpc_urls = [\"{}\"]\nstart_block = {start_block}\nfinality_depth = 12\n\
             poll_interval_ms = 10\nmax_block_range = 100000\n\
             contracts = {{ escrow = \"{firehose:#x}\" }}\n",
            anvil.chain_id(),
            anvil.endpoint()
        ),
    )?;
    // Migrations first, so the backfill timing is only the backfill.
    let ok = cointent(&bin, &config, &["migrate"]).status()?.success();
    eyre::ensure!(ok, "cointent migrate failed");

    let pool = cointent_storage::db::connect(&url, 2).await?;
    let live = Live { rpc: anvil.endpoint(), firehose, from, orders: o.orders };
    if o.api_only {
        // The server backfills the fresh database itself: the path an operator takes with
        // `cointent serve` alone.
        return api(&bin, &config, http_port, &o, &live, events).await;
    }
    let t = Instant::now();
    let child = cointent(&bin, &config, &["index", "--until-caught-up"]).spawn()?;
    let peak_so_far = Arc::new(AtomicU64::new(0));
    let so_far = peak_so_far.clone();
    let waited = tokio::task::spawn_blocking(move || wait_with_peak_rss(child, so_far));
    // Caught up: the checkpoint reached the head (the process then builds the read indexes
    // and runs ANALYZE before it exits).
    let caught_up = loop {
        let at: Option<i64> = sqlx::query_scalar("SELECT checkpoint_block FROM chains")
            .fetch_optional(&pool)
            .await
            .unwrap_or(None);
        if at.is_some_and(|b| b >= head as i64) || waited.is_finished() {
            break t.elapsed().as_secs_f64();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let head_peak_kb = peak_so_far.load(Ordering::Relaxed);
    let (status, peak_kb) = waited.await??;
    let secs = t.elapsed().as_secs_f64();
    eyre::ensure!(status.success(), "backfill failed");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&pool).await?;
    eyre::ensure!(stored as u64 == events, "stored {stored} events, expected {events}");

    let shape = o.shape.name();
    println!(
        "backfill ({shape}): {events} events in {caught_up:.2} s = {:.0} events/s to the head",
        events as f64 / caught_up
    );
    println!(
        "backfill ({shape}): then read indexes, ANALYZE and order details {:.2} s ({:.0} events/s in all)",
        secs - caught_up,
        events as f64 / secs
    );
    println!(
        "backfill ({shape}): peak RSS {:.1} MB to the head, {:.1} MB in all",
        head_peak_kb as f64 / 1024.0,
        peak_kb as f64 / 1024.0
    );
    if o.profile {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute(&pool).await?;
        let top: Vec<(f64, i64, String)> = sqlx::query_as(
            "SELECT total_exec_time, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 150)
             FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15",
        )
        .fetch_all(&pool)
        .await?;
        for (ms, calls, query) in top {
            println!("  {:>8.0} ms {calls:>6} calls  {query}", ms);
        }
    }

    if o.backfill_only {
        return Ok(());
    }
    // Live tail: one block at a time (a provider of its own: the generator's nonce cache
    // is behind the nonces the realistic shape set by hand).
    let provider = ProviderBuilder::new().connect_http(anvil.endpoint().parse()?);
    let mut child = cointent(&bin, &config, &["index"]).spawn()?;
    let mut delays = Vec::with_capacity(blocks as usize);
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..blocks {
        let call = blastCall { firstOrder: U256::from(1_000_000 + i), count: U256::from(4) };
        let tx = blast_tx(from, firehose, call.abi_encode());
        let receipt = provider.send_transaction(tx).await?.get_receipt().await?;
        let mined = Instant::now();
        let block = receipt.block_number.context("mined")? as i64;
        loop {
            let done: bool =
                sqlx::query_scalar("SELECT checkpoint_block >= $1 FROM chains WHERE chain_id = $2")
                    .bind(block)
                    .bind(anvil.chain_id() as i64)
                    .fetch_one(&pool)
                    .await?;
            if done {
                break;
            }
            eyre::ensure!(
                mined.elapsed() < Duration::from_secs(30),
                "block {block} never committed"
            );
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        delays.push(mined.elapsed());
    }
    child.kill()?;
    child.wait()?;
    delays.sort();
    let pct = |p: f64| delays[((delays.len() as f64 * p) as usize).min(delays.len() - 1)];
    println!(
        "live: block-to-row delay over {blocks} blocks: p50 {:.1} ms, p99 {:.1} ms (poll interval 10 ms)",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
    api(&bin, &config, http_port, &o, &live, events).await
}

/// Serves the mirror with the real `cointent serve` and measures it with wrk.
/// What the API benchmark's block-a-second writer needs.
struct Live {
    rpc: String,
    firehose: Address,
    from: Address,
    orders: u64,
}

/// Sends one transaction a second (automine: a block each) whose four events touch a random
/// order, until dropped.
fn commit_every_second(live: &Live) -> Result<tokio::task::JoinHandle<()>> {
    let provider = ProviderBuilder::new().connect_http(live.rpc.parse()?);
    let (firehose, from, orders) = (live.firehose, live.from, live.orders.max(1));
    Ok(tokio::spawn(async move {
        let mut rng = 0x2545_F491_4F6C_DD1D_u64;
        loop {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let call = blastCall { firstOrder: U256::from(rng % orders), count: U256::from(4) };
            let tx = blast_tx(from, firehose, call.abi_encode());
            if let Ok(pending) = provider.send_transaction(tx).await {
                let _ = pending.get_receipt().await;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }))
}

/// Waits until the server keeps every order's detail ready; how long that took.
async fn details_kept(config: &Path, server: &Killed) -> Result<f64> {
    let url = cointent_config::Config::load(config)?.database.url.context("a database URL")?;
    let pool = cointent_storage::db::connect(&url, 1).await?;
    let t = Instant::now();
    loop {
        let (orders, kept): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_details)",
        )
        .fetch_one(&pool)
        .await?;
        if kept >= orders {
            return Ok(t.elapsed().as_secs_f64());
        }
        eyre::ensure!(server.pid_alive(), "cointent serve exited");
        eyre::ensure!(t.elapsed() < Duration::from_secs(600), "{kept} of {orders} details kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn api(
    bin: &PathBuf,
    config: &Path,
    port: u16,
    o: &Options,
    live: &Live,
    events: u64,
) -> Result<()> {
    eyre::ensure!(o.orders > 0, "the API benchmark needs --orders > 0");
    let wrk = which("wrk").context("wrk is missing: apt-get install wrk")?;
    let dir = tempfile::tempdir()?;
    // The server polls the chain at the default 100 ms (the live figures above poll every
    // 10 ms); and the same server without its response cache: every request reaches Postgres.
    let text = std::fs::read_to_string(config)?.replace("poll_interval_ms = 10\n", "");
    let cached = dir.path().join("cached.toml");
    std::fs::write(&cached, &text)?;
    let config = cached.as_path();
    let uncached = dir.path().join("uncached.toml");
    std::fs::write(&uncached, text.replace("[http]\n", "[http]\nresponse_cache_mb = 0\n"))?;
    let chain = cointent_config::Config::load(config)?.chains[0].chain_id;
    // Detail over every order (most requests are the first for their id), and over the
    // 1 000 most viewed (what a cache sees from product pages and QR scans).
    let lua = |name: &str, ids: u64| -> Result<PathBuf> {
        let path = dir.path().join(name);
        let text = format!(
            "math.randomseed(7)\nrequest = function()\n  return wrk.format(nil, \"/v1/orders/{chain}/\" .. math.random(0, {}))\nend\n",
            ids - 1
        );
        std::fs::write(&path, text)?;
        Ok(path)
    };
    let (all, hot) = (lua("all.lua", o.orders)?, lua("hot.lua", o.orders.min(1_000))?);
    println!(
        "api: {} orders; wrk -t2 -c64 -d{}s after a 2 s warm-up, on loopback; server (polling the chain every 100 ms), Postgres and wrk share the machine",
        o.orders, o.wrk_secs
    );
    let runs = [
        ("no cache", uncached.as_path(), false),
        ("cache on", config, false),
        ("no cache, a block a second", uncached.as_path(), true),
    ];
    for (label, config, committing) in runs {
        let server = Killed(cointent(bin, config, &["serve"]).spawn()?);
        let base = format!("http://127.0.0.1:{port}");
        let t = Instant::now();
        wait_ready(&base, &server).await?;
        let ready = t.elapsed().as_secs_f64();
        let kept = details_kept(config, &server).await?;
        if label == "no cache" {
            let backfilled = if o.api_only {
                format!(" (it backfilled the {events} events of a fresh database)")
            } else {
                String::new()
            };
            println!(
                "api: serve ready in {ready:.1} s{backfilled}; every order's detail kept ready {kept:.1} s later"
            );
        }
        let writer = if committing { Some(commit_every_second(live)?) } else { None };
        // Both endpoints must answer with data, or the figures mean nothing.
        let client = reqwest::Client::new();
        let list: serde_json::Value = client
            .get(format!("{base}/v1/orders?limit=20"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let n = list["items"].as_array().map_or(0, Vec::len);
        eyre::ensure!(n == 20, "order list returned {n} items, expected 20: {list}");
        client.get(format!("{base}/v1/orders/{chain}/1")).send().await?.error_for_status()?;
        for (name, path, lua) in [
            ("order list (limit 20)", "/v1/orders?limit=20", None),
            ("order list, filtered", "/v1/orders?kind=collective&status=Funding&limit=20", None),
            ("order detail, any of all ids", "/", Some(&all)),
            ("order detail, any of 1000 ids", "/", Some(&hot)),
        ] {
            let run = |secs: u64| {
                let mut cmd = Command::new(&wrk);
                cmd.args(["-t2", "-c64", &format!("-d{secs}s"), "--latency"]);
                if let Some(lua) = lua {
                    cmd.arg("-s").arg(lua);
                }
                cmd.arg(format!("{base}{path}")).output()
            };
            // A 2 s warm-up (not reported): steady state, as a server that has been up a while.
            run(2)?;
            let out = run(o.wrk_secs)?;
            eyre::ensure!(
                out.status.success(),
                "wrk failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            let field = |prefix: &str| {
                text.lines()
                    .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()))
                    .unwrap_or_else(|| "?".into())
            };
            let errors =
                text.lines().find(|l| l.contains("Non-2xx") || l.contains("Socket errors"));
            println!(
                "api ({label}): {name}: {} requests/s, latency p50 {} p99 {}{}",
                field("Requests/sec:"),
                field("50%"),
                field("99%"),
                errors.map(|e| format!(" ({})", e.trim())).unwrap_or_default()
            );
        }
        if let Some(writer) = writer {
            writer.abort();
        }
        if o.keep && label == "cache on" {
            let url = cointent_config::Config::load(config)?.database.url;
            println!("keeping {base} and {} up; Ctrl-C to stop", url.unwrap_or_default());
            tokio::signal::ctrl_c().await?;
        }
        drop(server);
    }
    Ok(())
}

async fn wait_ready(base: &str, server: &Killed) -> Result<()> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let ready = client.get(format!("{base}/ready")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        eyre::ensure!(Instant::now() < deadline, "cointent serve not ready after 900 s");
        eyre::ensure!(server.pid_alive(), "cointent serve exited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A child process killed when dropped.
struct Killed(std::process::Child);

impl Killed {
    fn pid_alive(&self) -> bool {
        Path::new(&format!("/proc/{}", self.0.id())).exists()
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

fn cointent(bin: &PathBuf, config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--config").arg(config).args(args).env("RUST_LOG", "warn");
    cmd
}

/// Waits for the child, sampling its peak resident set (VmHWM) from /proc.
fn wait_with_peak_rss(
    mut child: std::process::Child,
    so_far: Arc<AtomicU64>,
) -> Result<(std::process::ExitStatus, u64)> {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        so_far.store(peak, Ordering::Relaxed);
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait()? {
            return Ok((status, peak));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `orders` orders (500 per transaction), then `events` events, 2 000 per transaction,
/// each transaction a block of its own.
async fn generate_dense(
    provider: &impl Provider,
    from: Address,
    firehose: Address,
    orders: u64,
    events: u64,
) -> Result<()> {
    let mut pending = Vec::new();
    // Orders first (ids 0..orders), so the pledges below fund some of them.
    let mut created = 0;
    while created < orders {
        let n = 500.min(orders - created);
        let call = blastOrdersCall { firstOrder: U256::from(created), count: U256::from(n) };
        let tx = blast_tx(from, firehose, call.abi_encode()).with_gas_limit(90_000_000);
        pending.push(provider.send_transaction(tx).await?);
        created += n;
    }
    let mut sent = 0;
    while sent < events {
        let n = PER_TX.min(events - sent);
        let call = blastCall { firstOrder: U256::from(sent / 4), count: U256::from(n) };
        let tx = blast_tx(from, firehose, call.abi_encode()).with_gas_limit(30_000_000);
        pending.push(provider.send_transaction(tx).await?);
        sent += n;
    }
    for p in pending {
        eyre::ensure!(p.get_receipt().await?.status(), "blast reverted");
    }
    Ok(())
}

/// `orders` orders, then `events` events, as chains have them: transactions of 5 orders or
/// 4 events (one random order's pledge, release, claim and refund), 20 to 50 events per
/// block. Mining is manual meanwhile: each block gets its transactions, then `evm_mine`.
async fn generate_realistic(
    provider: &impl Provider,
    from: Address,
    firehose: Address,
    orders: u64,
    events: u64,
) -> Result<()> {
    let _: serde_json::Value = provider.raw_request("evm_setAutomine".into(), (false,)).await?;
    let mut nonce = provider.get_transaction_count(from).await?;
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |below: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below
    };
    let (mut in_block, mut target, mut last) = (0, 20 + next(31), None);
    let (mut created, mut sent) = (0, 0);
    while created < orders || sent < events {
        let (input, n) = if created < orders {
            let n = 5.min(orders - created);
            let call = blastOrdersCall { firstOrder: U256::from(created), count: U256::from(n) };
            created += n;
            (call.abi_encode(), n)
        } else {
            let n = 4.min(events - sent);
            let order = next(orders.max(1));
            let call = blastCall { firstOrder: U256::from(order), count: U256::from(n) };
            sent += n;
            (call.abi_encode(), n)
        };
        let tx = blast_tx(from, firehose, input)
            .with_nonce(nonce)
            .with_gas_limit(3_000_000)
            .with_max_fee_per_gas(10_000_000_000)
            .with_max_priority_fee_per_gas(1);
        nonce += 1;
        last = Some(provider.send_transaction(tx).await?);
        in_block += n;
        if in_block >= target {
            let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await?;
            (in_block, target) = (0, 20 + next(31));
        }
    }
    let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await?;
    let _: serde_json::Value = provider.raw_request("evm_setAutomine".into(), (true,)).await?;
    if let Some(last) = last {
        eyre::ensure!(last.get_receipt().await?.status(), "blast reverted");
    }
    Ok(())
}

/// A transaction from `from` to the firehose with `input`.
fn blast_tx(from: Address, firehose: Address, input: Vec<u8>) -> TransactionRequest {
    TransactionRequest::default().with_from(from).with_to(firehose).with_input(input)
}
