//! Signed webhooks for partners (see `indexer/openapi/webhooks.json`).
//!
//! A partner's API key with the `webhooks` scope registers URLs for event types, optionally
//! narrowed to a chain, to accounts (matched against the order's seller, split recipients,
//! backers and promoters) and to order ids. [`run_worker`] (spawned by `cointent serve`):
//! - scans each chain's mirrored events only up to its final block (`checkpoint_block -
//!   finality_depth`), from a cursor of its own in Postgres, so an event a reorg removes is
//!   never sent; a webhook receives the events that become final after it was created;
//! - inserts one delivery per (webhook, event), unique, in the same transaction as the
//!   cursor: each event is delivered at most once per webhook, whatever the restarts;
//! - POSTs due deliveries with the signature header, retrying failures after
//!   `webhooks.backoff_ms`, doubling each time, until `webhooks.max_attempts`, then marks
//!   them failed. Several workers may run: deliveries are claimed with `SKIP LOCKED`.
//!
//! The signature: `X-Cointent-Signature: t=<unix seconds>,v1=<hex hmac_sha256(secret,
//! "<t>.<body>")>`; receivers check it with the scheme of [`verify_signature`].
//!
//! Delivery uses reqwest built without TLS: `https://` receivers need reqwest's TLS feature
//! in this build (until then their attempts fail with the connection error).

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::IntoResponse,
    routing::{delete, get, post},
};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::PgPool;
use tokio::sync::watch;

use super::{
    ApiError, ApiJson, ApiPath, ApiQuery, ApiResult,
    auth::{random_hex, rfc3339_sql},
    keys::ApiKey,
    page::{Page, PageQuery},
};
use crate::{config::Config, http::AppState};

/// The event types a webhook may subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "order.created",
    "order.pledged",
    "order.funded",
    "milestone.released",
    "order.disputed",
    "order.refunded",
];

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Cointent-Signature";
/// The event id header (`chain:block:log`), for receivers' de-duplication.
pub const EVENT_ID_HEADER: &str = "X-Cointent-Event-Id";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, t: u64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header's value for `body` signed at unix time `t`.
pub fn sign(secret: &str, t: u64, body: &[u8]) -> String {
    let tag = mac(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", alloy::hex::encode(tag))
}

/// Checks a signature header against `body`: its `t` within `tolerance` of now and one of
/// its `v1` tags equal (in constant time) to hmac_sha256(secret, "<t>.<body>").
pub fn verify_signature(secret: &str, header: &str, body: &[u8], tolerance: Duration) -> bool {
    let mut t = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<u64>().ok(),
            Some(("v1", v)) => tags.extend(alloy::hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if now.abs_diff(t) > tolerance.as_secs() {
        return false;
    }
    tags.iter().any(|tag| mac(secret, t, body).verify_slice(tag).is_ok())
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", post(create).get(list))
        .route("/webhooks/{id}", delete(remove))
        .route("/webhooks/{id}/deliveries", get(deliveries))
        .route("/webhooks/deliveries/{id}/replay", post(replay))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateIn {
    url: String,
    events: Vec<String>,
    chain_id: Option<i64>,
    accounts: Option<Vec<String>>,
    order_ids: Option<Vec<String>>,
}

#[derive(Serialize, sqlx::FromRow)]
struct WebhookOut {
    id: i64,
    url: String,
    events: Vec<String>,
    chain_id: Option<i64>,
    accounts: Option<Vec<String>>,
    order_ids: Option<Vec<String>>,
    created_at: String,
}

#[derive(Serialize)]
struct CreatedOut {
    #[serde(flatten)]
    webhook: WebhookOut,
    secret: String,
}

/// The webhook columns selected from `from` (`webhooks ...` or a CTE).
fn webhook_sql(from: &str) -> String {
    format!(
        "SELECT id, url, events, chain_id, accounts, order_ids, {} AS created_at FROM {from}",
        rfc3339_sql("created_at")
    )
}

fn check_url(url: &str) -> ApiResult<()> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.and_then(|r| r.split(['/', '?', '#']).next()).unwrap_or_default();
    if host.is_empty() || url.len() > 2048 || url.contains(char::is_whitespace) {
        return Err(ApiError::bad("url", "must be an http:// or https:// URL"));
    }
    Ok(())
}

async fn create(
    State(s): State<AppState>,
    key: ApiKey,
    ApiJson(input): ApiJson<CreateIn>,
) -> ApiResult<impl IntoResponse> {
    key.require("webhooks")?;
    check_url(&input.url)?;
    let mut events: Vec<String> = Vec::new();
    for event in &input.events {
        if !EVENT_TYPES.contains(&event.as_str()) {
            let known = EVENT_TYPES.join(", ");
            return Err(ApiError::bad("events", format!("unknown type {event:?}; one of {known}")));
        }
        if !events.contains(event) {
            events.push(event.clone());
        }
    }
    if events.is_empty() {
        return Err(ApiError::bad("events", "give at least one event type"));
    }
    if let Some(chain) = input.chain_id
        && !s.config.chains.iter().any(|c| c.chain_id as i64 == chain)
    {
        return Err(ApiError::bad("chain_id", format!("chain {chain} is not indexed here")));
    }
    let accounts = match input.accounts {
        Some(list) if list.len() > 100 => return Err(ApiError::bad("accounts", "at most 100")),
        Some(list) => Some(
            list.iter().map(|a| super::address("accounts", a)).collect::<ApiResult<Vec<_>>>()?,
        ),
        None => None,
    };
    let order_ids = match input.order_ids {
        Some(list) if list.len() > 100 => return Err(ApiError::bad("order_ids", "at most 100")),
        Some(list) => Some(list.iter().map(|o| decimal(o)).collect::<ApiResult<Vec<_>>>()?),
        None => None,
    };
    let secret = format!("whsec_{}", random_hex(32)?);
    let sql = format!(
        "WITH w AS (INSERT INTO webhooks (api_key_id, url, events, chain_id, accounts, order_ids, secret)
                    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *)
         {}",
        webhook_sql("w")
    );
    let webhook: WebhookOut = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(key.id)
        .bind(&input.url)
        .bind(&events)
        .bind(input.chain_id)
        .bind(&accounts)
        .bind(&order_ids)
        .bind(&secret)
        .fetch_one(&s.pool)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(CreatedOut { webhook, secret })))
}

fn decimal(text: &str) -> ApiResult<String> {
    let digits = text.trim_start_matches('0');
    let digits = if digits.is_empty() && !text.is_empty() { "0" } else { digits };
    if digits.is_empty() || digits.len() > 78 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad("order_ids", format!("{text:?} is not a decimal order id")));
    }
    Ok(digits.to_string())
}

#[derive(Serialize)]
struct WebhookList {
    items: Vec<WebhookOut>,
}

async fn list(State(s): State<AppState>, key: ApiKey) -> ApiResult<impl IntoResponse> {
    key.require("webhooks")?;
    let sql = webhook_sql("webhooks WHERE api_key_id = $1 AND deleted_at IS NULL ORDER BY id");
    let items = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key.id).fetch_all(&s.pool).await?;
    Ok(ApiJson(WebhookList { items }))
}

fn path_id(field: &str, text: &str) -> ApiResult<i64> {
    text.parse::<i64>().ok().filter(|i| *i >= 0).ok_or_else(|| ApiError::bad(field, "not an id"))
}

async fn remove(
    State(s): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    key.require("webhooks")?;
    let id = path_id("id", &id)?;
    let done = sqlx::query(
        "UPDATE webhooks SET deleted_at = now()
         WHERE id = $1 AND api_key_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(key.id)
    .execute(&s.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(format!("webhook {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, sqlx::FromRow)]
struct DeliveryOut {
    id: i64,
    webhook_id: i64,
    event_id: String,
    event_type: String,
    status: String,
    attempts: i32,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    next_attempt_at: Option<String>,
    created_at: String,
    delivered_at: Option<String>,
}

fn delivery_sql(filter: &str) -> String {
    format!(
        "SELECT d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.attempts,
                d.last_status_code, d.last_error,
                CASE WHEN d.status = 'pending' THEN {} END AS next_attempt_at,
                {} AS created_at, {} AS delivered_at
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id {filter}",
        rfc3339_sql("d.next_attempt_at"),
        rfc3339_sql("d.created_at"),
        rfc3339_sql("d.delivered_at"),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn deliveries(
    State(s): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> ApiResult<impl IntoResponse> {
    key.require("webhooks")?;
    let id = path_id("id", &id)?;
    let owned: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM webhooks WHERE id = $1 AND api_key_id = $2)",
    )
    .bind(id)
    .bind(key.id)
    .fetch_one(&s.pool)
    .await?;
    if !owned {
        return Err(ApiError::not_found(format!("webhook {id}")));
    }
    let page = PageQuery { limit: q.limit, cursor: q.cursor };
    let limit = page.limit()?;
    let before = match page.cursor(1)? {
        Some(k) => k[0].parse::<i64>().map_err(|_| ApiError::bad("cursor", "not a cursor"))?,
        None => i64::MAX,
    };
    let sql = delivery_sql("WHERE d.webhook_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3");
    let rows: Vec<DeliveryOut> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(before)
        .bind(limit as i64 + 1)
        .fetch_all(&s.pool)
        .await?;
    Ok(ApiJson(Page::from_rows(rows, limit, |d| vec![d.id.to_string()])))
}

async fn replay(
    State(s): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    key.require("webhooks")?;
    let id = path_id("id", &id)?;
    let done = sqlx::query(
        "UPDATE webhook_deliveries d
         SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL,
             delivered_at = NULL
         FROM webhooks w
         WHERE d.id = $1 AND w.id = d.webhook_id AND w.api_key_id = $2 AND w.deleted_at IS NULL",
    )
    .bind(id)
    .bind(key.id)
    .execute(&s.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(format!("delivery {id}")));
    }
    let sql = delivery_sql("WHERE d.id = $1");
    let delivery: DeliveryOut =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&s.pool).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(delivery)))
}

// ---------------------------------------------------------------- the worker

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
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let header = sign("whsec_x", now, b"{\"a\":1}");
        let tolerance = Duration::from_secs(300);
        assert!(verify_signature("whsec_x", &header, b"{\"a\":1}", tolerance));
        assert!(!verify_signature("whsec_x", &header, b"{\"a\":2}", tolerance));
        assert!(!verify_signature("whsec_y", &header, b"{\"a\":1}", tolerance));
        let old = sign("whsec_x", now - 600, b"{}");
        assert!(!verify_signature("whsec_x", &old, b"{}", tolerance), "too old");
        assert!(!verify_signature("whsec_x", "v1=00", b"{}", tolerance), "no t");
        // A known vector: t=1, secret "k", body "b" -> hmac_sha256("k", "1.b").
        let expected = "t=1,v1=";
        assert!(sign("k", 1, b"b").starts_with(expected));
        assert_eq!(sign("k", 1, b"b").len(), expected.len() + 64);
    }

    #[test]
    fn only_funding_success_is_order_funded() {
        assert_eq!(event_type("Finalized", &json!({"status": "1"})), Some("order.funded"));
        assert_eq!(event_type("Finalized", &json!({"status": "2"})), None);
        assert_eq!(event_type("Pledged", &json!({})), Some("order.pledged"));
        assert_eq!(event_type("Unpledged", &json!({})), None);
    }
}
