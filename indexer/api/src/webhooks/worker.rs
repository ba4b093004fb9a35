//! The delivery worker: final events become deliveries, deliveries become signed POSTs.
//!
//! Each claimed delivery is posted on a task of its own (a [`JoinSet`] the worker owns, so a
//! worker that stops or dies takes its posts with it): the worker claims only as many as it
//! has free slots (`webhooks.concurrency`), and storage hands out at most
//! `webhooks.per_host_concurrency` per receiver, so nothing waits behind a slow receiver but
//! that receiver's own deliveries.

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use cointent_config::{Config, TlsConfig, WebhookConfig};
use cointent_domain::{
    DateTime,
    webhooks::{WebhookEvent, WebhookEventType},
};
use cointent_storage::read::webhooks::{self as store, Attempt, DueDelivery, FinalEvent, Hook};
use serde_json::Value;
use sqlx::PgPool;
use tokio::{sync::watch, task::JoinSet};

use super::{
    signature::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign},
    target,
};

/// How often the worker looks for final events and due deliveries.
const TICK: Duration = Duration::from_millis(100);
/// The most blocks matched in one transaction.
const SCAN_BLOCKS: i64 = 2_000;
/// What the delivery log says when no answer came: the same whether the receiver refused
/// the connection, hung up, was too slow, or was not an allowed address, so the log is no
/// port scanner.
const NO_ANSWER: &str = "no answer from the receiver";
/// How long past its attempt's timeout a `sending` delivery may wait for its outcome before
/// its worker counts as dead.
const GRACE: Duration = Duration::from_secs(30);

/// Matches final events to webhooks and delivers them until `stop` turns true; then waits
/// for the posts in flight (each bounded by `webhooks.timeout_ms`).
pub async fn run_worker(
    pool: PgPool,
    config: Arc<Config>,
    mut stop: watch::Receiver<bool>,
) -> eyre::Result<()> {
    let hooks = &config.webhooks;
    let client = client(hooks, &config.tls)?;
    let stale = (Duration::from_millis(hooks.timeout_ms) * 2 + GRACE).as_secs_f64();
    let mut posts: JoinSet<()> = JoinSet::new();
    let mut scanned = None::<Instant>;
    loop {
        if scanned.is_none_or(|at| at.elapsed() >= TICK) {
            for chain in &config.chains {
                if let Err(e) = scan(&pool, chain.chain_id as i64).await {
                    tracing::warn!(chain = chain.chain_id, error = %e, "webhook scan failed");
                }
            }
            match store::recover_interrupted(&pool, stale, NO_ANSWER).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(n, "deliveries of a worker that died mid-post: failed"),
                Err(e) => tracing::warn!(error = %e, "could not look for interrupted deliveries"),
            }
            scanned = Some(Instant::now());
        }
        while posts.try_join_next().is_some() {}
        let free = (hooks.concurrency as usize).saturating_sub(posts.len());
        if free > 0 {
            let per_host = i64::from(hooks.per_host_concurrency);
            match store::claim_due(&pool, free as i64, per_host).await {
                Ok(due) => {
                    for d in due {
                        posts.spawn(deliver(pool.clone(), config.clone(), client.clone(), d));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not claim webhook deliveries"),
            }
        }
        let stopping = tokio::select! {
            _ = tokio::time::sleep(TICK) => false,
            // A slot came free: claim again at once.
            Some(_) = posts.join_next(), if !posts.is_empty() => false,
            _ = stop.wait_for(|s| *s) => true,
        };
        if stopping {
            while posts.join_next().await.is_some() {}
            return Ok(());
        }
    }
}

/// The delivery client: no redirects, no proxy, short timeouts, a resolver that answers
/// only allowed addresses (see `target`), and for https receivers the bundled roots plus
/// `tls.extra_ca_files`.
fn client(hooks: &WebhookConfig, tls: &TlsConfig) -> eyre::Result<reqwest::Client> {
    let connect = Duration::from_millis(hooks.connect_timeout_ms);
    let resolver =
        target::Resolver { allow_private: hooks.allow_private_targets, timeout: connect };
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls.client_config()?)
        .timeout(Duration::from_millis(hooks.timeout_ms))
        .connect_timeout(connect)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(resolver)
        .pool_max_idle_per_host(hooks.per_host_concurrency as usize)
        .user_agent("cointent-webhooks/1")
        .build()?)
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The receiver answered this status.
    Answered(u16),
    /// Nothing reached the receiver (no connection, or an address not allowed): retry.
    NotSent,
    /// Connected, but no answer came in time or the connection broke: the receiver may have
    /// the event, so it is not posted again.
    NoAnswer,
    /// The webhook was deleted: not posted.
    Deleted,
}

/// Posts one claimed delivery and records the outcome.
async fn deliver(pool: PgPool, config: Arc<Config>, client: reqwest::Client, d: DueDelivery) {
    let hooks = &config.webhooks;
    let outcome = if d.deleted { Outcome::Deleted } else { post(&client, hooks, &d).await };
    let attempts = d.attempts + 1;
    let out_of_attempts = attempts >= hooks.max_attempts as i32;
    let (status, code, error) = match outcome {
        Outcome::Answered(code) if (200..300).contains(&code) => ("delivered", Some(code), None),
        Outcome::Answered(code) => {
            let retry = if out_of_attempts { "failed" } else { "pending" };
            (retry, Some(code), Some(format!("the receiver answered {code}")))
        }
        Outcome::NotSent if !out_of_attempts => ("pending", None, Some(NO_ANSWER.to_string())),
        Outcome::NotSent | Outcome::NoAnswer => ("failed", None, Some(NO_ANSWER.to_string())),
        Outcome::Deleted => ("failed", None, Some("the webhook was deleted".to_string())),
    };
    // Retry after backoff_ms, doubling with each failed attempt.
    let shift = (attempts - 1).clamp(0, 30) as u32;
    let delay_ms = hooks.backoff_ms.saturating_mul(1u64 << shift);
    let attempt = Attempt {
        id: d.id,
        attempts,
        status_code: code.map(i32::from),
        error: error.as_deref(),
        status,
        retry_in_secs: delay_ms as f64 / 1000.0,
    };
    // The outcome must not be lost to a passing database error: a delivery left `sending`
    // is failed later without being posted again, so retry the write a few times.
    for wait in [0, 100, 400, 1_600, 6_400] {
        tokio::time::sleep(Duration::from_millis(wait)).await;
        match store::record_attempt(&pool, &attempt).await {
            Ok(_) => {
                tracing::debug!(delivery = d.id, attempts, status, ?outcome, "webhook attempt");
                return;
            }
            Err(e) => tracing::warn!(delivery = d.id, error = %e, "could not record an attempt"),
        }
    }
}

/// One POST of `d`.
async fn post(client: &reqwest::Client, hooks: &WebhookConfig, d: &DueDelivery) -> Outcome {
    let Ok(url) = reqwest::Url::parse(&d.url) else { return Outcome::NotSent };
    // A name is checked by the client's resolver as it connects; a literal address here.
    if !target::literal_allowed(&url, hooks.allow_private_targets) {
        tracing::debug!(delivery = d.id, "webhook target not allowed");
        return Outcome::NotSent;
    }
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |x| x.as_secs());
    let result = client
        .post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, sign(&d.secret, t, d.payload.as_bytes()))
        .header(EVENT_ID_HEADER, &d.event_id)
        .body(d.payload.clone())
        .send()
        .await;
    match result {
        Ok(r) => Outcome::Answered(r.status().as_u16()),
        Err(e) => {
            // The details stay in the operator's log.
            tracing::debug!(delivery = d.id, error = %error_chain(&e), "webhook attempt failed");
            if e.is_connect() || e.is_builder() { Outcome::NotSent } else { Outcome::NoAnswer }
        }
    }
}

/// The webhook type of an Escrow event or a Shop purchase (`final_events` reads no other),
/// if it has one. The body's `data` is the event's arguments (`OrderCreated`'s terms packed,
/// as emitted, and unpacked as `termsUnpacked`).
fn event_type(event: &str, args: &Value) -> Option<WebhookEventType> {
    Some(match event {
        "OrderCreated" => WebhookEventType::OrderCreated,
        "Pledged" => WebhookEventType::OrderPledged,
        // Status 1 is Active: the goal was met.
        "Finalized" if args["status"].as_str() == Some("1") => WebhookEventType::OrderFunded,
        "MilestoneApproved" => WebhookEventType::MilestoneApproved,
        "MilestoneReleased" => WebhookEventType::MilestoneReleased,
        "Disputed" => WebhookEventType::OrderDisputed,
        "DisputeRuled" => WebhookEventType::DisputeRuled,
        "Expired" => WebhookEventType::OrderExpired,
        "Refunded" => WebhookEventType::OrderRefunded,
        "Purchased" => WebhookEventType::ListingPurchased,
        _ => return None,
    })
}

/// The body POSTed for event `e` of `chain`, as the exact JSON text signed and stored.
fn payload(chain: i64, e: &FinalEvent, kind: WebhookEventType) -> Result<String, sqlx::Error> {
    let bad = |what: &str, why: String| sqlx::Error::Decode(format!("event {what}: {why}").into());
    let body = WebhookEvent {
        block_number: u64::try_from(e.block_number).map_err(|e| bad("block", e.to_string()))?,
        chain_id: u64::try_from(chain).map_err(|e| bad("chain", e.to_string()))?,
        created_at: DateTime::new_unchecked(e.created_at.clone()),
        data: match &e.args {
            Value::Object(args) => args.clone(),
            other => return Err(bad("args", format!("not an object: {other}"))),
        },
        id: format!("{chain}:{}:{}", e.block_number, e.log_index),
        order_id: e.order_id.parse().map_err(|x| bad("orderId", format!("{x}")))?,
        tx_hash: e.tx_hash.parse().map_err(|x| bad("tx_hash", format!("{x}")))?,
        event_type: kind,
    };
    serde_json::to_string(&body).map_err(|e| bad("body", e.to_string()))
}

/// Whether `hook` wants event `e` of `chain`, whose order names `accounts` (and, for a
/// purchase's order, the partner shop of its listing: `e.partner`).
fn wants(
    hook: &Hook,
    chain: i64,
    kind: WebhookEventType,
    e: &FinalEvent,
    accounts: &HashSet<&str>,
) -> bool {
    hook.events.iter().any(|t| t == kind.as_str())
        && hook.chain_id.is_none_or(|c| c == chain)
        && hook.order_ids.as_ref().is_none_or(|ids| ids.contains(&e.order_id))
        && hook
            .accounts
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| accounts.contains(a.as_str())))
        && hook
            .partners
            .as_ref()
            .is_none_or(|list| e.partner.as_ref().is_some_and(|p| list.contains(p)))
}

/// Matches the events of `chain` that became final since the cursor, in one transaction:
/// the deliveries and the cursor past them commit together.
#[tracing::instrument(skip(pool))]
async fn scan(pool: &PgPool, chain: i64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(start) = store::scan_start(&mut tx, chain).await? else {
        return Ok(());
    };
    if start.final_block <= start.cursor {
        return tx.commit().await;
    }
    // Lock the cursor until commit and read it again: concurrent workers match each range
    // once.
    let cursor = store::lock_cursor(&mut tx, chain).await?;
    if start.final_block <= cursor {
        return tx.commit().await;
    }
    let upto = start.final_block.min(cursor + SCAN_BLOCKS);
    let hooks = store::hooks_for(&mut tx, chain).await?;
    if !hooks.is_empty() {
        for e in &store::final_events(&mut tx, chain, cursor, upto).await? {
            let Some(kind) = event_type(&e.event, &e.args) else { continue };
            let event_id = format!("{chain}:{}:{}", e.block_number, e.log_index);
            let accounts: HashSet<&str> = e.accounts.iter().map(String::as_str).collect();
            let payload = payload(chain, e, kind)?;
            for hook in hooks.iter().filter(|h| wants(h, chain, kind, e, &accounts)) {
                store::insert_delivery(&mut tx, hook.id, &event_id, kind.as_str(), &payload)
                    .await?;
            }
        }
    }
    store::advance_cursor(&mut tx, chain, upto).await?;
    tx.commit().await
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn name(event: &str, args: &Value) -> Option<&'static str> {
        event_type(event, args).map(WebhookEventType::as_str)
    }

    #[test]
    fn only_funding_success_is_order_funded() {
        assert_eq!(name("Finalized", &json!({"status": "1"})), Some("order.funded"));
        assert_eq!(name("Finalized", &json!({"status": "2"})), None);
        assert_eq!(name("Pledged", &json!({})), Some("order.pledged"));
        assert_eq!(name("Unpledged", &json!({})), None);
        assert_eq!(name("Purchased", &json!({})), Some("listing.purchased"));
        assert_eq!(name("MilestoneApproved", &json!({})), Some("milestone.approved"));
    }

    #[test]
    fn a_partner_filter_takes_only_its_listings_purchases() {
        let event = |partner: Option<&str>| FinalEvent {
            block_number: 9,
            log_index: 0,
            tx_hash: format!("0x{}", "ab".repeat(32)),
            event: "MilestoneApproved".into(),
            args: json!({"orderId": "4"}),
            created_at: "2026-12-01T15:16:43Z".into(),
            order_id: "4".into(),
            accounts: vec![],
            partner: partner.map(str::to_string),
        };
        let shop = "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc";
        let hook = Hook {
            id: 1,
            events: vec!["milestone.approved".into()],
            chain_id: None,
            accounts: None,
            order_ids: None,
            partners: Some(vec![shop.into()]),
        };
        let kind = WebhookEventType::MilestoneApproved;
        let none = HashSet::new();
        assert!(wants(&hook, 1, kind, &event(Some(shop)), &none));
        assert!(!wants(
            &hook,
            1,
            kind,
            &event(Some("0x00000000000000000000000000000000000000b0")),
            &none
        ));
        assert!(!wants(&hook, 1, kind, &event(None), &none), "not a purchase of a listing of it");
        let any = Hook { partners: None, ..hook };
        assert!(wants(&any, 1, kind, &event(None), &none));
    }

    #[test]
    fn the_body_is_the_json_the_worker_always_signed() {
        let e = FinalEvent {
            block_number: 195,
            log_index: 2,
            tx_hash: format!("0x{}", "ab".repeat(32)),
            event: "Pledged".into(),
            args: json!({"orderId": "7", "backer": "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
                         "units": "2", "promoter": "0x0000000000000000000000000000000000000000"}),
            created_at: "2026-12-01T15:16:43Z".into(),
            order_id: "7".into(),
            accounts: vec![],
            partner: None,
        };
        // What the worker wrote before the body had a type, byte for byte.
        let before = json!({
            "id": "31337:195:2",
            "type": "order.pledged",
            "chain_id": 31337_i64,
            "order_id": e.order_id,
            "block_number": e.block_number,
            "tx_hash": e.tx_hash,
            "data": e.args,
            "created_at": e.created_at,
        })
        .to_string();
        assert_eq!(payload(31337, &e, WebhookEventType::OrderPledged).unwrap(), before);
    }
}
