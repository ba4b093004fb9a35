//! The indexer benchmark: prints figures, asserts nothing.
//!
//! `cargo build --release -p cointent -p cointent-bench && target/release/cointent-bench
//!  [--events 200000] [--blocks 200] [--orders 20000] [--wrk-secs 10] [--only api] [--keep]`
//!
//! 1. Starts a private anvil and Postgres, deploys `EventFirehose` (which emits the
//!    Escrow's own event types) and builds a history of `--events` events.
//! 2. Backfill: runs the real `cointent index --until-caught-up` over it and reports
//!    events/s and the process's peak RSS.
//! 3. Live: runs `cointent index`, mines `--blocks` blocks one by one and reports the delay
//!    from a block's receipt to its rows being committed (p50, p99).
//! 4. API: adds `--orders` orders of the three kinds, runs the real `cointent serve` over the
//!    mirror and measures the order list and order detail endpoints with `wrk` on loopback
//!    (requests/s and latency percentiles as wrk reports them). `--only api` skips the
//!    timing of 2 and 3.

use std::{
    path::{Path, PathBuf},
    process::Command,
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

fn main() -> Result<()> {
    cointent_config::install_crypto_provider();
    let mut o = Options {
        events: 200_000,
        blocks: 200,
        orders: 20_000,
        wrk_secs: 10,
        api_only: false,
        keep: false,
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
            "--only" => {
                let what = args.next().unwrap_or_default();
                eyre::ensure!(what == "api", "--only takes `api`, not {what:?}");
                o.api_only = true;
            }
            other => eyre::bail!(
                "unknown argument {other} (try --events N --blocks N --orders N --wrk-secs S --only api)"
            ),
        }
    }
    if o.api_only {
        o.events = o.events.min(40_000);
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
}

async fn run(o: Options) -> Result<()> {
    let Options { events, blocks, .. } = o;
    let bin = std::env::current_exe()?.with_file_name("cointent");
    eyre::ensure!(
        bin.exists(),
        "build the cointent binary first (cargo build --release -p cointent -p cointent-bench)"
    );
    let anvil = Anvil::builder().arg("--gas-limit").arg("100000000").spawn()?;
    let pg = Postgres::start_temp()?;
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

    println!("generating {events} events ({PER_TX} per transaction) ...");
    let t = Instant::now();
    let mut sent = 0;
    let mut pending = Vec::new();
    // Orders first (ids 0..orders), so the pledges below fund some of them.
    let mut created = 0;
    while created < o.orders {
        let n = 500.min(o.orders - created);
        let call = blastOrdersCall { firstOrder: U256::from(created), count: U256::from(n) };
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(firehose)
            .with_input(call.abi_encode())
            .with_gas_limit(90_000_000);
        pending.push(provider.send_transaction(tx).await?);
        created += n;
    }
    while sent < events {
        let n = PER_TX.min(events - sent);
        let call = blastCall { firstOrder: U256::from(sent / 4), count: U256::from(n) };
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(firehose)
            .with_input(call.abi_encode())
            .with_gas_limit(30_000_000);
        pending.push(provider.send_transaction(tx).await?);
        sent += n;
    }
    for p in pending {
        eyre::ensure!(p.get_receipt().await?.status(), "blast reverted");
    }
    println!("  generated in {:.1} s (and {} orders)", t.elapsed().as_secs_f64(), o.orders);
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

    let t = Instant::now();
    let child = cointent(&bin, &config, &["index", "--until-caught-up"]).spawn()?;
    let (status, peak_kb) = wait_with_peak_rss(child)?;
    let secs = t.elapsed().as_secs_f64();
    eyre::ensure!(status.success(), "backfill failed");
    let pool = cointent_storage::db::connect(&url, 2).await?;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&pool).await?;
    eyre::ensure!(stored as u64 == events, "stored {stored} events, expected {events}");

    if o.api_only {
        return api(&bin, &config, http_port, &o).await;
    }
    println!("backfill: {events} events in {secs:.2} s = {:.0} events/s", events as f64 / secs);
    println!("backfill: peak RSS {:.1} MB", peak_kb as f64 / 1024.0);

    // Live tail: one block at a time.
    let mut child = cointent(&bin, &config, &["index"]).spawn()?;
    let mut delays = Vec::with_capacity(blocks as usize);
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..blocks {
        let call = blastCall { firstOrder: U256::from(1_000_000 + i), count: U256::from(4) };
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(firehose)
            .with_input(call.abi_encode());
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
    api(&bin, &config, http_port, &o).await
}

/// Serves the mirror with the real `cointent serve` and measures it with wrk.
async fn api(bin: &PathBuf, config: &Path, port: u16, o: &Options) -> Result<()> {
    eyre::ensure!(o.orders > 0, "the API benchmark needs --orders > 0");
    let wrk = which("wrk").context("wrk is missing: apt-get install wrk")?;
    let dir = tempfile::tempdir()?;
    // The same server without its response cache: every request reaches Postgres.
    let uncached = dir.path().join("uncached.toml");
    let text = std::fs::read_to_string(config)?;
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
        "api: {} orders; wrk -t2 -c64 -d{}s after a 2 s warm-up, on loopback; server, Postgres and wrk share the machine",
        o.orders, o.wrk_secs
    );
    for (label, config) in [("no cache", uncached.as_path()), ("cache on", config)] {
        let server = Killed(cointent(bin, config, &["serve"]).spawn()?);
        let base = format!("http://127.0.0.1:{port}");
        wait_ready(&base, &server).await?;
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
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ready = client.get(format!("{base}/ready")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        eyre::ensure!(Instant::now() < deadline, "cointent serve not ready after 120 s");
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
fn wait_with_peak_rss(mut child: std::process::Child) -> Result<(std::process::ExitStatus, u64)> {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
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
