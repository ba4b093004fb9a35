//! The `keys` area of the API: partner API keys.
//!
//! A key is `ck_<id>_<secret>`; only the sha256 of the secret is stored. Keys are made,
//! listed and revoked with `cointent keys ...` ([`create_key`], [`list_keys`],
//! [`revoke_key`]) and sent in the `X-Api-Key` header; `GET /v1/keys/me` shows the calling
//! key.
//!
//! Keys are checked on every request by [`crate::identity::key_layer`].

use axum::{Json, extract::State};
use cointent_domain::keys::{ApiKeyInfo, ApiKeyScope};
use cointent_storage::read::keys as read;
use sqlx::PgPool;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::ApiResult,
    identity::{ApiKey, random_hex, sha256_hex},
    security::no_store,
    state::AppState,
};

/// The scopes a key may carry.
pub const SCOPES: &[&str] = &["read", "webhooks"];

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

/// Creates a key; returns it with the full key text `ck_<id>_<secret>`, which is never
/// stored and cannot be shown again.
pub async fn create_key(
    pool: &PgPool,
    name: &str,
    scopes: &[String],
    rate_limit_per_min: u32,
) -> Result<(ApiKeyInfo, String), KeyError> {
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
    let rate = rate_limit_per_min.min(i32::MAX as u32) as i32;
    let info =
        read::create(pool, name.trim(), scopes, rate, &sha256_hex(secret.as_bytes())).await?;
    let key = format!("ck_{}_{secret}", info.id);
    Ok((info, key))
}

/// Every key, oldest first.
pub async fn list_keys(pool: &PgPool) -> Result<Vec<ApiKeyInfo>, KeyError> {
    Ok(read::list(pool).await?)
}

/// Revokes key `id`; false when there is no such key or it was already revoked.
pub async fn revoke_key(pool: &PgPool, id: i64) -> Result<bool, KeyError> {
    Ok(read::revoke(pool, id).await?)
}

/// Scopes as the command line shows them: `read,webhooks`.
pub fn scopes_text(scopes: &[ApiKeyScope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    // A key's details are its holder's only.
    OpenApiRouter::new().routes(routes!(me)).layer(no_store())
}

/// The calling API key: name, scopes, rate limit and usage.
///
/// Partner keys (`ck_<id>_<secret>`, header X-Api-Key) are made by operators with
/// `cointent keys create --name N --scopes read,webhooks [--rate-limit PER_MIN]`. Every /v1
/// endpoint accepts a key; reads work without one. A malformed, unknown or revoked key is
/// refused with 401 on every endpoint. Each key has a per-minute limit (fixed one-minute
/// windows counted per server process); over it, 429 with Retry-After, and the refused
/// request is not counted. Anonymous callers are limited per IP only when the server sets
/// http.anon_rate_limit_per_min.
#[utoipa::path(
    get,
    path = "/keys/me",
    operation_id = "apiKeyMe",
    tag = "keys",
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The key.", body = ApiKeyInfo),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn me(State(s): State<AppState>, key: ApiKey) -> ApiResult<Json<ApiKeyInfo>> {
    let info = read::get(&s.pool, key.id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok(Json(info))
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
}
