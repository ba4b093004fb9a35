//! Partner API keys (see `indexer/api/openapi/keys.json`).
//!
//! A key is `ck_<id>_<secret>`; only the sha256 of the secret is stored. Keys are made,
//! listed and revoked with `cointent keys ...` ([`create_key`], [`list_keys`],
//! [`revoke_key`]) and sent in the `X-Api-Key` header.
//!
//! Keys are checked on every request by [`crate::identity::key_layer`].

use axum::{Router, extract::State, response::IntoResponse, routing::get};
use serde::Serialize;
use sqlx::PgPool;

use crate::{
    error::{ApiJson, ApiResult},
    identity::{ApiKey, random_hex, sha256_hex},
    sql::rfc3339_sql,
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

pub(crate) fn routes() -> Router<AppState> {
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
}
