//! The delivery worker: final events become deliveries, deliveries become signed POSTs.

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use cointent_config::Config;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::watch;

use crate::sql::rfc3339_sql;

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

/// The webhook type of an escrow event, if it has one.
fn event_type(event: &str, args: &Value) -> Option<&'static str> {
    Some(match event {
        "OrderCreated" => "order.created",
        "Pledged" => "order.pledged",
        // Status 1 is Active: the goal was met.
        "Finalized" if args["status"].as_str() == Some("1") => "order.funded",
        "MilestoneReleased" => "milestone.released",
        "Disputed" => "order.disputed",
        "Refunded" => "order.refunded",
        _ => return None,
    })
}

#[derive(sqlx::FromRow)]
struct Hook {
    id: i64,
    events: Vec<String>,
    chain_id: Option<i64>,
    accounts: Option<Vec<String>>,
    order_ids: Option<Vec<String>>,
}

#[derive(sqlx::FromRow)]
struct FinalEvent {
    block_number: i64,
    log_index: i32,
    tx_hash: String,
    event: String,
    args: Value,
    created_at: String,
    order_id: String,
    accounts: Vec<String>,
}

/// Matches the events of `chain` that became final since the cursor, in one transaction.
#[tracing::instrument(skip(pool))]
async fn scan(pool: &PgPool, chain: i64, depth: i64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(checkpoint): Option<i64> =
        sqlx::query_scalar("SELECT checkpoint_block FROM chains WHERE chain_id = $1")
            .bind(chain)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(());
    };
    let final_block = checkpoint - depth;
    // The first time a chain is seen, start at its final block: webhooks are for events
    // from now on, not for the chain's whole history.
    sqlx::query(
        "INSERT INTO webhook_cursors (chain_id, block_number) VALUES ($1, $2)
         ON CONFLICT (chain_id) DO NOTHING",
    )
    .bind(chain)
    .bind(final_block.max(0))
    .execute(&mut *tx)
    .await?;
    let cursor: i64 =
        sqlx::query_scalar("SELECT block_number FROM webhook_cursors WHERE chain_id = $1")
            .bind(chain)
            .fetch_one(&mut *tx)
            .await?;
    if final_block <= cursor {
        return tx.commit().await;
    }
    // Lock the cursor until commit and read it again: concurrent workers match each range
    // once.
    let cursor: i64 = sqlx::query_scalar(
        "SELECT block_number FROM webhook_cursors WHERE chain_id = $1 FOR UPDATE",
    )
    .bind(chain)
    .fetch_one(&mut *tx)
    .await?;
    if final_block <= cursor {
        return tx.commit().await;
    }
    let upto = final_block.min(cursor + SCAN_BLOCKS);
    let hooks: Vec<Hook> = sqlx::query_as(
        "SELECT w.id, w.events, w.chain_id, w.accounts, w.order_ids
         FROM webhooks w JOIN api_keys k ON k.id = w.api_key_id
         WHERE w.deleted_at IS NULL AND k.revoked_at IS NULL
           AND (w.chain_id IS NULL OR w.chain_id = $1)",
    )
    .bind(chain)
    .fetch_all(&mut *tx)
    .await?;
    if !hooks.is_empty() {
        let sql = format!(
            "SELECT e.block_number, e.log_index, e.tx_hash, e.event, e.args,
                    {} AS created_at, e.args ->> 'orderId' AS order_id,
                    ARRAY(
                        SELECT lower(a) FROM (
                            SELECT o.seller AS a
                            UNION SELECT s ->> 'recipient'
                                  FROM jsonb_array_elements(coalesce(o.terms -> 'splits', '[]')) s
                            UNION SELECT p.backer FROM pledges p
                                  WHERE p.chain_id = e.chain_id AND p.order_id = o.order_id
                            UNION SELECT p.promoter FROM pledges p
                                  WHERE p.chain_id = e.chain_id AND p.order_id = o.order_id
                            UNION SELECT e.args ->> 'backer'
                            UNION SELECT e.args ->> 'promoter'
                            UNION SELECT e.args ->> 'seller'
                        ) x WHERE a IS NOT NULL
                    ) AS accounts
             FROM events e
             LEFT JOIN orders o
                    ON o.chain_id = e.chain_id AND o.order_id = (e.args ->> 'orderId')::NUMERIC
             WHERE e.chain_id = $1 AND e.block_number > $2 AND e.block_number <= $3
               AND e.contract = 'escrow'
               AND e.event IN ('OrderCreated', 'Pledged', 'Finalized', 'MilestoneReleased',
                               'Disputed', 'Refunded')
             ORDER BY e.block_number, e.log_index",
            rfc3339_sql("e.block_time")
        );
        let events: Vec<FinalEvent> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(chain)
            .bind(cursor)
            .bind(upto)
            .fetch_all(&mut *tx)
            .await?;
        for e in &events {
            let Some(kind) = event_type(&e.event, &e.args) else { continue };
            let event_id = format!("{chain}:{}:{}", e.block_number, e.log_index);
            let accounts: HashSet<&str> = e.accounts.iter().map(String::as_str).collect();
            let payload = json!({
                "id": event_id,
                "type": kind,
                "chain_id": chain,
                "order_id": e.order_id,
                "block_number": e.block_number,
                "tx_hash": e.tx_hash,
                "data": e.args,
                "created_at": e.created_at,
            })
            .to_string();
            for hook in &hooks {
                let wanted = hook.events.iter().any(|t| t == kind)
                    && hook.chain_id.is_none_or(|c| c == chain)
                    && hook.order_ids.as_ref().is_none_or(|ids| ids.contains(&e.order_id))
                    && hook
                        .accounts
                        .as_ref()
                        .is_none_or(|list| list.iter().any(|a| accounts.contains(a.as_str())));
                if !wanted {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (webhook_id, event_id) DO NOTHING",
                )
                .bind(hook.id)
                .bind(&event_id)
                .bind(kind)
                .bind(&payload)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    sqlx::query("UPDATE webhook_cursors SET block_number = $2 WHERE chain_id = $1")
        .bind(chain)
        .bind(upto)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    attempts: i32,
    event_id: String,
    payload: String,
    url: String,
    secret: String,
    deleted: bool,
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
    let due: Vec<Due> = sqlx::query_as(
        "UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $1)
         FROM webhooks w
         WHERE w.id = d.webhook_id AND d.id IN (
             SELECT id FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= now()
             ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING d.id, d.attempts, d.event_id, d.payload, w.url, w.secret,
                   w.deleted_at IS NOT NULL AS deleted",
    )
    .bind(lease)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
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
        sqlx::query(
            "UPDATE webhook_deliveries
             SET attempts = $2, last_status_code = $3, last_error = $4, status = $5,
                 next_attempt_at = now() + make_interval(secs => $6),
                 delivered_at = CASE WHEN $5 = 'delivered' THEN now() END
             WHERE id = $1",
        )
        .bind(d.id)
        .bind(attempts)
        .bind(code.map(i32::from))
        .bind(error.as_deref())
        .bind(status)
        .bind(delay_ms as f64 / 1000.0)
        .execute(pool)
        .await?;
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

    #[test]
    fn only_funding_success_is_order_funded() {
        assert_eq!(event_type("Finalized", &json!({"status": "1"})), Some("order.funded"));
        assert_eq!(event_type("Finalized", &json!({"status": "2"})), None);
        assert_eq!(event_type("Pledged", &json!({})), Some("order.pledged"));
        assert_eq!(event_type("Unpledged", &json!({})), None);
    }
}
