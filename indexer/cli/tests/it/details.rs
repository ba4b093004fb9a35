//! Order details kept ready (issue 15): what `order_details` holds, and what the API
//! serves from it, equals the detail computed from the mirror after orders are created, a
//! pledge lands, and a reorg takes the pledge back.

use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use cointent_abi::Escrow;
use cointent_storage::read::{details, orders};
use eyre::{ContextCompat, Result, ensure};
use serde_json::Value;

use crate::{common::*, world::World};

const CHAIN: u64 = 42511;

/// Waits until every order has its detail kept.
async fn settled(w: &World) -> Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (orders, kept): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_details)",
        )
        .fetch_one(&w.pool)
        .await?;
        if orders > 0 && kept == orders {
            return Ok(());
        }
        ensure!(tokio::time::Instant::now() < deadline, "{kept} of {orders} details kept");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The kept detail of order `id`, the one computed from the mirror now, and the API's
/// answer: all three equal. Returns the answer.
async fn kept_as_computed(w: &World, id: u64) -> Result<Value> {
    let (chain, id) = (CHAIN as i64, id.to_string());
    let kept = details::get(&w.pool, chain, &id).await?.context("no kept detail")?;
    let kept: Value = serde_json::from_slice(&kept)?;
    let record = orders::record(&w.pool, chain, &id).await?.context("no record")?;
    let computed = serde_json::to_value(details::detail(record, CHAIN, Some(&w.config)))?;
    ensure!(kept == computed, "order {id}: kept {kept:#}\ncomputed {computed:#}");
    let (status, served) = w.get(&format!("/v1/orders/{CHAIN}/{id}")).await?;
    ensure!(status == 200 && served == computed, "order {id}: served {status} {served:#}");
    Ok(served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_details_follow_pledges_and_reorgs() -> Result<()> {
    let w = World::start(CHAIN).await?;
    let terms = w.sale_terms(4, B256::repeat_byte(7)).await?;
    for _ in 0..2 {
        w.create_order(4, &terms).await?;
    }
    w.sync().await?;
    settled(&w).await?;
    for id in [1, 2] {
        let d = kept_as_computed(&w, id).await?;
        ensure!(d["units_pledged"] == 0, "{d}");
    }

    // A pledge: its order's detail is computed again with the commit.
    w.fund(1, 10_000_000).await?;
    let pledge = Escrow::pledgeCall {
        orderId: U256::from(1),
        terms: pack(&terms),
        units: U256::from(2),
        promoter: Address::ZERO,
    };
    w.call(1, "escrow", pledge).await?;
    w.sync().await?;
    settled(&w).await?;
    let d = kept_as_computed(&w, 1).await?;
    ensure!(d["units_pledged"] == 2 && d["pledges"].as_array().map(Vec::len) == Some(1), "{d}");
    kept_as_computed(&w, 2).await?;

    // The block with the pledge reorganised away (an empty block instead): the rollback
    // forgets the detail, and the writer keeps it again without the pledge.
    reorg(&w.chain.provider, 1, &[]).await?;
    w.mine(1).await?;
    w.sync().await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        settled(&w).await?;
        match kept_as_computed(&w, 1).await {
            Ok(d) if d["units_pledged"] == 0 => break,
            other => ensure!(tokio::time::Instant::now() < deadline, "after the reorg: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kept_as_computed(&w, 2).await?;
    Ok(())
}

/// `cointent index --until-caught-up` exits with every order's detail kept, so the first
/// reads after a backfill are served from them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_until_caught_up_exits_with_every_detail_kept() -> Result<()> {
    let w = World::start(CHAIN + 1).await?;
    let terms = w.sale_terms(4, B256::repeat_byte(9)).await?;
    // More orders than a commit keeps ready (the rest are filled while the writer waits).
    for _ in 0..300 {
        w.create_order(4, &terms).await?;
    }
    let (url, pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let file = config_toml(dir.path(), &format!("url = \"{url}\""), &w.config, "")?;
    let mut indexer = Indexer::spawn(&file, &["index", "--until-caught-up"])?;
    let status = indexer.wait(120).await?;
    ensure!(status.success(), "{}", indexer.log());
    let (orders, kept): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_details)",
    )
    .fetch_one(&pool)
    .await?;
    ensure!(orders == 300 && kept == 300, "orders {orders}, kept details {kept}");
    Ok(())
}
