//! Signed webhooks for partners (see `indexer/api/openapi/webhooks.json`).
//!
//! A partner's API key with the `webhooks` scope registers URLs for event types, optionally
//! narrowed to a chain, to accounts (matched against the order's seller, split recipients,
//! backers and promoters) and to order ids. [`run_worker`] (spawned by `cointent serve`, in `worker`):
//! - scans each chain's mirrored events only up to its final block (`checkpoint_block -
//!   finality_depth`), from a cursor of its own in Postgres, so an event a reorg removes is
//!   never sent; a webhook receives the events that become final after it was created;
//! - inserts one delivery per (webhook, event), unique, in the same transaction as the
//!   cursor: each event is delivered at most once per webhook, whatever the restarts;
//! - POSTs due deliveries with the signature header, retrying failures after
//!   `webhooks.backoff_ms`, doubling each time, until `webhooks.max_attempts`, then marks
//!   them failed. Several workers may run: deliveries are claimed with `SKIP LOCKED`.
//!
//! The signature (`signature`): `X-Cointent-Signature: t=<unix seconds>,v1=<hex
//! hmac_sha256(secret, "<t>.<body>")>`; receivers check it with [`verify_signature`].
//!
//! Delivery uses reqwest built without TLS: `https://` receivers need reqwest's TLS feature
//! in this build (until then their attempts fail with the connection error).

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::IntoResponse,
    routing::{delete, get, post},
};
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult},
    identity::{ApiKey, random_hex},
    page::{Page, PageQuery},
    sql::rfc3339_sql,
    state::AppState,
};

mod signature;
mod worker;

pub use signature::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign, verify_signature};
pub use worker::run_worker;

/// The event types a webhook may subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "order.created",
    "order.pledged",
    "order.funded",
    "milestone.released",
    "order.disputed",
    "order.refunded",
];

pub(crate) fn routes() -> Router<AppState> {
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
            list.iter()
                .map(|a| crate::params::address("accounts", a))
                .collect::<ApiResult<Vec<_>>>()?,
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
