//! Webhooks end to end: a real deployment, the real delivery worker, and a receiver that is a
//! real HTTP server recording what it gets.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, U256},
    providers::Provider,
};
use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use cointent_abi::Escrow;
use cointent_api::{keys, webhooks};
use cointent_config::{Config, WebhookConfig};
use eyre::{Result, ensure};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::{common::dev, world::*};

/// One request the receiver got.
#[derive(Clone)]
struct Received {
    at: Instant,
    signature: String,
    event_id: String,
    body: Vec<u8>,
}

impl std::fmt::Debug for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.event_id, String::from_utf8_lossy(&self.body))
    }
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// The status to answer.
    status: Arc<AtomicU16>,
}

impl Receiver {
    /// Binds on 127.0.0.1:0; the receiver and its URL.
    async fn start() -> Result<(Self, String)> {
        let receiver = Self::default();
        receiver.status.store(200, Ordering::SeqCst);
        let app = Router::new().route("/hook", post(receive)).with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok((receiver, format!("http://{addr}/hook")))
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived.
    async fn wait_for(&self, n: usize) -> Result<Vec<Received>> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.got();
            if got.len() >= n {
                return Ok(got);
            }
            ensure!(Instant::now() < deadline, "only {} of {n} requests: {got:?}", got.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::http::StatusCode {
    let header = |name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    };
    r.got.lock().unwrap().push(Received {
        at: Instant::now(),
        signature: header("x-cointent-signature"),
        event_id: header("x-cointent-event-id"),
        body: body.to_vec(),
    });
    axum::http::StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap()
}

/// The delivery worker over `world`'s chain, stopped when the sender drops.
fn worker(world: &World, hooks: WebhookConfig) -> watch::Sender<bool> {
    let config = Config {
        database: Default::default(),
        http: Default::default(),
        webhooks: hooks,
        chains: vec![world.config.clone()],
    };
    let (stop, rx) = watch::channel(false);
    tokio::spawn(webhooks::run_worker(world.pool.clone(), Arc::new(config), rx));
    stop
}

/// A key with the webhooks scope.
async fn key(world: &World) -> Result<String> {
    let scopes = ["read".to_string(), "webhooks".to_string()];
    Ok(keys::create_key(&world.pool, "partner", &scopes, 10_000).await?.1)
}

async fn register(world: &World, key: &str, body: Value) -> Result<Value> {
    let (status, created) = world.post_json("/v1/webhooks", &body, &[("x-api-key", key)]).await?;
    ensure!(status == 201, "create webhook: {status} {created}");
    Ok(created)
}

/// Waits until the worker's cursor for the world's chain reaches its final block.
async fn scanned(world: &World) -> Result<()> {
    world.sync().await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done: Option<bool> = sqlx::query_scalar(
            "SELECT w.block_number >= c.checkpoint_block - 2
             FROM webhook_cursors w JOIN chains c USING (chain_id) WHERE chain_id = $1",
        )
        .bind(world.config.chain_id as i64)
        .fetch_optional(&world.pool)
        .await?;
        if done == Some(true) {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "the worker did not scan");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_managed_signed_and_sent_once_final() -> Result<()> {
    let world = World::start(42250).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;

    // Bad input names the field.
    for (body, field) in [
        (json!({"url": "ftp://x", "events": ["order.created"]}), "url"),
        (json!({"url": url, "events": ["order.shipped"]}), "events"),
        (json!({"url": url, "events": []}), "events"),
        (json!({"url": url, "events": ["order.created"], "chain_id": 1}), "chain_id"),
        (json!({"url": url, "events": ["order.created"], "accounts": ["0x12"]}), "accounts"),
        (json!({"url": url, "events": ["order.created"], "order_ids": ["x"]}), "order_ids"),
    ] {
        let (status, got) = world.post_json("/v1/webhooks", &body, &[("x-api-key", &key)]).await?;
        assert_eq!((status, got["error"]["field"].as_str()), (400, Some(field)), "{body}");
    }
    let body = json!({"url": url, "events": ["order.created"]});
    assert_eq!(world.post_json("/v1/webhooks", &body, &[]).await?.0, 401, "no key");

    let seller = 4;
    let created = register(
        &world,
        &key,
        json!({
            "url": url,
            "events": ["order.created", "order.pledged"],
            "chain_id": 42250,
            "accounts": [format!("{:#x}", dev(seller)).to_uppercase().replace("0X", "0x")]
        }),
    )
    .await?;
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["accounts"], json!([format!("{:#x}", dev(seller))]));
    // Not for this seller, and not for this event type: never called.
    let (other_receiver, other_url) = Receiver::start().await?;
    register(&world, &key, json!({"url": other_url, "events": ["order.created"], "accounts": [format!("{:#x}", dev(9))]}))
        .await?;
    register(&world, &key, json!({"url": other_url, "events": ["order.refunded"]})).await?;
    let (status, list) = world.get_with("/v1/webhooks", &[("x-api-key", &key)]).await?;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert!(list["items"][0].get("secret").is_none(), "the secret is shown once");

    // Two workers, as with two replicas: still each event once.
    let _stop = worker(&world, WebhookConfig { backoff_ms: 100, ..Default::default() });
    let _stop_too = worker(&world, WebhookConfig { backoff_ms: 100, ..Default::default() });
    scanned(&world).await?;

    let terms = world.sale_terms(seller, B256::repeat_byte(7)).await?;
    let id = world.create_order(seller, &terms).await?;
    world.fund(1, 5_000_000).await?; // two blocks: mint, approve
    let pledge = Escrow::pledgeCall {
        orderId: id,
        terms: terms.clone(),
        units: U256::from(2),
        promoter: dev(5),
    };
    world.call(1, "escrow", pledge).await?;
    // The order's block is 3 deep now (final at depth 2), the pledge's is the head.
    world.sync().await?;
    let got = receiver.wait_for(1).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.got().len(), 1, "the pledge is not final yet: {got:?}");
    world.mine(2).await?;
    let got = receiver.wait_for(2).await?;

    let created_event = got[0].json();
    assert_eq!(created_event["type"], "order.created");
    assert_eq!(created_event["chain_id"], 42250);
    assert_eq!(created_event["order_id"], id.to_string());
    assert_eq!(created_event["data"]["seller"], format!("{:#x}", dev(seller)));
    assert!(created_event["tx_hash"].as_str().unwrap().starts_with("0x"));
    assert!(created_event["created_at"].as_str().unwrap().ends_with('Z'));
    let event_id = created_event["id"].as_str().unwrap();
    assert_eq!(event_id, got[0].event_id);
    assert_eq!(
        event_id,
        format!("42250:{}:{}", created_event["block_number"], event_id.rsplit(':').next().unwrap())
    );
    let pledged = got[1].json();
    assert_eq!(
        (pledged["type"].as_str(), pledged["data"]["units"].as_str()),
        (Some("order.pledged"), Some("2"))
    );

    // The signature verifies; a tampered body or another secret does not.
    let tolerance = Duration::from_secs(300);
    for r in &got {
        assert!(webhooks::verify_signature(&secret, &r.signature, &r.body, tolerance), "{r:?}");
    }
    let mut tampered = got[0].body.clone();
    tampered[5] ^= 1;
    assert!(!webhooks::verify_signature(&secret, &got[0].signature, &tampered, tolerance));
    assert!(!webhooks::verify_signature("whsec_other", &got[0].signature, &got[0].body, tolerance));

    // Delivered once each, and logged.
    world.mine(3).await?;
    scanned(&world).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), 2, "each event once");
    assert!(other_receiver.got().is_empty(), "{:?}", other_receiver.got());
    let hook = created["id"].as_i64().unwrap();
    let (status, log) =
        world.get_with(&format!("/v1/webhooks/{hook}/deliveries"), &[("x-api-key", &key)]).await?;
    assert_eq!(status, 200, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for d in items {
        assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("delivered"), Some(1)));
        assert_eq!(d["last_status_code"], 200);
        assert!(d["next_attempt_at"].is_null() && d["delivered_at"].is_string());
    }

    // Another key sees none of it; deleting stops deliveries.
    let stranger = key_for(&world, "stranger").await?;
    let (status, _) = world
        .get_with(&format!("/v1/webhooks/{hook}/deliveries"), &[("x-api-key", &stranger)])
        .await?;
    assert_eq!(status, 404);
    let delete = |k: String| {
        world.http.delete(world.url(&format!("/v1/webhooks/{hook}"))).header("x-api-key", k).send()
    };
    assert_eq!(delete(stranger.clone()).await?.status(), 404);
    assert_eq!(delete(key.clone()).await?.status(), 204);
    assert_eq!(delete(key.clone()).await?.status(), 404);
    world
        .call(
            1,
            "escrow",
            Escrow::pledgeCall { orderId: id, terms, units: U256::from(1), promoter: dev(5) },
        )
        .await?;
    world.mine(3).await?;
    scanned(&world).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), 2, "deleted webhooks get nothing");
    Ok(())
}

async fn key_for(world: &World, name: &str) -> Result<String> {
    let scopes = ["webhooks".to_string()];
    Ok(keys::create_key(&world.pool, name, &scopes, 10_000).await?.1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_receivers_are_retried_with_backoff_then_failed_and_replayable() -> Result<()> {
    let world = World::start(42251).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    receiver.status.store(500, Ordering::SeqCst);
    let created = register(&world, &key, json!({"url": url, "events": ["order.created"]})).await?;
    let hook = created["id"].as_i64().unwrap();
    let backoff = 300;
    let _stop = worker(
        &world,
        WebhookConfig {
            max_attempts: 3,
            backoff_ms: backoff,
            timeout_ms: 2_000,
            ..Default::default()
        },
    );
    scanned(&world).await?;

    let terms = world.sale_terms(4, B256::repeat_byte(8)).await?;
    world.create_order(4, &terms).await?;
    world.mine(2).await?;
    let got = receiver.wait_for(3).await?;
    // Backoff: at least backoff_ms, then twice that (the worker ticks every 100 ms).
    let gaps: Vec<u128> = got.windows(2).map(|w| (w[1].at - w[0].at).as_millis()).collect();
    assert!(gaps[0] >= backoff as u128 && gaps[0] < 3 * backoff as u128, "{gaps:?}");
    assert!(gaps[1] >= 2 * backoff as u128 && gaps[1] < 5 * backoff as u128, "{gaps:?}");
    assert!(got.iter().all(|r| r.event_id == got[0].event_id));

    let path = format!("/v1/webhooks/{hook}/deliveries");
    let headers = [("x-api-key", key.as_str())];
    let deliveries = || world.get_with(&path, &headers);
    let deadline = Instant::now() + Duration::from_secs(10);
    let delivery = loop {
        let (_, log) = deliveries().await?;
        let d = log["items"][0].clone();
        if d["status"] == "failed" {
            break d;
        }
        ensure!(Instant::now() < deadline, "not failed: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["last_status_code"], 500);
    assert!(delivery["last_error"].as_str().unwrap().contains("500"));
    assert!(delivery["next_attempt_at"].is_null());
    tokio::time::sleep(Duration::from_millis(4 * backoff)).await;
    assert_eq!(receiver.got().len(), 3, "no attempt after max_attempts");

    // Replay: a new series of attempts, which succeeds now.
    receiver.status.store(204, Ordering::SeqCst);
    let id = delivery["id"].as_i64().unwrap();
    let (status, replayed) = world
        .post_json(
            &format!("/v1/webhooks/deliveries/{id}/replay"),
            &json!({}),
            &[("x-api-key", &key)],
        )
        .await?;
    assert_eq!(status, 202, "{replayed}");
    assert_eq!(
        (replayed["status"].as_str(), replayed["attempts"].as_i64()),
        (Some("pending"), Some(0))
    );
    let got = receiver.wait_for(4).await?;
    assert_eq!(got[3].event_id, got[0].event_id);
    assert_eq!(got[3].body, got[0].body, "the same event");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, log) = deliveries().await?;
        if log["items"][0]["status"] == "delivered" {
            assert_eq!(
                (
                    log["items"][0]["attempts"].as_i64(),
                    log["items"][0]["last_status_code"].as_i64()
                ),
                (Some(1), Some(204))
            );
            break;
        }
        ensure!(Instant::now() < deadline, "not delivered: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _) = world
        .post_json("/v1/webhooks/deliveries/999999/replay", &json!({}), &[("x-api-key", &key)])
        .await?;
    assert_eq!(status, 404);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_removed_by_a_reorg_are_never_sent() -> Result<()> {
    let world = World::start(42252).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    register(&world, &key, json!({"url": url, "events": ["order.created"]})).await?;
    let _stop = worker(&world, WebhookConfig { backoff_ms: 100, ..Default::default() });
    scanned(&world).await?;

    // An order is created and mirrored, then its block is replaced before it is final
    // (evm_revert drops the block and its transaction; the next blocks fork from its parent).
    let provider = &world.chain.provider;
    let snapshot: Value = provider.raw_request("evm_snapshot".into(), ()).await?;
    let terms = world.sale_terms(4, B256::repeat_byte(1)).await?;
    world.create_order(4, &terms).await?;
    world.sync().await?;
    let mirrored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&world.pool).await?;
    assert_eq!(mirrored, 1);
    // Time for a worker that ignored finality to send it.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reverted: bool = provider.raw_request("evm_revert".into(), (snapshot,)).await?;
    assert!(reverted);
    world.mine(4).await?;
    scanned(&world).await?;
    let (orders, created): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM events WHERE event = 'OrderCreated')",
    )
    .fetch_one(&world.pool)
    .await?;
    assert_eq!((orders, created), (0, 0), "the mirror dropped the order");
    let reorgs: i64 =
        sqlx::query_scalar("SELECT reorgs FROM chains").fetch_one(&world.pool).await?;
    assert!(reorgs >= 1, "the ingester saw the reorg");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.got().is_empty(), "{:?}", receiver.got());
    let deliveries: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries")
        .fetch_one(&world.pool)
        .await?;
    assert_eq!(deliveries, 0);

    // An order that stays is sent.
    let terms = world.sale_terms(4, B256::repeat_byte(2)).await?;
    world.create_order(4, &terms).await?;
    world.mine(2).await?;
    let got = receiver.wait_for(1).await?;
    assert_eq!(
        got[0].json()["data"]["terms"]["metadataHash"],
        format!("{:#x}", B256::repeat_byte(2))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_funded_order_is_sent_as_order_funded_to_hooks_for_its_id() -> Result<()> {
    let world = World::start(42253).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    let terms = world.sale_terms(4, B256::repeat_byte(3)).await?;
    let id = world.create_order(4, &terms).await?;
    let other = world.create_order(4, &terms).await?;
    register(
        &world,
        &key,
        json!({"url": url, "events": ["order.funded", "order.pledged"], "order_ids": [id.to_string()]}),
    )
    .await?;
    let _stop = worker(&world, WebhookConfig { backoff_ms: 100, ..Default::default() });
    scanned(&world).await?;

    world.fund(1, 10_000_000).await?;
    for order in [id, other] {
        let pledge = Escrow::pledgeCall {
            orderId: order,
            terms: terms.clone(),
            units: U256::from(3),
            promoter: alloy::primitives::Address::ZERO,
        };
        world.call(1, "escrow", pledge).await?;
    }
    world.warp(3_601).await?;
    world.call(0, "escrow", Escrow::finalizeCall { orderId: id, terms: terms.clone() }).await?;
    world.mine(2).await?;
    let got = receiver.wait_for(2).await?;
    scanned(&world).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_all = receiver.got();
    assert_eq!(got_all.len(), 2, "only order {id}'s pledge and funding: {got_all:?}");
    // Sent in one round, so in any order.
    let mut bodies: Vec<Value> = got.iter().map(Received::json).collect();
    bodies.sort_by_key(|b| b["block_number"].as_i64());
    let (pledged, funded) = (&bodies[0], &bodies[1]);
    assert_eq!(
        (pledged["type"].as_str(), pledged["order_id"].as_str()),
        (Some("order.pledged"), Some(&*id.to_string()))
    );
    assert_eq!(funded["type"], "order.funded");
    assert_eq!(
        (funded["data"]["status"].as_str(), funded["data"]["units"].as_str()),
        (Some("1"), Some("3"))
    );
    Ok(())
}
