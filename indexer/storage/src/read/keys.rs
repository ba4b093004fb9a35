//! Partner API keys `ck_<id>_<secret>`, for `/v1/keys/me`, the API's key check and the
//! `cointent keys` commands. Only the sha256 (hex) of a secret is stored, computed by the
//! caller.

use cointent_domain::keys::ApiKeyInfo;
use sqlx::PgPool;

use super::decode;

/// A key as listed, never with its secret.
#[derive(Debug)]
struct KeyRow {
    id: i64,
    name: String,
    scopes: Vec<String>,
    rate_limit_per_min: i32,
    created_at: String,
    revoked_at: Option<String>,
    usage_count: i64,
    last_used_at: Option<String>,
}

impl TryFrom<KeyRow> for ApiKeyInfo {
    type Error = sqlx::Error;

    fn try_from(row: KeyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: decode::unsigned("id", row.id)?,
            name: row.name,
            scopes: row
                .scopes
                .iter()
                .map(|s| decode::parse("scopes", s))
                .collect::<Result<_, _>>()?,
            rate_limit_per_min: decode::unsigned("rate_limit_per_min", row.rate_limit_per_min)?,
            created_at: decode::time(row.created_at),
            revoked_at: row.revoked_at.map(decode::time),
            usage_count: decode::unsigned("usage_count", row.usage_count)?,
            last_used_at: row.last_used_at.map(decode::time),
        })
    }
}

/// Stores a new key; answers it as listed.
#[tracing::instrument(skip(pool, secret_hash))]
pub async fn create(
    pool: &PgPool,
    name: &str,
    scopes: &[String],
    rate_limit_per_min: i32,
    secret_hash: &str,
) -> sqlx::Result<ApiKeyInfo> {
    sqlx::query_as!(
        KeyRow,
        r#"INSERT INTO api_keys (name, scopes, rate_limit_per_min, secret_hash)
         VALUES ($1, $2, $3, $4)
         RETURNING id, name, scopes, rate_limit_per_min,
                rfc3339_utc(created_at) AS "created_at!", rfc3339_utc(revoked_at) AS revoked_at,
                usage_count, rfc3339_utc(last_used_at) AS last_used_at"#,
        name,
        scopes,
        rate_limit_per_min,
        secret_hash
    )
    .fetch_one(pool)
    .await?
    .try_into()
}

/// Key `id`, revoked or not.
#[tracing::instrument(skip(pool))]
pub async fn get(pool: &PgPool, id: i64) -> sqlx::Result<Option<ApiKeyInfo>> {
    sqlx::query_as!(
        KeyRow,
        r#"SELECT id, name, scopes, rate_limit_per_min,
                rfc3339_utc(created_at) AS "created_at!", rfc3339_utc(revoked_at) AS revoked_at,
                usage_count, rfc3339_utc(last_used_at) AS last_used_at
         FROM api_keys WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .map(ApiKeyInfo::try_from)
    .transpose()
}

/// Every key, oldest first.
#[tracing::instrument(skip(pool))]
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<ApiKeyInfo>> {
    sqlx::query_as!(
        KeyRow,
        r#"SELECT id, name, scopes, rate_limit_per_min,
                rfc3339_utc(created_at) AS "created_at!", rfc3339_utc(revoked_at) AS revoked_at,
                usage_count, rfc3339_utc(last_used_at) AS last_used_at
         FROM api_keys ORDER BY id"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ApiKeyInfo::try_from)
    .collect()
}

/// Revokes key `id`; false when there is no such key or it was already revoked.
#[tracing::instrument(skip(pool))]
pub async fn revoke(pool: &PgPool, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a valid key grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrant {
    /// The key's name.
    pub name: String,
    /// Its scopes, as stored.
    pub scopes: Vec<String>,
    /// Requests per minute allowed.
    pub rate_limit_per_min: i32,
}

/// The unrevoked key `id` whose secret hashes to `secret_hash`, counted as used once more
/// (`usage_count`, `last_used_at`); `None` when there is no such key.
#[tracing::instrument(skip(pool, secret_hash))]
pub async fn use_key(pool: &PgPool, id: i64, secret_hash: &str) -> sqlx::Result<Option<KeyGrant>> {
    sqlx::query_as!(
        KeyGrant,
        "UPDATE api_keys SET usage_count = usage_count + 1, last_used_at = now()
         WHERE id = $1 AND secret_hash = $2 AND revoked_at IS NULL
         RETURNING name, scopes, rate_limit_per_min",
        id,
        secret_hash
    )
    .fetch_optional(pool)
    .await
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn key_rows_become_the_api_json() {
        let fixture: Value =
            serde_json::from_str(include_str!("../../../domain/tests/fixtures/api/keys_me.json"))
                .unwrap();
        let text = |k: &str| fixture[k].as_str().map(str::to_string);
        let row = || KeyRow {
            id: fixture["id"].as_i64().unwrap(),
            name: text("name").unwrap(),
            scopes: vec!["read".into(), "webhooks".into()],
            rate_limit_per_min: fixture["rate_limit_per_min"].as_i64().unwrap() as i32,
            created_at: text("created_at").unwrap(),
            revoked_at: text("revoked_at"),
            usage_count: fixture["usage_count"].as_i64().unwrap(),
            last_used_at: text("last_used_at"),
        };
        assert_eq!(json!(ApiKeyInfo::try_from(row()).unwrap()), fixture);
        let unknown = KeyRow { scopes: vec!["admin".into()], ..row() };
        assert!(ApiKeyInfo::try_from(unknown).is_err());
    }
}
