//! The `webhooks` area of the API: signed webhooks for partners.
//!
//! A partner's API key with the `webhooks` scope registers URLs for event types, optionally
//! narrowed to a chain, to accounts (matched against the order's seller, split recipients,
//! backers and promoters), to order ids and to partner shops (the purchases of listings
//! naming one, and their orders' later events); at most `webhooks.max_per_key` live ones per
//! key.
//! Receivers are `http://` or `https://` URLs of public hosts (`target`: no loopback, private,
//! link-local or metadata addresses, checked at registration and at every delivery) unless
//! `webhooks.allow_private_targets` is set for local development. [`run_worker`] (spawned by
//! `cointent serve`, in `worker`):
//! - scans each chain's mirrored events only up to the mirror's final block
//!   (`chains.final_block`, what the ingester can no longer roll back), from a cursor of its
//!   own in Postgres, so an event a reorg removes is never sent; a webhook receives the
//!   events that become final after it was created;
//! - inserts one delivery per (webhook, event), unique, in the same transaction as the
//!   cursor;
//! - posts due deliveries with the signature header, each on its own task: at most
//!   `webhooks.concurrency` per worker and `webhooks.per_host_concurrency` per receiver over
//!   every worker, so a slow receiver holds up only its own deliveries;
//! - posts each (webhook, event) at most once, unless the receiver answers non-2xx or cannot
//!   be connected to: those are retried after `webhooks.backoff_ms`, doubling each time,
//!   until `webhooks.max_attempts`. A receiver that was connected to but did not answer in
//!   time (or broke the connection) may have handled the event, so the delivery fails at
//!   once (replayable), as does one whose worker died mid-post. The delivery log says only
//!   "the receiver answered N" or "no answer from the receiver".
//!
//! The signature (`signature`): `X-Cointent-Signature: t=<unix seconds>,v1=<hex
//! hmac_sha256(secret, "<t>.<body>")>`; receivers check it with [`verify_signature`].
//!
//! `https://` receivers are verified against the bundled Mozilla roots and
//! `tls.extra_ca_files` (`cointent_config::TlsConfig`).

use axum::{Json, extract::State, http::StatusCode};
use cointent_domain::{
    Page,
    error::ErrorBody,
    webhooks::{WebhookCreate, WebhookCreated, WebhookDelivery, WebhookEventType, WebhookList},
};
use cointent_storage::read::webhooks::{self as read, NewWebhook, Replay};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult},
    identity::{ApiKey, random_hex},
    page::PageQuery,
    security::no_store,
    state::AppState,
};

mod signature;
mod target;
mod worker;

pub use signature::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign, verify_signature};
pub use worker::run_worker;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(remove))
        .routes(routes!(deliveries))
        .routes(routes!(replay))
        // A webhook's secret is answered once; its log is its key holder's only.
        .layer(no_store())
}

/// Register a webhook for order events.
///
/// Needs an API key with the `webhooks` scope; a key has at most `webhooks.max_per_key`
/// live webhooks (25 by default; 409 beyond). The URL must be `http://` or `https://` (its
/// certificate checked against the Mozilla roots and `tls.extra_ca_files`) without credentials, and its host must resolve only to
/// public addresses: loopback, private (RFC 1918, ULA), link-local (cloud metadata
/// services), shared (CGNAT), multicast and reserved addresses, their IPv4-mapped and other
/// IPv6 forms, integer hosts such as `2130706433`, and names such as `localhost`,
/// `*.localhost` or `metadata.google.internal` are refused (400), and checked again at
/// every delivery. Events are sent only once their block is final in the mirror (what the
/// indexer can no longer roll back), so an event a reorg removes is never sent; a webhook
/// receives events that become final after it was created. Each event is posted at most
/// once per webhook, as a POST of a WebhookEvent JSON body with headers
/// `X-Cointent-Event-Id: <chain:block:log>` and `X-Cointent-Signature: t=<unix
/// seconds>,v1=<hex hmac_sha256(secret, "<t>.<body>")>`. To verify: split the header on
/// `,`, take `t` and every `v1`, compute HMAC-SHA256 with the webhook's secret over the
/// ASCII `t`, a `.`, and the raw body bytes; accept if a `v1` equals it (constant-time
/// compare) and `t` is within your tolerance (e.g. 5 minutes) of your clock. A receiver
/// answering other than 2xx, or that cannot be connected to, is retried after
/// webhooks.backoff_ms, doubling each time, up to webhooks.max_attempts; then the delivery
/// is `failed` (replayable). A receiver that was connected to but does not answer within
/// webhooks.timeout_ms (5 s by default) may have handled the event: it is not posted again
/// (the delivery fails, replayable). Each receiver (host and port) gets at most
/// webhooks.per_host_concurrency deliveries at once. Filters: `chain_id`, `accounts`
/// (matched against the order's
/// seller, split recipients, backers and promoters, and the event's own backer/promoter/buyer),
/// `order_ids`, `partners` (a partner shop's own: the purchases of the Shop's listings naming
/// one of them, `listing.purchased`, and every later event of those purchases' orders:
/// `milestone.approved`, `milestone.released`, `order.disputed`, `dispute.ruled`,
/// `order.refunded`, ...). The secret is returned only here.
#[utoipa::path(
    post,
    path = "/webhooks",
    operation_id = "createWebhook",
    tag = "webhooks",
    security(("apiKey" = [])),
    request_body = WebhookCreate,
    responses(
        (status = 201, description = "Registered; `secret` is shown once.", body = WebhookCreated),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 409, description = "The key has webhooks.max_per_key live webhooks already.", body = ErrorBody),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, description = "Not application/json.", body = ErrorBody),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn create(
    State(s): State<AppState>,
    key: ApiKey,
    ApiJson(input): ApiJson<WebhookCreate>,
) -> ApiResult<(StatusCode, Json<WebhookCreated>)> {
    key.require("webhooks")?;
    let hooks = &s.config.webhooks;
    let connect = std::time::Duration::from_millis(hooks.connect_timeout_ms);
    let target = target::check(&input.url, hooks.allow_private_targets, connect)
        .await
        .map_err(|why| ApiError::bad("url", why))?;
    let mut events: Vec<String> = Vec::new();
    for event in &input.events {
        if event.parse::<WebhookEventType>().is_err() {
            let known: Vec<&str> = WebhookEventType::ALL.iter().map(|t| t.as_str()).collect();
            let known = known.join(", ");
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
    let partners = match input.partners {
        Some(list) if list.len() > 100 => return Err(ApiError::bad("partners", "at most 100")),
        Some(list) => Some(
            list.iter()
                .map(|a| crate::params::address("partners", a))
                .map(|a| match a {
                    Ok(a) if a.bytes().skip(2).all(|b| b == b'0') => {
                        Err(ApiError::bad("partners", "the zero address names no partner shop"))
                    }
                    other => other,
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
        None => None,
    };
    let secret = format!("whsec_{}", random_hex(32)?);
    let new = NewWebhook {
        api_key_id: key.id,
        url: &input.url,
        events: &events,
        chain_id: input.chain_id,
        accounts: accounts.as_deref(),
        order_ids: order_ids.as_deref(),
        partners: partners.as_deref(),
        secret: &secret,
        host: &target.host,
        max_per_key: hooks.max_per_key.into(),
    };
    let webhook = read::create(&s.pool, &new).await?.ok_or_else(|| {
        ApiError::Conflict(format!(
            "this API key has {} webhooks, the most allowed: delete one first",
            hooks.max_per_key
        ))
    })?;
    Ok((StatusCode::CREATED, Json(WebhookCreated { webhook, secret })))
}

fn decimal(text: &str) -> ApiResult<String> {
    let digits = text.trim_start_matches('0');
    let digits = if digits.is_empty() && !text.is_empty() { "0" } else { digits };
    if digits.is_empty() || digits.len() > 78 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad("order_ids", format!("{text:?} is not a decimal order id")));
    }
    Ok(digits.to_string())
}

/// The calling key's webhooks.
///
/// Oldest first, without their secrets.
#[utoipa::path(
    get,
    path = "/webhooks",
    operation_id = "listWebhooks",
    tag = "webhooks",
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "Webhooks, oldest first (without secrets).", body = WebhookList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list(State(s): State<AppState>, key: ApiKey) -> ApiResult<Json<WebhookList>> {
    key.require("webhooks")?;
    let items = read::list(&s.pool, key.id).await?;
    Ok(Json(WebhookList { items }))
}

fn path_id(field: &str, text: &str) -> ApiResult<i64> {
    text.parse::<i64>().ok().filter(|i| *i >= 0).ok_or_else(|| ApiError::bad(field, "not an id"))
}

/// Delete one of the calling key's webhooks.
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    operation_id = "deleteWebhook",
    tag = "webhooks",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "A webhook id.", pattern = "^[0-9]{1,18}$")),
    responses(
        (status = 204, description = "Deleted; its pending deliveries are not sent (they end as failed)."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn remove(
    State(s): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    key.require("webhooks")?;
    let id = path_id("id", &id)?;
    if !read::delete(&s.pool, id, key.id).await? {
        return Err(ApiError::not_found(format!("webhook {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// next_cursor of the previous page.
    cursor: Option<String>,
}

/// A webhook's delivery log, newest first.
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    operation_id = "listWebhookDeliveries",
    tag = "webhooks",
    security(("apiKey" = [])),
    params(
        ("id" = String, Path, description = "A webhook id.", pattern = "^[0-9]{1,18}$"),
        DeliveriesQuery,
    ),
    responses(
        (status = 200, description = "Deliveries.", body = Page<WebhookDelivery>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn deliveries(
    State(s): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Json<Page<WebhookDelivery>>> {
    key.require("webhooks")?;
    let id = path_id("id", &id)?;
    if !read::owns(&s.pool, id, key.id).await? {
        return Err(ApiError::not_found(format!("webhook {id}")));
    }
    let page = PageQuery { limit: q.limit, cursor: q.cursor };
    let limit = page.limit()?;
    let before = match page.cursor(1)? {
        Some(k) => k[0].parse::<i64>().map_err(|_| ApiError::bad("cursor", "not a cursor"))?,
        None => i64::MAX,
    };
    Ok(Json(read::deliveries(&s.pool, id, before, limit).await?))
}

/// Send a delivery again, as a new series of attempts.
///
/// Resets the delivery to pending with zero attempts; the worker sends the same body (a
/// fresh signature) at once. A delivery being sent right now cannot be replayed (409).
#[utoipa::path(
    post,
    path = "/webhooks/deliveries/{id}/replay",
    operation_id = "replayWebhookDelivery",
    tag = "webhooks",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "A delivery id.", pattern = "^[0-9]{1,18}$")),
    responses(
        (status = 202, description = "Queued.", body = WebhookDelivery),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn replay(
    State(s): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<WebhookDelivery>)> {
    key.require("webhooks")?;
    let id = path_id("id", &id)?;
    match read::replay(&s.pool, id, key.id).await? {
        Replay::Queued(delivery) => Ok((StatusCode::ACCEPTED, Json(delivery))),
        Replay::InFlight => {
            Err(ApiError::Conflict(format!("delivery {id} is being sent; try again shortly")))
        }
        Replay::NotFound => Err(ApiError::not_found(format!("delivery {id}"))),
    }
}
