//! Partner API keys (see `indexer/openapi/keys.json`).
//!
//! A key is `ck_<id>_<secret>`; only the sha256 of the secret is stored. Keys are made,
//! listed and revoked with `cointent keys ...` ([`create_key`], [`list_keys`],
//! [`revoke_key`]) and sent in the `X-Api-Key` header.
//!
//! [`middleware`] runs before every `/v1` route:
//! - with `X-Api-Key`: an unknown, malformed or revoked key is refused with 401, even on
//!   public reads; a valid one is counted (`usage_count`, `last_used_at`, one `UPDATE` per
//!   request), limited to its `rate_limit_per_min` (429 with `Retry-After`), and handed to
//!   handlers as [`ApiKey`] (which answers 403 for a missing scope);
//! - without a key: reads are public; when `http.anon_rate_limit_per_min` is set, each
//!   client IP is limited to it (off by default, so local benchmarks are not throttled).
//!
//! Rate limits are fixed one-minute windows counted in this process's memory: with several
//! API replicas behind a load balancer, a client gets up to the limit from each replica.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{LazyLock, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Serialize;
use sqlx::PgPool;

use super::{
    ApiError, ApiJson, ApiResult,
    auth::{random_hex, rfc3339_sql, sha256_hex},
};
use crate::http::AppState;

/// The scopes a key may carry.
pub const SCOPES: &[&str] = &["read", "webhooks"];

/// The request header carrying a key.
pub const HEADER: &str = "x-api-key";

/// A problem with a key command's input.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A scope outside [`SCOPES`].
    #[error("unknown scope {0:?}; known scopes: read, webhooks")]
    UnknownScope(String),
    /// No scope at all.
    #[error("give at least one scope (read, webhooks)")]
    NoScopes,
    /// An empty name.
    #[error("the key needs a non-empty name")]
    EmptyName,
    /// A zero rate limit.
    #[error("the rate limit must be at least 1 request per minute")]
    ZeroRateLimit,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A key as listed (never with its secret).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct KeyInfo {
    /// The id (the `<id>` in `ck_<id>_<secret>`).
    pub id: i64,
    /// A human name.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Requests per minute allowed.
    pub rate_limit_per_min: i32,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, when revoked.
    pub revoked_at: Option<String>,
    /// Requests made with the key.
    pub usage_count: i64,
    /// RFC 3339, the last request.
    pub last_used_at: Option<String>,
}

/// Parses `read,webhooks` into scopes, refusing unknown ones.
pub fn parse_scopes(list: &str) -> Result<Vec<String>, KeyError> {
    let mut scopes = Vec::new();
    for scope in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !SCOPES.contains(&scope) {
            return Err(KeyError::UnknownScope(scope.to_string()));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    if scopes.is_empty() {
        return Err(KeyError::NoScopes);
    }
    Ok(scopes)
}

fn info_sql(filter: &str) -> String {
    format!(
        "SELECT id, name, scopes, rate_limit_per_min, {} AS created_at, {} AS revoked_at,
                usage_count, {} AS last_used_at
         FROM api_keys {filter}",
        rfc3339_sql("created_at"),
        rfc3339_sql("revoked_at"),
        rfc3339_sql("last_used_at")
    )
}

/// Creates a key; returns it with the full key text `ck_<id>_<secret>`, which is never
/// stored and cannot be shown again.
pub async fn create_key(
    pool: &PgPool,
    name: &str,
    scopes: &[String],
    rate_limit_per_min: u32,
) -> Result<(KeyInfo, String), KeyError> {
    if name.trim().is_empty() {
        return Err(KeyError::EmptyName);
    }
    for scope in scopes {
        if !SCOPES.contains(&scope.as_str()) {
            return Err(KeyError::UnknownScope(scope.clone()));
        }
    }
    if scopes.is_empty() {
        return Err(KeyError::NoScopes);
    }
    if rate_limit_per_min == 0 {
        return Err(KeyError::ZeroRateLimit);
    }
    let secret = random_hex(24).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (name, scopes, rate_limit_per_min, secret_hash)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(name.trim())
    .bind(scopes)
    .bind(rate_limit_per_min.min(i32::MAX as u32) as i32)
    .bind(sha256_hex(secret.as_bytes()))
    .fetch_one(pool)
    .await?;
    let info = sqlx::query_as(sqlx::AssertSqlSafe(info_sql("WHERE id = $1")))
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok((info, format!("ck_{id}_{secret}")))
}

/// Every key, oldest first.
pub async fn list_keys(pool: &PgPool) -> Result<Vec<KeyInfo>, KeyError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(info_sql("ORDER BY id"))).fetch_all(pool).await?)
}

/// Revokes key `id`; false when there is no such key or it was already revoked.
pub async fn revoke_key(pool: &PgPool, id: i64) -> Result<bool, KeyError> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The valid key a request carries; as an extractor, 401 without one.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Requests per minute allowed.
    pub rate_limit_per_min: i32,
}

impl ApiKey {
    /// 403 unless the key has `scope`.
    pub fn require(&self, scope: &str) -> ApiResult<()> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this API key lacks the `{scope}` scope")))
        }
    }
}

/// Checks and counts the key in `header`: 401 when malformed, unknown or revoked, 429 over
/// its limit.
async fn authenticate(pool: &PgPool, header: &[u8]) -> ApiResult<ApiKey> {
    let invalid = || ApiError::Unauthorized("invalid or revoked API key".into());
    let text = std::str::from_utf8(header).map_err(|_| invalid())?.trim();
    let (id, secret) = text
        .strip_prefix("ck_")
        .and_then(|rest| rest.split_once('_'))
        .and_then(|(id, secret)| Some((id.parse::<i64>().ok()?, secret)))
        .ok_or_else(invalid)?;
    let secret_hash = sha256_hex(secret.as_bytes());
    let row: Option<(String, Vec<String>, i32)> = sqlx::query_as(
        "UPDATE api_keys SET usage_count = usage_count + 1, last_used_at = now()
         WHERE id = $1 AND secret_hash = $2 AND revoked_at IS NULL
         RETURNING name, scopes, rate_limit_per_min",
    )
    .bind(id)
    .bind(&secret_hash)
    .fetch_optional(pool)
    .await?;
    let (name, scopes, rate_limit_per_min) = row.ok_or_else(invalid)?;
    // The secret's hash names the key in the limiter: ids repeat across databases.
    limit(&format!("key:{secret_hash}"), rate_limit_per_min.max(1) as u32)?;
    Ok(ApiKey { id, name, scopes, rate_limit_per_min })
}

/// Fixed one-minute windows: name -> (window, requests in it).
static WINDOWS: LazyLock<Mutex<HashMap<String, (u64, u32)>>> = LazyLock::new(Default::default);

/// Counts a request against `name`'s window; 429 with the seconds left when over `per_min`.
fn limit(name: &str, per_min: u32) -> ApiResult<()> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let window = now / 60;
    let mut windows = WINDOWS.lock().unwrap_or_else(|e| e.into_inner());
    if windows.len() > 100_000 {
        windows.retain(|_, (w, _)| *w == window);
    }
    let entry = windows.entry(name.to_string()).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    if entry.1 >= per_min {
        return Err(ApiError::TooManyRequests { retry_after_secs: (window + 1) * 60 - now });
    }
    entry.1 += 1;
    Ok(())
}

/// The `/v1` key layer: authenticates `X-Api-Key` when present (see the module docs) and
/// rate-limits anonymous callers per IP when `http.anon_rate_limit_per_min` is set.
///
/// Wire it with `axum::middleware::from_fn_with_state(state, api::keys::middleware)`.
pub async fn middleware(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(header) = req.headers().get(HEADER) {
        match authenticate(&s.pool, header.as_bytes()).await {
            Ok(key) => {
                req.extensions_mut().insert(key);
            }
            Err(e) => return e.into_response(),
        }
    } else if let Some(per_min) = s.config.http.anon_rate_limit_per_min {
        let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        if let Some(ip) = ip
            && let Err(e) = limit(&format!("ip:{ip}"), per_min)
        {
            return e.into_response();
        }
    }
    next.run(req).await
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, ApiError> {
        if let Some(key) = parts.extensions.get::<ApiKey>() {
            return Ok(key.clone());
        }
        // Without the layer in front (or before it is wired), check the header here.
        let header = parts
            .headers
            .get(HEADER)
            .ok_or_else(|| ApiError::Unauthorized("this endpoint needs an X-Api-Key".into()))?;
        let key = authenticate(&s.pool, header.as_bytes()).await?;
        parts.extensions.insert(key.clone());
        Ok(key)
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/keys/me", get(me))
}

async fn me(State(s): State<AppState>, key: ApiKey) -> ApiResult<impl IntoResponse> {
    let info: KeyInfo = sqlx::query_as(sqlx::AssertSqlSafe(info_sql("WHERE id = $1")))
        .bind(key.id)
        .fetch_one(&s.pool)
        .await?;
    Ok(ApiJson(info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_checked() {
        assert_eq!(parse_scopes("read, webhooks,read").unwrap(), ["read", "webhooks"]);
        assert!(
            matches!(parse_scopes("read,admin"), Err(KeyError::UnknownScope(s)) if s == "admin")
        );
        assert!(matches!(parse_scopes(" , "), Err(KeyError::NoScopes)));
    }

    #[test]
    fn the_window_limits_and_says_when_to_retry() {
        let name = format!("test:{}", std::process::id());
        for _ in 0..3 {
            limit(&name, 3).unwrap();
        }
        match limit(&name, 3) {
            Err(ApiError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("{other:?}"),
        }
    }
}
