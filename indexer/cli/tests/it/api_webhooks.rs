//! Webhooks end to end: a real deployment, the real delivery worker, and a receiver that is a
//! real HTTP server recording what it gets.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering},
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
use cointent_config::{Config, TlsConfig, WebhookConfig};
use cointent_harness::TlsProxy;
use eyre::{Result, ensure};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::{
    common::{dev, pack},
    world::*,
};

/// One request the receiver got.
#[derive(Clone)]
pub(crate) struct Received {
    at: Instant,
    signature: String,
    pub(crate) event_id: String,
    body: Vec<u8>,
}

impl std::fmt::Debug for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.event_id, String::from_utf8_lossy(&self.body))
    }
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// A webhook receiver on a free local port, recording every request (shared with the
/// Shop's tests).
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// The status to answer.
    status: Arc<AtomicU16>,
    /// How long to wait before answering.
    delay_ms: Arc<AtomicU64>,
    /// Requests being answered now, and the most there were at once.
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
}

impl Receiver {
    /// Binds on 127.0.0.1:0; the receiver and its URL.
    pub(crate) async fn start() -> Result<(Self, String)> {
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

    pub(crate) fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived.
    pub(crate) async fn wait_for(&self, n: usize) -> Result<Vec<Received>> {
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
    let now = r.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    r.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(r.delay_ms.load(Ordering::SeqCst))).await;
    r.in_flight.fetch_sub(1, Ordering::SeqCst);
    axum::http::StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap()
}

/// A world whose webhooks may go to loopback receivers (the test's), and whose final block
/// is its head minus the finality depth (anvil's `finalized` tag lags 64 blocks).
pub(crate) async fn local_world(chain_id: u64, adjust: impl FnOnce(&mut Config)) -> Result<World> {
    World::start_with(chain_id, |c| {
        c.webhooks.allow_private_targets = true;
        c.chains[0].use_finalized_tag = false;
        adjust(c);
    })
    .await
}

/// Worker settings for loopback receivers, retrying after 100 ms.
pub(crate) fn local() -> WebhookConfig {
    WebhookConfig { backoff_ms: 100, allow_private_targets: true, ..Default::default() }
}

/// The delivery worker over `world`'s chain, stopped when the sender drops.
pub(crate) fn worker(world: &World, hooks: WebhookConfig) -> watch::Sender<bool> {
    spawn_worker(world, hooks).0
}

/// The delivery worker and its task (aborting it is a worker dying mid-send).
fn spawn_worker(
    world: &World,
    hooks: WebhookConfig,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<Result<()>>) {
    spawn_worker_trusting(world, hooks, TlsConfig::default())
}

/// As [`spawn_worker`], trusting `tls`'s certificates for https receivers.
fn spawn_worker_trusting(
    world: &World,
    hooks: WebhookConfig,
    tls: TlsConfig,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<Result<()>>) {
    let config = Config {
        database: Default::default(),
        http: Default::default(),
        webhooks: hooks,
        telemetry: Default::default(),
        walletconnect: Default::default(),
        tls,
        chains: vec![world.config.clone()],
    };
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(webhooks::run_worker(world.pool.clone(), Arc::new(config), rx));
    (stop, task)
}

/// A key with the webhooks scope.
pub(crate) async fn key(world: &World) -> Result<String> {
    let scopes = ["read".to_string(), "webhooks".to_string()];
    Ok(keys::create_key(&world.pool, "partner", &scopes, 10_000).await?.1)
}

pub(crate) async fn register(world: &World, key: &str, body: Value) -> Result<Value> {
    let (status, created) = world.post_json("/v1/webhooks", &body, &[("x-api-key", key)]).await?;
    ensure!(status == 201, "create webhook: {status} {created}");
    Ok(created)
}

/// Waits until the worker's cursor for the world's chain reaches its final block.
pub(crate) async fn scanned(world: &World) -> Result<()> {
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
    let world = local_world(42250, |_| {}).await?;
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
    let _stop = worker(&world, local());
    let _stop_too = worker(&world, local());
    scanned(&world).await?;

    let terms = world.sale_terms(seller, B256::repeat_byte(7)).await?;
    let id = world.create_order(seller, &terms).await?;
    world.fund(1, 5_000_000).await?; // two blocks: mint, approve
    let pledge = Escrow::pledgeCall {
        orderId: id,
        terms: pack(&terms),
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
            Escrow::pledgeCall {
                orderId: id,
                terms: pack(&terms),
                units: U256::from(1),
                promoter: dev(5),
            },
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
    let world = local_world(42251, |_| {}).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    receiver.status.store(500, Ordering::SeqCst);
    let created = register(&world, &key, json!({"url": url, "events": ["order.created"]})).await?;
    let hook = created["id"].as_i64().unwrap();
    let backoff = 300;
    let _stop = worker(
        &world,
        WebhookConfig { max_attempts: 3, backoff_ms: backoff, timeout_ms: 2_000, ..local() },
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
    let world = local_world(42252, |_| {}).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    register(&world, &key, json!({"url": url, "events": ["order.created"]})).await?;
    let _stop = worker(&world, local());
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
    // The packed terms as emitted, and unpacked.
    let data = &got[0].json()["data"];
    assert_eq!(data["terms"], pack(&terms).to_string());
    assert_eq!(data["termsUnpacked"]["metadata_hash"], format!("{:#x}", B256::repeat_byte(2)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_funded_order_is_sent_as_order_funded_to_hooks_for_its_id() -> Result<()> {
    let world = local_world(42253, |_| {}).await?;
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
    let _stop = worker(&world, local());
    scanned(&world).await?;

    world.fund(1, 10_000_000).await?;
    for order in [id, other] {
        let pledge = Escrow::pledgeCall {
            orderId: order,
            terms: pack(&terms),
            units: U256::from(3),
            promoter: alloy::primitives::Address::ZERO,
        };
        world.call(1, "escrow", pledge).await?;
    }
    world.warp(3_601).await?;
    world.call(0, "escrow", Escrow::finalizeCall { orderId: id, terms: pack(&terms) }).await?;
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

/// Escrow v2's endings reach partners: a ruling (upheld, ending the order), a refund sent
/// to another address, and an expiry, each with the figures the chain has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rulings_refunds_and_expiries_are_sent_as_the_chain_has_them() -> Result<()> {
    use cointent_abi::EscrowLens;
    let world = local_world(42270, |_| {}).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    let events = ["dispute.ruled", "order.expired", "order.refunded"];
    register(&world, &key, json!({"url": url, "events": events})).await?;
    let _stop = worker(&world, local());
    let (seller, backer, late_backer, arbiter, elsewhere) = (4, 1, 2, 6, 3);

    // Two orders funded by one backer each; the first is delivered and disputed.
    let terms = world.sale_terms(seller, B256::repeat_byte(4)).await?;
    let (disputed, expiring) =
        (world.create_order(seller, &terms).await?, world.create_order(seller, &terms).await?);
    let p = pack(&terms);
    world.fund(backer, 10_000_000).await?;
    world.fund(late_backer, 10_000_000).await?;
    for (order, who) in [(disputed, backer), (expiring, late_backer)] {
        let pledge = Escrow::pledgeCall {
            orderId: order,
            terms: p.clone(),
            units: U256::from(2),
            promoter: alloy::primitives::Address::ZERO,
        };
        world.call(who, "escrow", pledge).await?;
    }
    world.warp(3_601).await?;
    for order in [disputed, expiring] {
        world.call(0, "escrow", Escrow::finalizeCall { orderId: order, terms: p.clone() }).await?;
    }
    let deliver =
        Escrow::deliverMilestoneCall { orderId: disputed, terms: p.clone(), proofHash: B256::ZERO };
    world.call(seller, "escrow", deliver).await?;
    let bond =
        world.lens(EscrowLens::disputeBondCall { orderId: disputed, terms: p.clone() }).await?;
    world
        .call(
            backer,
            "escrow",
            Escrow::disputeCall {
                orderId: disputed,
                terms: p.clone(),
                reason: "The wool is thinner than promised.".into(),
            },
        )
        .await?;
    // The arbiter releases a quarter and ends the order; the backer takes the rest elsewhere.
    let rule = Escrow::ruleCall {
        orderId: disputed,
        terms: p.clone(),
        releaseAmount: U256::from(500_000),
        endOrder: true,
    };
    world.call(arbiter, "escrow", rule).await?;
    let released =
        world.lens(EscrowLens::releasedOfCall { orderId: disputed, terms: p.clone() }).await?;
    let refundable =
        EscrowLens::refundableCall { orderId: disputed, terms: p.clone(), backer: dev(backer) };
    let refundable = world.lens(refundable).await?;
    let refund = Escrow::refundCall {
        orderId: disputed,
        terms: p.clone(),
        backer: dev(backer),
        to: dev(elsewhere),
    };
    world.call(backer, "escrow", refund).await?;
    // The other order's milestone is never delivered: anyone ends it after its deadline.
    let deadline = EscrowLens::deadlineOfCall { orderId: expiring, terms: p.clone() };
    let deadline = world.lens(deadline).await?.to::<u64>();
    world.warp(deadline - world.now().await?).await?;
    world.call(0, "escrow", Escrow::expireCall { orderId: expiring, terms: p.clone() }).await?;
    world.mine(2).await?;
    let got = receiver.wait_for(3).await?;
    scanned(&world).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), 3, "each event once: {:?}", receiver.got());

    let bodies: Vec<Value> = got.iter().map(Received::json).collect();
    let of = |kind: &str| bodies.iter().find(|b| b["type"] == kind).cloned().unwrap_or_default();
    let ruled = of("dispute.ruled");
    assert_eq!(ruled["order_id"], disputed.to_string());
    let d = &ruled["data"];
    assert_eq!(d["released"], "500000");
    assert_eq!(d["withheld"], (U256::from(2_000_000) - U256::from(500_000)).to_string());
    assert_eq!(d["totalReleased"], released.to_string());
    assert_eq!((d["upheld"].as_bool(), d["byDefault"].as_bool()), (Some(true), Some(false)));
    assert_eq!(d["ended"], true);
    assert_eq!(
        (&d["bondTo"], &d["bond"]),
        (&json!(format!("{:#x}", dev(backer))), &json!(bond.to_string()))
    );
    let refunded = of("order.refunded");
    assert_eq!(refunded["order_id"], disputed.to_string());
    assert_eq!(refunded["data"]["backer"], format!("{:#x}", dev(backer)));
    assert_eq!(refunded["data"]["to"], format!("{:#x}", dev(elsewhere)));
    assert_eq!(refunded["data"]["amount"], refundable.to_string());
    let expired = of("order.expired");
    assert_eq!(expired["order_id"], expiring.to_string());
    assert_eq!(expired["data"]["milestone"], "0");
    let nothing =
        world.lens(EscrowLens::releasedOfCall { orderId: expiring, terms: p.clone() }).await?;
    assert_eq!(expired["data"]["totalReleased"], nothing.to_string());
    // The mirror agrees: the order expired, the other was resolved.
    let (_, order) = world.get(&format!("/v1/orders/42270/{expiring}")).await?;
    assert_eq!(order["status"], "Expired");
    let (_, order) = world.get(&format!("/v1/orders/42270/{disputed}")).await?;
    assert_eq!(
        (order["status"].as_str(), order["refunded"].as_str()),
        (Some("Resolved"), Some(&*refundable.to_string()))
    );
    assert_eq!(order["disputes"][0]["outcome"], "Ended");
    Ok(())
}

// ---- issue 14: no SSRF, isolation, at most once, the mirror's final block

/// Waits until delivery `hook`'s single delivery is no longer pending; the delivery.
async fn settled(world: &World, key: &str, hook: i64) -> Result<Value> {
    let path = format!("/v1/webhooks/{hook}/deliveries");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, log) = world.get_with(&path, &[("x-api-key", key)]).await?;
        let d = log["items"][0].clone();
        if d["status"] == "failed" || d["status"] == "delivered" {
            return Ok(d);
        }
        ensure!(Instant::now() < deadline, "still pending: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_targets_must_be_public_http_addresses() -> Result<()> {
    // The default configuration: receivers must be public.
    let world = World::start(42254).await?;
    let key = key(&world).await?;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://172.16.3.4/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",
        "http://127.0.0.1:5432/",
        "http://127.1/",
        "http://0.0.0.0/",
        "http://0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[::7f00:1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[ff02::1]/",
        "http://localhost/",
        "http://LOCALHOST./hook",
        "http://shop.localhost/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://017700000001/",
        "http://0x7f.1/",
        "http://partner:secret@1.1.1.1/hook",
    ] {
        let body = json!({"url": url, "events": ["order.created"]});
        let (status, got) = world.post_json("/v1/webhooks", &body, &[("x-api-key", &key)]).await?;
        assert_eq!((status, got["error"]["field"].as_str()), (400, Some("url")), "{url}: {got}");
    }
    // https receivers are checked the same way.
    let body = json!({"url": "https://127.0.0.1/hook", "events": ["order.created"]});
    let (status, got) = world.post_json("/v1/webhooks", &body, &[("x-api-key", &key)]).await?;
    assert_eq!((status, got["error"]["field"].as_str()), (400, Some("url")), "{got}");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhooks").fetch_one(&world.pool).await?;
    assert_eq!(stored, 0);
    // A public address is fine, over http or https.
    register(&world, &key, json!({"url": "http://1.1.1.1/hook", "events": ["order.created"]}))
        .await?;
    register(&world, &key, json!({"url": "https://1.1.1.1/hook", "events": ["order.created"]}))
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_checks_the_target_again_and_logs_generic_errors() -> Result<()> {
    // Registered while loopback was allowed (as through DNS that answered a public address
    // then), delivered by a worker that does not allow it (the name now answers loopback).
    let world = local_world(42255, |_| {}).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    let rebound = register(&world, &key, json!({"url": url, "events": ["order.created"]})).await?;
    // A closed port, and a port that accepts and hangs up: a port scanner would like to
    // tell them apart.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
    let hangs_up = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hangs_up_at = hangs_up.local_addr()?;
    tokio::spawn(async move {
        while let Ok((socket, _)) = hangs_up.accept().await {
            drop(socket);
        }
    });
    let closed_hook = register(
        &world,
        &key,
        json!({"url": format!("http://{closed}/hook"), "events": ["order.created"]}),
    )
    .await?;
    let hangs_up_hook = register(
        &world,
        &key,
        json!({"url": format!("http://{hangs_up_at}/hook"), "events": ["order.created"]}),
    )
    .await?;
    let strict = worker(&world, WebhookConfig { max_attempts: 1, ..Default::default() });
    scanned(&world).await?;
    let terms = world.sale_terms(4, B256::repeat_byte(9)).await?;
    world.create_order(4, &terms).await?;
    world.mine(3).await?;
    let refused = settled(&world, &key, rebound["id"].as_i64().unwrap()).await?;
    assert_eq!(refused["status"], "failed", "{refused}");
    assert!(receiver.got().is_empty(), "the worker posted to loopback: {:?}", receiver.got());
    drop(strict);

    // The loopback ones, with loopback allowed: both fail, and the log says the same of both.
    let _local = worker(&world, WebhookConfig { max_attempts: 1, ..local() });
    let terms = world.sale_terms(4, B256::repeat_byte(10)).await?;
    world.create_order(4, &terms).await?;
    world.mine(3).await?;
    let a = settled(&world, &key, closed_hook["id"].as_i64().unwrap()).await?;
    let b = settled(&world, &key, hangs_up_hook["id"].as_i64().unwrap()).await?;
    let errors = [&refused, &a, &b].map(|d| d["last_error"].as_str().unwrap_or("").to_string());
    assert_eq!(errors[1], errors[2], "{a} {b}");
    for e in &errors {
        let lower = e.to_lowercase();
        assert!(!e.is_empty());
        for leak in ["refused", "closed", "reset", "error sending", "tcp", "os error", "127.0.0.1"]
        {
            assert!(!lower.contains(leak), "the log tells too much: {e}");
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_per_key_are_capped() -> Result<()> {
    let world = local_world(42256, |c| c.webhooks.max_per_key = 3).await?;
    let key = key(&world).await?;
    let body = json!({"url": "http://127.0.0.1:9/hook", "events": ["order.created"]});
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(register(&world, &key, body.clone()).await?["id"].as_i64().unwrap());
    }
    let (status, got) = world.post_json("/v1/webhooks", &body, &[("x-api-key", &key)]).await?;
    assert_eq!((status, got["error"]["code"].as_str()), (409, Some("conflict")), "{got}");
    assert!(got["error"]["message"].as_str().unwrap().contains('3'), "{got}");
    // Another key has its own allowance; deleting one makes room.
    let other = key_for(&world, "other").await?;
    register(&world, &other, body.clone()).await?;
    let deleted = world
        .http
        .delete(world.url(&format!("/v1/webhooks/{}", ids[0])))
        .header("x-api-key", &key)
        .send()
        .await?;
    assert_eq!(deleted.status(), 204);
    register(&world, &key, body.clone()).await?;
    // Concurrent registrations cannot pass the cap together.
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let request =
            world.http.post(world.url("/v1/webhooks")).header("x-api-key", &other).json(&body);
        racers.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    let statuses = racers.join_all().await;
    let created = statuses.iter().filter(|s| matches!(s, Ok(201))).count();
    assert_eq!(created, 2, "the other key had 1 of 3: {statuses:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_does_not_hold_up_other_partners() -> Result<()> {
    let world = local_world(42257, |c| c.webhooks.max_per_key = 100).await?;
    let (slow_key, fast_key) = (key(&world).await?, key_for(&world, "fast").await?);
    let (slow, slow_url) = Receiver::start().await?;
    slow.delay_ms.store(1_500, Ordering::SeqCst);
    let (fast, fast_url) = Receiver::start().await?;
    for _ in 0..40 {
        register(&world, &slow_key, json!({"url": slow_url, "events": ["order.created"]})).await?;
    }
    register(&world, &fast_key, json!({"url": fast_url, "events": ["order.created"]})).await?;
    let _stop = worker(&world, WebhookConfig { timeout_ms: 5_000, ..local() });
    scanned(&world).await?;
    let terms = world.sale_terms(4, B256::repeat_byte(11)).await?;
    world.create_order(4, &terms).await?;
    world.mine(3).await?;
    let first_slow = slow.wait_for(1).await?[0].at;
    let got = fast.wait_for(1).await?;
    let waited = got[0].at.saturating_duration_since(first_slow);
    assert!(waited < Duration::from_millis(700), "the fast receiver waited {waited:?}");
    slow.wait_for(40).await?;
    let most = slow.most_in_flight.load(Ordering::SeqCst);
    assert!(most <= 4, "{most} requests at once to one receiver");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_posted_at_most_once_even_late_answered_or_across_a_restart() -> Result<()> {
    let world = local_world(42258, |_| {}).await?;
    let key = key(&world).await?;
    // A receiver that answers after the worker stopped waiting may have handled the event:
    // it is not sent again.
    let (late, late_url) = Receiver::start().await?;
    late.delay_ms.store(1_500, Ordering::SeqCst);
    let hook =
        register(&world, &key, json!({"url": late_url, "events": ["order.created"]})).await?;
    let stop = worker(&world, WebhookConfig { timeout_ms: 500, max_attempts: 5, ..local() });
    scanned(&world).await?;
    let terms = world.sale_terms(4, B256::repeat_byte(12)).await?;
    world.create_order(4, &terms).await?;
    world.mine(3).await?;
    late.wait_for(1).await?;
    let delivery = settled(&world, &key, hook["id"].as_i64().unwrap()).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(late.got().len(), 1, "posted again: {:?}", late.got());
    assert_eq!(
        (delivery["status"].as_str(), delivery["attempts"].as_i64()),
        (Some("failed"), Some(1))
    );
    drop(stop);
    world
        .http
        .delete(world.url(&format!("/v1/webhooks/{}", hook["id"])))
        .header("x-api-key", &key)
        .send()
        .await?;

    // A worker that dies while its POST is out: the next worker does not post it again.
    let (slow, slow_url) = Receiver::start().await?;
    slow.delay_ms.store(800, Ordering::SeqCst);
    register(&world, &key, json!({"url": slow_url, "events": ["order.created"]})).await?;
    let (_stop, dying) = spawn_worker(&world, WebhookConfig { timeout_ms: 1_000, ..local() });
    let terms = world.sale_terms(4, B256::repeat_byte(13)).await?;
    world.create_order(4, &terms).await?;
    world.mine(3).await?;
    slow.wait_for(1).await?;
    dying.abort();
    let _next = worker(&world, WebhookConfig { timeout_ms: 1_000, ..local() });
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(slow.got().len(), 1, "posted again after the restart: {:?}", slow.got());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_wait_for_the_mirrors_final_block() -> Result<()> {
    // anvil's `finalized` block is 64 behind its head; the mirror follows it (and depth 2).
    let world = World::start_with(42259, |c| c.webhooks.allow_private_targets = true).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    register(&world, &key, json!({"url": url, "events": ["order.created"]})).await?;
    let _stop = worker(&world, local());
    world.mine(70).await?;
    world.sync().await?;
    let terms = world.sale_terms(4, B256::repeat_byte(14)).await?;
    world.create_order(4, &terms).await?;
    let created = world.chain.head().await?.0 as i64;
    world.mine(5).await?;
    world.sync().await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let final_block: i64 =
        sqlx::query_scalar("SELECT final_block FROM chains").fetch_one(&world.pool).await?;
    assert!(final_block < created, "the mirror holds block {created} final already");
    assert!(
        receiver.got().is_empty(),
        "sent before the mirror's final block: {:?}",
        receiver.got()
    );
    world.mine(64).await?;
    world.sync().await?;
    let got = receiver.wait_for(1).await?;
    assert_eq!(got[0].json()["block_number"], created);
    let final_block: i64 =
        sqlx::query_scalar("SELECT final_block FROM chains").fetch_one(&world.pool).await?;
    assert!(final_block >= created);
    Ok(())
}

/// An https receiver, behind a self-signed certificate the worker trusts through
/// `tls.extra_ca_files`, gets its events signed as over http; one whose certificate the
/// worker does not trust gets nothing (no TLS handshake completes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_receivers_get_their_events_over_verified_tls() -> Result<()> {
    let world = local_world(42259, |_| {}).await?;
    let key = key(&world).await?;
    let (receiver, url) = Receiver::start().await?;
    let trusted = TlsProxy::start(&url).await?;
    let (stranger, stranger_url) = Receiver::start().await?;
    let untrusted = TlsProxy::start(&stranger_url).await?;
    let created =
        register(&world, &key, json!({"url": trusted.url("/hook"), "events": ["order.created"]}))
            .await?;
    register(&world, &key, json!({"url": untrusted.url("/hook"), "events": ["order.created"]}))
        .await?;
    let dir = tempfile::tempdir()?;
    let tls = TlsConfig { extra_ca_files: vec![trusted.write_cert(dir.path())?] };
    let (_stop, _task) = spawn_worker_trusting(&world, local(), tls);
    scanned(&world).await?;

    let seller = 3;
    let terms = world.sale_terms(seller, B256::repeat_byte(9)).await?;
    let id = world.create_order(seller, &terms).await?;
    world.mine(3).await?;
    let got = receiver.wait_for(1).await?;
    let event = got[0].json();
    assert_eq!(
        (event["type"].as_str(), event["order_id"].as_str()),
        (Some("order.created"), Some(id.to_string().as_str()))
    );
    let secret = created["secret"].as_str().unwrap();
    assert!(webhooks::verify_signature(
        secret,
        &got[0].signature,
        &got[0].body,
        Duration::from_secs(300)
    ));
    assert!(trusted.handshakes() >= 1);
    // Retries of the untrusted receiver never get through the handshake.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!((untrusted.handshakes(), stranger.got().len()), (0, 0));
    Ok(())
}
