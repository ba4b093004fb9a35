//! The indexer benchmark: prints figures, asserts nothing.
//!
//! `cargo run --release -p cointent-indexer --bin cointent-bench -- [--events 200000]`
//!
//! 1. Starts a private anvil and Postgres, deploys `EventFirehose` (which emits the
//!    Escrow's own event types) and builds a history of `--events` events.
//! 2. Backfill: runs the real `cointent index --until-caught-up` over it and reports
//!    events/s and the process's peak RSS.
//! 3. Live: runs `cointent index`, mines `--blocks` blocks one by one and reports the delay
//!    from a block's receipt to its rows being committed (p50, p99).

use std::{
    path::PathBuf,
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
use cointent_harness::{Anvil, DEV_ACCOUNTS, Postgres, artifact_bytecode};
use eyre::{ContextCompat, Result};

sol! {
    function blast(uint256 firstOrder, uint256 count) external;
}

const PER_TX: u64 = 2_000;

fn main() -> Result<()> {
    let mut events = 200_000_u64;
    let mut blocks = 200_u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--events" => events = args.next().context("--events N")?.parse()?,
            "--blocks" => blocks = args.next().context("--blocks N")?.parse()?,
            other => eyre::bail!("unknown argument {other} (try --events N --blocks N)"),
        }
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(run(events, blocks))
}

async fn run(events: u64, blocks: u64) -> Result<()> {
    let bin = std::env::current_exe()?.with_file_name("cointent");
    eyre::ensure!(
        bin.exists(),
        "build the cointent binary first (cargo build --release -p cointent-indexer)"
    );
    let anvil = Anvil::builder().arg("--gas-limit").arg("100000000").spawn()?;
    let pg = Postgres::start_temp()?;
    let url = pg.create_database().await?;
    let provider = ProviderBuilder::new().connect_http(anvil.endpoint().parse()?);
    let from: Address = DEV_ACCOUNTS[0].parse()?;

    let code = artifact_bytecode("EventFirehose", None)?;
    let tx = TransactionRequest::default().with_from(from).with_deploy_code(code);
    let receipt = provider.send_transaction(tx).await?.get_receipt().await?;
    let firehose = receipt.contract_address.context("deployed")?;
    let start_block = receipt.block_number.unwrap_or(0);

    println!("generating {events} events ({PER_TX} per transaction) ...");
    let t = Instant::now();
    let mut sent = 0;
    let mut pending = Vec::new();
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
    println!("  generated in {:.1} s", t.elapsed().as_secs_f64());

    let dir = tempfile::tempdir()?;
    let config = dir.path().join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{url}\"\n\n[[chains]]\nname = \"bench\"\nchain_id = {}\n\
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
    let pool = cointent_indexer::db::connect(&url, 2).await?;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&pool).await?;
    eyre::ensure!(stored as u64 == events, "stored {stored} events, expected {events}");

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
    Ok(())
}

fn cointent(bin: &PathBuf, config: &std::path::Path, args: &[&str]) -> Command {
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
