//! A mirror you can trust (issue 13): each test reproduces one way the mirror used to part
//! from the chain, on a real anvil (through a fault-injecting proxy where the RPC must
//! misbehave), a real Postgres and, where processes matter, the real binary.

use std::{collections::BTreeMap, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use cointent_abi::{DemoStablecoin, Escrow, IEscrow::Terms};
use cointent_harness::RpcProxy;
use eyre::{ContextCompat, Result, ensure};
use sqlx::PgPool;

use crate::common::*;

const CHAIN: u64 = 31337;

async fn same_as_fresh(pool: &PgPool, chain: &Chain, config: cointent_config::ChainConfig) {
    let fresh = fresh_index(chain, config).await.expect("fresh re-index");
    let (got, want) = (
        snapshot(pool, CHAIN).await.expect("snapshot"),
        snapshot(&fresh, CHAIN).await.expect("snapshot"),
    );
    for (table, rows) in &want {
        assert_eq!(&got[table], rows, "table {table}: mirror vs fresh re-index");
    }
    fresh.close().await;
}

async fn sync(pool: &PgPool, chain: &Chain) -> Result<()> {
    let (n, h) = chain.head().await?;
    wait_for(pool, CHAIN, n, h).await
}

/// 1. The tip block was empty when its logs were asked for, and replaced by a block with a
/// mint before its header was: the mint must not be lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_depth_1_reorg_filling_an_empty_tip_loses_no_event() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    chain.mint(1, 5).await?;
    let proxy = RpcProxy::start(&chain.anvil.endpoint()).await?;
    let pool = fresh_db().await?;
    let mut config = chain.config("a");
    config.rpc_urls = vec![proxy.endpoint()];
    let running = Running::start(&pool, config);
    sync(&pool, &chain).await?;

    let mut held = proxy.hold_next("eth_getLogs");
    mine(&chain.provider, 1).await?;
    tokio::time::timeout(Duration::from_secs(30), held.reached()).await??;
    reorg(&chain.provider, 1, &[(7, chain.token, mint_input(2, 77))]).await?;
    held.release();
    chain.mint(3, 1).await?;
    sync(&pool, &chain).await?;

    assert_eq!(
        balances(&pool, CHAIN, chain.token).await?,
        BTreeMap::from([(dev(1), 5), (dev(2), 77), (dev(3), 1)])
    );
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    running.stop().await
}

/// 2. Stopped, the indexer misses a reorg of 3 blocks followed by 10 new ones: on resume the
/// replaced events go and the new ones come.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorg_while_the_indexer_was_away_is_rolled_back_on_resume() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    random_history(&chain, 12, 21).await?;
    let pool = fresh_db().await?;
    let mut config = chain.config("a");
    config.finality_depth = 4;
    let running = Running::start(&pool, config.clone());
    sync(&pool, &chain).await?;
    running.stop().await?;

    let token = chain.token;
    reorg(
        &chain.provider,
        3,
        &[(6, token, mint_input(4, 1_001)), (7, token, mint_input(4, 1_002))],
    )
    .await?;
    mine(&chain.provider, 10).await?;
    let running = Running::start(&pool, config.clone());
    sync(&pool, &chain).await?;
    same_as_fresh(&pool, &chain, config).await;
    running.stop().await
}

/// Random transfers, then a reorg of `depth` blocks replacing them with mints.
async fn transfers_then_reorg(chain: &Chain, rng: &mut Lcg, depth: u64, round: u64) -> Result<()> {
    for _ in 0..depth + 1 {
        chain
            .transfer(1 + rng.next(5) as usize, 1 + rng.next(5) as usize, 1 + rng.next(50))
            .await?;
    }
    let txs: Vec<_> = (0..depth.min(3))
        .map(|i| (6 + i as usize, chain.token, mint_input(4, 10 + i + 100 * round)))
        .collect();
    reorg(&chain.provider, depth, &txs).await
}

/// 3. Three indexers on one database (one direct, two behind slow RPCs, so their views of
/// the chain lag each other's), through reorgs, with one stopped and started again: the
/// mirror equals a fresh re-index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_indexers_on_one_database_keep_it_exact() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    random_history(&chain, 10, 31).await?;
    let (url, pool) = fresh_db_url().await?;
    let (slow, slower) = (
        RpcProxy::start(&chain.anvil.endpoint()).await?,
        RpcProxy::start(&chain.anvil.endpoint()).await?,
    );
    slow.faults(|f| f.delay = Duration::from_millis(7));
    slower.faults(|f| f.delay = Duration::from_millis(25));
    let config = chain.config("a");
    let mut configs = [config.clone(), config.clone(), config.clone()];
    configs[1].rpc_urls = vec![slow.endpoint()];
    configs[1].max_block_range = 1;
    configs[2].rpc_urls = vec![slower.endpoint()];
    let mut pools = Vec::new();
    for _ in 0..3 {
        pools.push(cointent_storage::db::connect(&url, 4).await?);
    }
    let mut running: Vec<Option<Running>> =
        (0..3).map(|i| Some(Running::start(&pools[i], configs[i].clone()))).collect();
    sync(&pool, &chain).await?;
    let mut rng = Lcg(32);
    for round in 0..16_u64 {
        if round % 5 == 4 {
            let i = rng.next(3) as usize;
            if let Some(r) = running[i].take() {
                r.stop().await?;
            }
            running[i] = Some(Running::start(&pools[i], configs[i].clone()));
        }
        let depth = 1 + rng.next(6);
        transfers_then_reorg(&chain, &mut rng, depth, round).await?;
        chain.mint(5, 1 + round).await?;
        sync(&pool, &chain).await?;
    }
    same_as_fresh(&pool, &chain, config).await;
    for r in running.into_iter().flatten() {
        r.stop().await?;
    }
    Ok(())
}

/// 3. A rollback by a process whose view is stale (another indexer has moved the checkpoint
/// since it looked) must change nothing: without a compare-and-set it set the checkpoint
/// above blocks never indexed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_from_a_stale_view_changes_nothing() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    random_history(&chain, 5, 33).await?;
    let pool = fresh_db().await?;
    let running = Running::start(&pool, chain.config("a"));
    sync(&pool, &chain).await?;
    running.stop().await?;
    let before = snapshot(&pool, CHAIN).await?;
    let checkpoint = checkpoint_of(&pool, CHAIN).await?.context("registered")?;
    let epoch: i64 = sqlx::query_scalar("SELECT epoch FROM chains WHERE chain_id = $1")
        .bind(CHAIN as i64)
        .fetch_one(&pool)
        .await?;
    use cointent_ingest::checkpoint::{Fenced, Writer, rollback};
    // A second indexer that believes the checkpoint is 5 blocks further, with a fork 3
    // blocks above the real checkpoint; and one whose epoch is over.
    let current = Writer { chain_id: CHAIN, epoch };
    let stale = rollback(&pool, current, checkpoint + 5, checkpoint as u64 + 3, true).await;
    assert!(stale.as_ref().is_err_and(|e| e.downcast_ref::<Fenced>().is_some()), "{stale:?}");
    let former = Writer { chain_id: CHAIN, epoch: epoch - 1 };
    let stale = rollback(&pool, former, checkpoint, checkpoint as u64 - 2, true).await;
    assert!(stale.as_ref().is_err_and(|e| e.downcast_ref::<Fenced>().is_some()), "{stale:?}");
    assert_eq!(checkpoint_of(&pool, CHAIN).await?, Some(checkpoint));
    assert_eq!(snapshot(&pool, CHAIN).await?, before);
    Ok(())
}

/// 3. A standby `cointent index` takes over within seconds when the leader is SIGKILLed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_takes_over_within_seconds_when_the_leader_is_killed() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    random_history(&chain, 5, 41).await?;
    let (url, pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let config = config_toml(dir.path(), &format!("url = \"{url}\""), &chain.config("a"), "")?;
    let mut leader = Indexer::spawn(&config, &["index"])?;
    sync(&pool, &chain).await?;
    let standby = Indexer::spawn(&config, &["index"])?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    leader.kill();
    chain.mint(2, 11).await?;
    let (n, h) = chain.head().await?;
    let started = std::time::Instant::now();
    wait_for(&pool, CHAIN, n, h).await?;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took over in {:?}; standby log:\n{}",
        started.elapsed(),
        standby.log()
    );
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    Ok(())
}

/// 3. With the embedded Postgres, a second process shares the first one's server; when the
/// first is SIGKILLed (its server goes with it) the second starts the server again and
/// carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_standby_outlives_the_process_that_started_the_server() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    random_history(&chain, 5, 42).await?;
    let dir = tempfile::tempdir()?;
    let port = cointent_harness::free_port()?;
    let data = dir.path().join("pg");
    let database = format!("data_dir = \"{}\"\nport = {port}", data.display());
    let config = config_toml(dir.path(), &database, &chain.config("a"), "")?;
    let mut first = Indexer::spawn(&config, &["index"])?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/cointent");
    let pool = connect_when_up(&url, 60).await?;
    sync(&pool, &chain).await?;
    let second = Indexer::spawn(&config, &["index"])?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.kill();
    pool.close().await;
    chain.mint(2, 12).await?;
    let pool = connect_when_up(&url, 30)
        .await
        .map_err(|e| eyre::eyre!("{e}; second process's log:\n{}", second.log()))?;
    let (n, h) = chain.head().await?;
    wait_for(&pool, CHAIN, n, h).await.map_err(|e| eyre::eyre!("{e}; log:\n{}", second.log()))?;
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    pool.close().await;
    Ok(())
}

async fn connect_when_up(url: &str, secs: u64) -> Result<PgPool> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match cointent_storage::db::connect(url, 2).await {
            Ok(pool) if checkpoint_of(&pool, CHAIN).await.is_ok() => return Ok(pool),
            Ok(_) => {}
            Err(e) if tokio::time::Instant::now() > deadline => {
                return Err(e.wrap_err(format!("no database at {url} after {secs} s")));
            }
            Err(_) => {}
        }
        ensure!(tokio::time::Instant::now() < deadline, "no mirror at {url} after {secs} s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// 4. An RPC lagging 10 blocks for 3 s is not a reorg: nothing is rolled back, nothing is
/// applied twice (it used to roll back to a block whose batch had left the undo window,
/// deleting its events without undoing them, and apply them again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_rpc_neither_rolls_back_nor_applies_anything_twice() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    let mut expected = random_history(&chain, 3, 51).await?;
    let proxy = RpcProxy::start(&chain.anvil.endpoint()).await?;
    let pool = fresh_db().await?;
    let mut config = chain.config("a");
    config.finality_depth = 4;
    config.rpc_urls = vec![proxy.endpoint()];
    let running = Running::start(&pool, config);
    sync(&pool, &chain).await?;
    // One block, one batch each, while the indexer follows the tip.
    let mut rng = Lcg(52);
    for _ in 0..12 {
        let (from, to, amount) =
            (1 + rng.next(5) as usize, 1 + rng.next(5) as usize, 1 + rng.next(9));
        chain.transfer(from, to, amount).await?;
        *expected.entry(dev(from)).or_default() -= amount;
        *expected.entry(dev(to)).or_default() += amount;
        sync(&pool, &chain).await?;
    }

    proxy.faults(|f| f.lag = 10);
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.heal();
    chain.transfer(1, 2, 3).await?;
    *expected.entry(dev(1)).or_default() -= 3;
    *expected.entry(dev(2)).or_default() += 3;
    sync(&pool, &chain).await?;
    assert_eq!(balances(&pool, CHAIN, chain.token).await?, expected);
    let reorgs: i64 = sqlx::query_scalar("SELECT reorgs FROM chains WHERE chain_id = $1")
        .bind(CHAIN as i64)
        .fetch_one(&pool)
        .await?;
    assert_eq!(reorgs, 0, "a lagging RPC is not a reorg");
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    running.stop().await
}

/// 5. A reorg below the block where the indexer started (the chain went back, then on)
/// used to panic with "attempt to subtract with overflow".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorg_below_where_the_indexer_started_does_not_panic() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    chain.mint(1, 10).await?;
    let snapshot_id: serde_json::Value =
        chain.provider.raw_request("evm_snapshot".into(), ()).await?;
    for i in 0..3 {
        chain.mint(2, 20 + i).await?;
    }
    let pool = fresh_db().await?;
    let running = Running::start(&pool, chain.config("a"));
    sync(&pool, &chain).await?;
    let reverted: bool = chain.provider.raw_request("evm_revert".into(), (snapshot_id,)).await?;
    assert!(reverted);
    chain.mint(3, 30).await?;
    sync(&pool, &chain).await?;
    assert_eq!(
        balances(&pool, CHAIN, chain.token).await?,
        BTreeMap::from([(dev(1), 10), (dev(3), 30)])
    );
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    running.stop().await
}

async fn get(url: &str) -> Result<(u16, String)> {
    let response = reqwest::get(url).await?;
    Ok((response.status().as_u16(), response.text().await?))
}

/// 6. A reorg deeper than what can be undone stops the chain loudly (status, `/ready`,
/// metric, log) and leaves the mirror as it was; `cointent reindex --chain` is the way out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorg_deeper_than_finality_stops_the_chain_loudly() -> Result<()> {
    // The chain's `finalized` block is 4 behind its head (2 slots an epoch).
    let chain = Chain::start_with(
        cointent_harness::Anvil::builder().chain_id(CHAIN).arg("--slots-in-an-epoch").arg("2"),
    )
    .await?;
    random_history(&chain, 14, 61).await?;
    let (url, pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let mut config = chain.config("a");
    config.finality_depth = 3;
    let (http, metrics_port) = (cointent_harness::free_port()?, cointent_harness::free_port()?);
    let database = format!(
        "url = \"{url}\"\n\n[http]\nbind = \"127.0.0.1:{http}\"\n\
         metrics_bind = \"127.0.0.1:{metrics_port}\""
    );
    let file = config_toml(dir.path(), &database, &config, "")?;
    let mut serve = Indexer::spawn(&file, &["serve"])?;
    sync(&pool, &chain).await?;
    let before = snapshot(&pool, CHAIN).await?;

    let txs: Vec<_> = (0..3).map(|i| (6 + i, chain.token, mint_input(4, 500 + i as u64))).collect();
    reorg(&chain.provider, 8, &txs).await?;
    let base = format!("http://127.0.0.1:{http}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let ready = loop {
        let ready = get(&format!("{base}/ready")).await?;
        if ready.0 == 503 && ready.1.contains("reindex") {
            break ready;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "/ready still says {ready:?}; log:\n{}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(ready.1.contains(&format!("{CHAIN}")), "{}", ready.1);
    let (_, metrics) = get(&format!("http://127.0.0.1:{metrics_port}/metrics")).await?;
    assert!(metrics.contains(&format!("cointent_chain_halted{{chain_id=\"{CHAIN}\"}} 1")));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cointent"))
        .args(["--config", file.to_str().unwrap_or_default(), "status", "--json"])
        .output()?;
    let status: serde_json::Value = serde_json::from_slice(&status.stdout)?;
    let reason = status[0]["halted"].as_str().unwrap_or_default();
    assert!(reason.contains("reindex --chain"), "status: {status}");
    assert!(serve.log().contains("reindex --chain"), "the log says the way out");
    // Nothing was half rolled back, nothing of the new branch was taken.
    mine(&chain.provider, 2).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(snapshot(&pool, CHAIN).await?, before);

    serve.kill();
    let mut reindex = Indexer::spawn(&file, &["reindex", "--chain", &CHAIN.to_string()])?;
    assert!(reindex.wait(60).await?.success(), "{}", reindex.log());
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    let halted: Option<String> =
        sqlx::query_scalar("SELECT halted FROM chains WHERE chain_id = $1")
            .bind(CHAIN as i64)
            .fetch_one(&pool)
            .await?;
    assert_eq!(halted, None);
    Ok(())
}

/// 6. With `on_deep_reorg = "reindex"`, the chain re-indexes itself from the fork point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_reorg_re_indexes_from_the_fork_when_configured() -> Result<()> {
    let chain = Chain::start_with(
        cointent_harness::Anvil::builder().chain_id(CHAIN).arg("--slots-in-an-epoch").arg("2"),
    )
    .await?;
    random_history(&chain, 14, 62).await?;
    let (url, pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let mut config = chain.config("a");
    config.finality_depth = 3;
    let file = config_toml(
        dir.path(),
        &format!("url = \"{url}\""),
        &config,
        "on_deep_reorg = \"reindex\"",
    )?;
    let indexer = Indexer::spawn(&file, &["index"])?;
    sync(&pool, &chain).await?;
    let txs: Vec<_> = (0..3).map(|i| (6 + i, chain.token, mint_input(4, 600 + i as u64))).collect();
    reorg(&chain.provider, 9, &txs).await?;
    chain.mint(5, 5).await?;
    sync(&pool, &chain).await.map_err(|e| eyre::eyre!("{e}; log:\n{}", indexer.log()))?;
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    Ok(())
}

/// 7. An RPC answering `[]` for ranges that have logs loses nothing: each block's logs
/// are checked against its `logsBloom`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rpc_answering_no_logs_for_blocks_with_logs_loses_nothing() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    let mut expected = random_history(&chain, 15, 71).await?;
    let proxy = RpcProxy::start(&chain.anvil.endpoint()).await?;
    proxy.faults(|f| f.empty_next_logs = 3);
    let pool = fresh_db().await?;
    let mut config = chain.config("a");
    config.rpc_urls = vec![proxy.endpoint()];
    let running = Running::start(&pool, config);
    sync(&pool, &chain).await?;
    proxy.faults(|f| f.empty_logs_per_mille = 500);
    let mut rng = Lcg(72);
    for _ in 0..10 {
        let (from, to, amount) =
            (1 + rng.next(5) as usize, 1 + rng.next(5) as usize, 1 + rng.next(9));
        chain.transfer(from, to, amount).await?;
        *expected.entry(dev(from)).or_default() -= amount;
        *expected.entry(dev(to)).or_default() += amount;
    }
    sync(&pool, &chain).await?;
    assert!(proxy.counts().emptied >= 3, "{:?}", proxy.counts());
    assert_eq!(balances(&pool, CHAIN, chain.token).await?, expected);
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    running.stop().await
}

/// 8. A contract address without code stops start-up with a message naming the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_address_without_code_stops_start_up_naming_it() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    let (url, _pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let mut config = chain.config("a");
    config.contracts.insert("token".into(), Address::repeat_byte(0xde));
    let file = config_toml(dir.path(), &format!("url = \"{url}\""), &config, "")?;
    let mut indexer = Indexer::spawn(&file, &["index", "--until-caught-up"])?;
    let status = indexer.wait(60).await?;
    let log = indexer.log();
    assert!(!status.success(), "started with a contract that has no code:\n{log}");
    assert!(log.contains("chains[0].contracts.token"), "{log}");
    assert!(log.contains("no code"), "{log}");
    Ok(())
}

/// Deploys another demo stablecoin; its address.
async fn another_token(chain: &Chain) -> Result<Address> {
    let nonce = chain.provider.get_transaction_count(dev(0)).latest().await?;
    let deploy = TransactionRequest::default()
        .with_from(dev(0))
        .with_deploy_code(artifact_bytecode("DemoStablecoin")?)
        .with_nonce(nonce);
    let receipt = chain.provider.send_transaction(deploy).await?.get_receipt().await?;
    receipt.contract_address.context("deployed")
}

/// 8. Adding a contract, or fixing an address, backfills it from its deployment, and the
/// events of an address no longer configured go: no manual re-index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixing_a_contract_address_backfills_it_from_its_deployment() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    random_history(&chain, 5, 81).await?;
    let (right, wrong) = (another_token(&chain).await?, another_token(&chain).await?);
    for (token, amount) in [(right, 700), (wrong, 800), (right, 701)] {
        send_and_wait(
            &chain.provider,
            0,
            token,
            DemoStablecoin::mintCall { to: dev(3), amount: U256::from(amount) }.abi_encode(),
        )
        .await?;
    }
    let pool = fresh_db().await?;
    let mut config = chain.config("a");
    config.contracts.insert("token".into(), wrong);
    let running = Running::start(&pool, config.clone());
    sync(&pool, &chain).await?;
    running.stop().await?;
    assert_eq!(balances(&pool, CHAIN, wrong).await?, BTreeMap::from([(dev(3), 800)]));

    config.contracts.insert("token".into(), right);
    let running = Running::start(&pool, config.clone());
    chain.mint(1, 1).await?;
    sync(&pool, &chain).await?;
    assert_eq!(balances(&pool, CHAIN, right).await?, BTreeMap::from([(dev(3), 1401)]));
    assert_eq!(balances(&pool, CHAIN, wrong).await?, BTreeMap::new());
    same_as_fresh(&pool, &chain, config).await;
    running.stop().await
}

/// 8. `cointent index` waits for an unreachable Postgres at start-up instead of exiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_waits_for_an_unreachable_postgres() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    random_history(&chain, 3, 82).await?;
    let dir = tempfile::tempdir()?;
    let port = cointent_harness::free_port()?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/mirror");
    let file = config_toml(dir.path(), &format!("url = \"{url}\""), &chain.config("a"), "")?;
    let mut indexer = Indexer::spawn(&file, &["index", "--until-caught-up"])?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(indexer.exited().is_none(), "exited without Postgres:\n{}", indexer.log());
    let pg = cointent_harness::Postgres::start_in(&dir.path().join("pg"), port)?;
    pg.ensure_database("mirror").await?;
    assert!(indexer.wait(60).await?.success(), "{}", indexer.log());
    let pool = cointent_storage::db::connect(&url, 2).await?;
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    pool.close().await;
    Ok(())
}

/// 9. When a projection fails, the error says why (the database's own message), not only
/// which projection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_projection_names_the_database_error() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    let escrow = deploy_escrow(&chain).await?.escrow;
    let now = chain
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .context("latest")?
        .header
        .timestamp;
    let terms = Terms {
        seller: dev(4),
        token: chain.token,
        unitPrice: alloy::primitives::Uint::from(1_000_000_u64),
        minUnits: 1,
        maxUnits: 10,
        fundingDeadline: alloy::primitives::Uint::from(now + 3600),
        reviewPeriod: DAY as u32,
        rulingPeriod: DAY as u32,
        promoterBps: 0,
        feeBps: 100,
        bondBps: 500,
        soleBuyer: Address::ZERO,
        arbiter: dev(6),
        metadataHash: B256::ZERO,
        milestones: milestones(&[10_000]),
        splits: vec![],
    };
    let create = Escrow::createOrderCall { terms: pack(&terms) };
    send_and_wait(&chain.provider, 4, escrow, create.abi_encode()).await?;

    let (url, pool) = fresh_db_url().await?;
    // A row left behind by some earlier mistake: the order's projection cannot insert.
    sqlx::query(
        "INSERT INTO orders (chain_id, order_id, seller, token, terms_packed, terms, unit_price,
             min_units, max_units, funding_deadline, fee_bps, promoter_bps, sole_buyer, arbiter,
             metadata_hash, milestone_count, kind, created_block, created_block_hash, created_tx,
             created_log_index, created_at, updated_block)
         VALUES ($1, 1, '', '', '', '{}', 0, 0, 0, now(), 0, 0, '', '', '', 1, 'sale', 0, '', '',
                 0, now(), 0)",
    )
    .bind(CHAIN as i64)
    .execute(&pool)
    .await?;
    let dir = tempfile::tempdir()?;
    let mut config = chain.config("a");
    config.contracts.insert("escrow".into(), escrow);
    let file = config_toml(dir.path(), &format!("url = \"{url}\""), &config, "")?;
    let indexer = Indexer::spawn(&file, &["index"])?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !indexer.log().contains("projection orders") {
        ensure!(tokio::time::Instant::now() < deadline, "no failure logged:\n{}", indexer.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = indexer.log();
    assert!(log.contains("duplicate key value violates unique constraint"), "{log}");
    assert!(log.contains("orders_pkey"), "{log}");
    Ok(())
}

/// 7. With `check_rpc_url`, a batch waits until a second RPC has the same block: a second
/// RPC serving another chain (same id, other blocks) holds every batch back, one serving
/// the same chain lets them through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_rpc_that_disagrees_holds_batches_back() -> Result<()> {
    let chain = Chain::start(CHAIN).await?;
    let other = Chain::start(CHAIN).await?;
    random_history(&chain, 4, 91).await?;
    random_history(&other, 4, 92).await?;
    let pool = fresh_db().await?;
    let metrics = std::sync::Arc::new(cointent_ingest::Metrics::default());
    let mut config = chain.config("a");
    config.check_rpc_url = Some(other.anvil.endpoint());
    let running = Running::start_with(&pool, config.clone(), metrics.clone());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while metrics.chain(CHAIN).rpc_inconsistencies.get() < 3 {
        ensure!(tokio::time::Instant::now() < deadline, "the RPCs' disagreement went unnoticed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let checkpoint = checkpoint_of(&pool, CHAIN).await?;
    assert_eq!(checkpoint, Some(chain.deploy_block as i64 - 1), "nothing committed");
    running.stop().await?;

    let proxy = RpcProxy::start(&chain.anvil.endpoint()).await?;
    config.check_rpc_url = Some(proxy.endpoint());
    let running = Running::start(&pool, config.clone());
    sync(&pool, &chain).await?;
    same_as_fresh(&pool, &chain, chain.config("a")).await;
    running.stop().await
}
