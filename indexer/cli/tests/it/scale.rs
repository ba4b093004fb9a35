//! Scale out (issue 15): stateless `serve --api-only` replicas and `cointent index` workers,
//! all real processes of the binary on one real Postgres, while blocks arrive and the
//! writing worker is SIGKILLed again and again.

use std::{path::PathBuf, time::Duration};

use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolCall,
};
use cointent_abi::{
    DemoStablecoin, Escrow,
    IEscrow::{Milestone, Terms},
};
use cointent_harness::free_port;
use eyre::{Result, ensure};
use sqlx::PgPool;

use crate::common::*;

const CHAIN: u64 = 31337;
const ORDERS: u64 = 3;
const PRICE: u64 = 1_000_000;

fn terms(token: Address, now: u64) -> Terms {
    Terms {
        seller: dev(4),
        token,
        unitPrice: alloy::primitives::Uint::from(PRICE),
        minUnits: 1,
        maxUnits: 1_000,
        fundingDeadline: alloy::primitives::Uint::from(now + 30 * DAY),
        reviewPeriod: DAY as u32,
        rulingPeriod: 2 * DAY as u32,
        promoterBps: 0,
        feeBps: 100,
        bondBps: 500,
        soleBuyer: Address::ZERO,
        arbiter: dev(6),
        metadataHash: B256::repeat_byte(0x42),
        milestones: vec![Milestone { bps: 10_000, deliveryPeriod: 7 * DAY as u32 }],
        splits: vec![],
    }
}

/// A configuration of its own in `dir/name` (each replica listens on its own port).
fn config_in(
    dir: &std::path::Path,
    name: &str,
    url: &str,
    chain: &cointent_config::ChainConfig,
    extra: &str,
) -> Result<PathBuf> {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir)?;
    config_toml(&dir, &format!("url = \"{url}\""), chain, extra)
}

/// The `units_pledged` an API replica answers for an order.
async fn units_on(http: &reqwest::Client, port: u16, id: u64) -> Result<Option<u64>> {
    let url = format!("http://127.0.0.1:{port}/v1/orders/{CHAIN}/{id}");
    // A replica still starting (a loaded machine) is not listening yet: it has nothing yet,
    // and the caller's deadline bounds the wait.
    let response = match http.get(url).send().await {
        Err(e) if e.is_connect() => return Ok(None),
        response => response?,
    };
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    ensure!(response.status().is_success(), "replica {port}: {}", response.status());
    let body: serde_json::Value = response.json().await?;
    Ok(body["units_pledged"].as_u64())
}

/// Waits until every replica answers `want` units for order `id`.
async fn replicas_agree(http: &reqwest::Client, ports: &[u16], id: u64, want: u64) -> Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    for port in ports {
        loop {
            let got = units_on(http, *port, id).await?;
            if got == Some(want) {
                break;
            }
            ensure!(
                tokio::time::Instant::now() < deadline,
                "replica {port}: order {id} shows {got:?} units, the chain {want}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// The worker that writes the chain now: the live one whose log says it took the lock.
fn leader(workers: &mut [Indexer]) -> Option<usize> {
    (0..workers.len()).find(|&i| {
        workers[i].exited().is_none()
            && workers[i].log().contains("this process now writes the chain")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_replicas_and_index_workers_share_one_database() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    let escrow = deploy_escrow(&chain).await?.escrow;
    let mut config = chain.config("scale");
    config.contracts.insert("escrow".to_string(), escrow);
    let (url, pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;

    let worker_config = config_in(dir.path(), "worker", &url, &config, "")?;
    let mut workers =
        (0..3).map(|_| Indexer::spawn(&worker_config, &["index"])).collect::<Result<Vec<_>>>()?;
    let ports = [free_port()?, free_port()?];
    let mut replicas = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let extra = format!("[http]\nbind = \"127.0.0.1:{port}\"\n");
        let path = config_in(dir.path(), &format!("api-{i}"), &url, &config, &extra)?;
        replicas.push(Indexer::spawn(&path, &["serve", "--api-only"])?);
    }

    // Orders, and backers with money and allowances.
    let now = alloy::providers::Provider::get_block_by_number(
        &chain.provider,
        alloy::eips::BlockNumberOrTag::Latest,
    )
    .await?
    .map_or(0, |b| b.header.timestamp);
    let t = terms(chain.token, now);
    for _ in 0..ORDERS {
        send_and_wait(
            &chain.provider,
            4,
            escrow,
            Escrow::createOrderCall { terms: pack(&t) }.abi_encode(),
        )
        .await?;
    }
    for backer in 1..=3 {
        chain.mint(backer, 1_000 * PRICE).await?;
        let approve = DemoStablecoin::approveCall { spender: escrow, value: U256::MAX };
        chain.send(backer, approve.abi_encode()).await?;
    }

    // Pledges while the writer is killed every other round; each pledge must show on
    // every replica (their caches follow the workers' commits through Postgres).
    let http = reqwest::Client::new();
    let mut units = vec![0_u64; ORDERS as usize + 1];
    let mut killed = 0;
    for round in 0..8_u64 {
        let (id, n) = (round % ORDERS + 1, round + 1);
        let pledge = Escrow::pledgeCall {
            orderId: U256::from(id),
            terms: pack(&t),
            units: U256::from(n),
            promoter: Address::ZERO,
        };
        send_and_wait(&chain.provider, (round % 3 + 1) as usize, escrow, pledge.abi_encode())
            .await?;
        units[id as usize] += n;
        replicas_agree(&http, &ports, id, units[id as usize]).await?;
        if round % 2 == 1 {
            let Some(i) = leader(&mut workers) else {
                eyre::bail!("no worker writes the chain; logs:\n{}", workers[0].log())
            };
            workers[i].kill();
            workers[i] = Indexer::spawn(&worker_config, &["index"])?;
            killed += 1;
        }
    }
    ensure!(killed == 4, "the writer was killed {killed} times");
    for id in 1..=ORDERS {
        replicas_agree(&http, &ports, id, units[id as usize]).await?;
    }
    for (i, replica) in replicas.iter_mut().enumerate() {
        ensure!(replica.exited().is_none(), "replica {i} exited; log:\n{}", replica.log());
        let ready = http.get(format!("http://127.0.0.1:{}/ready", ports[i])).send().await?;
        ensure!(ready.status().is_success(), "replica {i} not ready: {}", ready.text().await?);
    }

    // The mirror the workers wrote equals a fresh re-index of the chain.
    let (n, h) = chain.head().await?;
    wait_for(&pool, CHAIN, n, h).await?;
    drop(workers);
    same_as_fresh(&pool, &chain, config).await
}

/// A key's per-minute limit holds across replicas: what one replica let through counts on
/// the other once they have shared their counts (every 200 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keys_limit_is_shared_by_every_replica() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    let (url, _pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let config = chain.config("limits");
    let ports = [free_port()?, free_port()?];
    let mut replicas = Vec::new();
    let mut paths = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let extra = format!("[http]\nbind = \"127.0.0.1:{port}\"\nresponse_cache_mb = 0\n");
        let path = config_in(dir.path(), &format!("api-{i}"), &url, &config, &extra)?;
        replicas.push(Indexer::spawn(&path, &["serve", "--api-only"])?);
        paths.push(path);
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cointent"))
        .arg("--config")
        .arg(&paths[0])
        .args(["keys", "create", "--name", "shop", "--rate-limit", "30"])
        .output()?;
    ensure!(out.status.success(), "keys create: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout)?;
    let key = stdout.split_whitespace().find(|w| w.starts_with("ck_")).map(str::to_string);
    let Some(key) = key else { eyre::bail!("no key printed: {stdout}") };

    let http = reqwest::Client::new();
    let statuses = |port: u16, n: usize| {
        let (http, key) = (http.clone(), key.clone());
        async move {
            let mut codes = Vec::new();
            for _ in 0..n {
                let url = format!("http://127.0.0.1:{port}/v1/chains");
                let r = http.get(url).header("x-api-key", &key).send().await?;
                codes.push(r.status().as_u16());
            }
            eyre::Ok(codes)
        }
    };
    // Wait for both replicas to answer.
    for port in ports {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while http.get(format!("http://127.0.0.1:{port}/health")).send().await.is_err() {
            ensure!(tokio::time::Instant::now() < deadline, "replica {port} never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Both bursts in one minute's window.
    let second_of_minute =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() % 60;
    if second_of_minute > 45 {
        tokio::time::sleep(Duration::from_secs(61 - second_of_minute)).await;
    }
    let first = statuses(ports[0], 20).await?;
    ensure!(first.iter().all(|c| *c == 200), "replica 0: {first:?}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let second = statuses(ports[1], 20).await?;
    let ok = second.iter().filter(|c| **c == 200).count();
    let limited = second.iter().filter(|c| **c == 429).count();
    ensure!(
        (ok, limited) == (10, 10),
        "replica 1 let {ok} through and refused {limited}, after replica 0 let 20 through \
         under a limit of 30: {second:?}"
    );
    drop(replicas);
    Ok(())
}

/// Compares the mirror with a fresh re-index of the whole chain.
async fn same_as_fresh(
    pool: &PgPool,
    chain: &Chain,
    config: cointent_config::ChainConfig,
) -> Result<()> {
    let fresh = fresh_index(chain, config).await?;
    let (got, want) = (snapshot(pool, CHAIN).await?, snapshot(&fresh, CHAIN).await?);
    ensure!(!got["orders"].is_empty(), "the snapshot includes the orders");
    ensure!(got == want, "the mirror differs from a fresh re-index");
    fresh.close().await;
    Ok(())
}

/// An index worker serves `/metrics` and `/health` on `http.metrics_bind` (its probes and
/// scraping in Kubernetes), with the figures of the chain it writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_worker_serves_metrics_and_health_on_its_own_listener() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    chain.mint(1, 5).await?;
    let (url, _pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let extra = format!("[http]\nmetrics_bind = \"127.0.0.1:{port}\"\n");
    let config = config_in(dir.path(), "worker", &url, &chain.config("w"), &extra)?;
    let worker = Indexer::spawn(&config, &["index"])?;
    let (head, _) = chain.head().await?;
    let want = format!("cointent_indexed_block{{chain_id=\"{CHAIN}\"}} {head}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = match reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.lines().any(|l| l == want) {
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "no `{want}` on the worker's /metrics:\n{text}\nlog:\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health")).await?;
    ensure!(health.status().is_success(), "health: {}", health.status());
    Ok(())
}
