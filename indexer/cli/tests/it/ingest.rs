use std::time::Duration;

use alloy::{primitives::U256, providers::Provider, sol_types::SolCall};
use cointent_abi::DemoStablecoin;
use eyre::{ContextCompat, Result};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_of_two_chains_equals_the_expected_projections() -> Result<()> {
    let (a, b) = (Chain::start(31337).await?, Chain::start(31338).await?);
    let expected_a = random_history(&a, 40, 1).await?;
    let expected_b = random_history(&b, 25, 2).await?;
    let pool = fresh_db().await?;
    let (ha, hb) = (a.head().await?, b.head().await?);
    let ra = Running::start(&pool, a.config("a"));
    let rb = Running::start(&pool, b.config("b"));
    wait_for(&pool, 31337, ha.0, ha.1).await?;
    wait_for(&pool, 31338, hb.0, hb.1).await?;
    assert_eq!(balances(&pool, 31337, a.token).await?, expected_a);
    assert_eq!(balances(&pool, 31338, b.token).await?, expected_b);
    let counts: Vec<(i64, i64)> =
        sqlx::query_as("SELECT chain_id, count(*) FROM events GROUP BY 1 ORDER BY 1")
            .fetch_all(&pool)
            .await?;
    // 5 mints and the transfers, one Transfer event each.
    assert_eq!(counts, [(31337, 45), (31338, 30)]);
    let supply: String =
        sqlx::query_scalar("SELECT supply::TEXT FROM token_supply WHERE chain_id = 31338")
            .fetch_one(&pool)
            .await?;
    assert_eq!(supply, "5000000");
    // Every column as the chain has it (the events enter Postgres by binary COPY).
    for (chain, id) in [(&a, 31337_i64), (&b, 31338)] {
        let filter = alloy::rpc::types::Filter::new().address(chain.token).from_block(0);
        let mut expected = Vec::new();
        for log in chain.provider.get_logs(&filter).await? {
            let number = log.block_number.context("block number")?;
            let block = chain.provider.get_block_by_number(number.into()).await?;
            let time = block.context("block")?.header.timestamp as i64;
            let value = U256::from_be_slice(&log.data().data[..32]).to_string();
            expected.push((
                number as i64,
                log.log_index.context("log index")? as i32,
                format!("{:#x}", log.block_hash.context("block hash")?),
                time,
                format!("{:#x}", log.transaction_hash.context("tx hash")?),
                format!("{:#x}", chain.token),
                value,
            ));
        }
        type Row = (i64, i32, String, i64, String, String, String);
        let stored: Vec<Row> = sqlx::query_as(
            "SELECT block_number, log_index, block_hash, extract(epoch FROM block_time)::BIGINT,
                    tx_hash, address, args->>'value'
             FROM events WHERE chain_id = $1 ORDER BY block_number, log_index",
        )
        .bind(id)
        .fetch_all(&pool)
        .await?;
        assert_eq!(stored, expected, "chain {id}: stored events vs the chain's logs");
    }
    ra.stop().await?;
    rb.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_events_appear_in_order_on_both_chains_at_once() -> Result<()> {
    let (a, b) = (Chain::start(31337).await?, Chain::start(31338).await?);
    let pool = fresh_db().await?;
    let ra = Running::start(&pool, a.config("a"));
    let rb = Running::start(&pool, b.config("b"));
    let ha = a.head().await?;
    wait_for(&pool, 31337, ha.0, ha.1).await?;
    for i in 0..10_u64 {
        a.mint(1, 100 + i).await?;
        b.mint(2, 200 + i).await?;
    }
    let (ha, hb) = (a.head().await?, b.head().await?);
    wait_for(&pool, 31337, ha.0, ha.1).await?;
    wait_for(&pool, 31338, hb.0, hb.1).await?;
    for (chain, base) in [(31337_i64, 100), (31338, 200)] {
        let values: Vec<String> = sqlx::query_scalar(
            "SELECT args->>'value' FROM events WHERE chain_id = $1 ORDER BY block_number, log_index",
        )
        .bind(chain)
        .fetch_all(&pool)
        .await?;
        let expected: Vec<String> = (0..10).map(|i| (base + i).to_string()).collect();
        assert_eq!(values, expected, "chain {chain}");
    }
    ra.stop().await?;
    rb.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_reorgs_of_depth_1_to_10_the_mirror_equals_a_fresh_reindex() -> Result<()> {
    let chain = Chain::start(31337).await?;
    random_history(&chain, 20, 3).await?;
    let pool = fresh_db().await?;
    let running = Running::start(&pool, chain.config("a"));
    let mut rng = Lcg(4);
    for round in 0..2_u64 {
        for depth in 1..=10_u64 {
            for _ in 0..depth + 2 {
                chain
                    .transfer(1 + rng.next(5) as usize, 1 + rng.next(5) as usize, 1 + rng.next(50))
                    .await?;
            }
            let (n, h) = chain.head().await?;
            wait_for(&pool, 31337, n, h).await?;

            // Replace the last `depth` blocks by blocks with other mints. They come from
            // accounts that sent nothing in the replaced blocks: anvil gives reorg
            // transactions the nonces of the old chain.
            let txs: Vec<serde_json::Value> = (0..depth.min(3))
                .map(|i| {
                    let amount = alloy::primitives::U256::from(7 + i + 100 * round);
                    let call = DemoStablecoin::mintCall { to: dev(4), amount };
                    serde_json::json!([{
                        "from": dev(6 + i as usize),
                        "to": chain.token,
                        "input": format!("0x{}", alloy::primitives::hex::encode(call.abi_encode())),
                    }, i])
                })
                .collect();
            let _: serde_json::Value =
                chain.provider.raw_request("anvil_reorg".into(), (depth, txs)).await?;
            chain.mint(5, 1 + depth).await?;
            let (n, h) = chain.head().await?;
            wait_for(&pool, 31337, n, h).await?;

            let fresh = fresh_index(&chain, chain.config("a")).await?;
            let got = snapshot(&pool, 31337).await?;
            let want = snapshot(&fresh, 31337).await?;
            for (table, rows) in &want {
                assert_eq!(
                    &got[table], rows,
                    "table {table} after a reorg of depth {depth} (round {round})"
                );
            }
            fresh.close().await;
        }
    }
    let reorgs: i64 = sqlx::query_scalar("SELECT reorgs FROM chains WHERE chain_id = 31337")
        .fetch_one(&pool)
        .await?;
    assert!(reorgs >= 20, "every reorg was noticed: {reorgs}");
    running.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_by_itself_when_the_rpc_goes_down_and_comes_back() -> Result<()> {
    let state = tempfile::tempdir()?;
    let port = cointent_harness::free_port()?;
    let builder = cointent_harness::Anvil::builder()
        .chain_id(31337)
        .port(port)
        .state(state.path().join("chain.json"));
    let chain = Chain::start_with(builder.clone()).await?;
    random_history(&chain, 5, 5).await?;
    let pool = fresh_db().await?;
    let running = Running::start(&pool, chain.config("a"));
    let (n, h) = chain.head().await?;
    wait_for(&pool, 31337, n, h).await?;

    let Chain { anvil, token, deploy_block, .. } = chain;
    drop(anvil); // the RPC is gone (its state saved)
    tokio::time::sleep(Duration::from_millis(800)).await;
    let anvil = builder.spawn()?;
    let chain = Chain { provider: connect(&anvil)?, anvil, token, deploy_block };
    chain.mint(3, 42).await?;
    let (n, h) = chain.head().await?;
    wait_for(&pool, 31337, n, h).await?;
    let fresh = fresh_index(&chain, chain.config("a")).await?;
    assert_eq!(snapshot(&pool, 31337).await?, snapshot(&fresh, 31337).await?);
    running.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_by_itself_when_postgres_restarts_under_it() -> Result<()> {
    let chain = Chain::start(31337).await?;
    let dir = tempfile::tempdir()?;
    let port = cointent_harness::free_port()?;
    let data = dir.path().join("pg");
    let pg = cointent_harness::Postgres::start_in(&data, port)?;
    let url = pg.ensure_database("mirror").await?;
    let pool = cointent_storage::db::connect(&url, 4).await?;
    cointent_storage::db::migrate(&pool).await?;
    let running = Running::start(&pool, chain.config("a"));
    chain.mint(1, 10).await?;
    let (n, h) = chain.head().await?;
    wait_for(&pool, 31337, n, h).await?;

    drop(pg); // Postgres stops; the indexer keeps trying
    for i in 0..5 {
        chain.mint(2, 100 + i).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pg = cointent_harness::Postgres::start_in(&data, port)?;
    let (n, h) = chain.head().await?;
    wait_for(&pool, 31337, n, h).await?;
    let fresh = fresh_index(&chain, chain.config("a")).await?;
    assert_eq!(snapshot(&pool, 31337).await?, snapshot(&fresh, 31337).await?);
    running.stop().await?;
    drop(pg);
    Ok(())
}

fn connect(anvil: &cointent_harness::Anvil) -> Result<alloy::providers::DynProvider> {
    use alloy::{
        network::EthereumWallet, providers::ProviderBuilder, signers::local::PrivateKeySigner,
    };
    let mut wallet = EthereumWallet::default();
    for key in cointent_harness::DEV_KEYS {
        wallet.register_signer(key.parse::<PrivateKeySigner>()?);
    }
    Ok(ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint().parse()?).erased())
}

#[tokio::test]
async fn every_projection_is_valid_sql() -> Result<()> {
    let pool = fresh_db().await?;
    for p in cointent_storage::projections::PROJECTIONS {
        let mut tx = pool.begin().await?;
        let r = sqlx::query(p.sql).bind(1_i64).bind(0_i64).bind(100_i64).execute(&mut *tx).await;
        assert!(r.is_ok(), "projection {}: {:?}", p.name, r.err());
        tx.rollback().await?;
    }
    Ok(())
}
