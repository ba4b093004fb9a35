//! The delivery worker: final events become deliveries, deliveries become signed POSTs.

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use cointent_config::Config;
use cointent_domain::{
    DateTime,
    webhooks::{WebhookEvent, WebhookEventType},
};
use cointent_storage::read::webhooks::{self as store, Attempt, FinalEvent, Hook};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::watch;

use super::signature::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign};

/// How often the worker looks for final events and due deliveries.
const TICK: Duration = Duration::from_millis(100);
/// The most blocks matched in one transaction.
const SCAN_BLOCKS: i64 = 2_000;
/// The most deliveries sent at once.
const BATCH: i64 = 32;

/// Matches final events to webhooks and delivers them until `stop` turns true.
pub async fn run_worker(
    pool: PgPool,
    config: Arc<Config>,
    mut stop: watch::Receiver<bool>,
) -> eyre::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(config.webhooks.timeout_ms))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("cointent-webhooks/1")
        .build()?;
    loop {
        for chain in &config.chains {
            if let Err(e) = scan(&pool, chain.chain_id as i64, chain.finality_depth as i64).await {
                tracing::warn!(chain = chain.chain_id, error = %e, "webhook scan failed");
            }
        }
        if let Err(e) = deliver_due(&pool, &config, &client).await {
            tracing::warn!(error = %e, "webhook delivery round failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.wait_for(|s| *s) => return Ok(()),
        }
    }
}

/// The webhook type of an escrow event, if it has one. The body's `data` is the event's
/// arguments (`OrderCreated`'s terms packed, as emitted, and unpacked as `termsUnpacked`).
fn event_type(event: &str, args: &Value) -> Option<WebhookEventType> {
    Some(match event {
        "OrderCreated" => WebhookEventType::OrderCreated,
        "Pledged" => WebhookEventType::OrderPledged,
        // Status 1 is Active: the goal was met.
        "Finalized" if args["status"].as_str() == Some("1") => WebhookEventType::OrderFunded,
        "MilestoneReleased" => WebhookEventType::MilestoneReleased,
        "Disputed" => WebhookEventType::OrderDisputed,
        "DisputeRuled" => WebhookEventType::DisputeRuled,
        "Expired" => WebhookEventType::OrderExpired,
        "Refunded" => WebhookEventType::OrderRefunded,
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

/// Whether `hook` wants event `e` of `chain`, whose order names `accounts`.
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
}

/// Matches the events of `chain` that became final since the cursor, in one transaction:
/// the deliveries and the cursor past them commit together.
#[tracing::instrument(skip(pool))]
async fn scan(pool: &PgPool, chain: i64, depth: i64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(start) = store::scan_start(&mut tx, chain, depth).await? else {
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

/// Sends every due delivery once and records the outcome.
async fn deliver_due(
    pool: &PgPool,
    config: &Config,
    client: &reqwest::Client,
) -> Result<(), sqlx::Error> {
    // Claim a batch: pushing next_attempt_at past the timeout keeps other workers off it,
    // and a worker killed mid-send leaves it due again afterwards.
    let lease = (config.webhooks.timeout_ms as f64 / 1000.0) * 2.0 + 1.0;
    let due = store::claim_due(pool, lease, BATCH).await?;
    let sends = due.iter().map(|d| async move {
        if d.deleted {
            return (None, Some("the webhook was deleted".to_string()), true);
        }
        let t = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |x| x.as_secs());
        let result = client
            .post(&d.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, sign(&d.secret, t, d.payload.as_bytes()))
            .header(EVENT_ID_HEADER, &d.event_id)
            .body(d.payload.clone())
            .send()
            .await;
        match result {
            Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None, false),
            Ok(r) => {
                let code = r.status().as_u16();
                (Some(code), Some(format!("receiver answered {code}")), false)
            }
            Err(e) => (None, Some(error_chain(&e)), false),
        }
    });
    let outcomes = futures_util::future::join_all(sends).await;
    let max = config.webhooks.max_attempts as i32;
    for (d, (code, error, give_up)) in due.iter().zip(outcomes) {
        let attempts = d.attempts + 1;
        let status = match (&error, give_up || attempts >= max) {
            (None, _) => "delivered",
            (Some(_), true) => "failed",
            (Some(_), false) => "pending",
        };
        // Retry after backoff_ms, doubling with each failed attempt.
        let shift = (attempts - 1).clamp(0, 30) as u32;
        let delay_ms = config.webhooks.backoff_ms.saturating_mul(1u64 << shift);
        let attempt = Attempt {
            id: d.id,
            attempts,
            status_code: code.map(i32::from),
            error: error.as_deref(),
            status,
            retry_in_secs: delay_ms as f64 / 1000.0,
        };
        store::record_attempt(pool, &attempt).await?;
        tracing::debug!(delivery = d.id, attempts, status, "webhook attempt");
    }
    Ok(())
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
