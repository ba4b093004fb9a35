//! Sign-in with Ethereum nonces and sessions, for `/v1/auth` and the API's `Session`
//! extractor. Tokens are never stored: only their sha256 (hex), computed by the caller.

use cointent_domain::{DateTime, auth::AuthSessionInfo};
use sqlx::PgPool;

use super::decode;

/// Drops nonces that expired more than an hour ago (they can serve no sign-in).
#[tracing::instrument(skip(pool))]
pub async fn delete_stale_nonces(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM auth_nonces WHERE expires_at < now() - interval '1 hour'")
        .execute(pool)
        .await?;
    Ok(())
}

/// Stores `nonce`, valid for `ttl_secs`; answers when it expires.
#[tracing::instrument(skip(pool))]
pub async fn create_nonce(pool: &PgPool, nonce: &str, ttl_secs: f64) -> sqlx::Result<DateTime> {
    let expires_at = sqlx::query_scalar!(
        r#"INSERT INTO auth_nonces (nonce, expires_at)
         VALUES ($1, now() + make_interval(secs => $2)) RETURNING rfc3339_utc(expires_at) AS "e!""#,
        nonce,
        ttl_secs
    )
    .fetch_one(pool)
    .await?;
    Ok(decode::time(expires_at))
}

/// Whether `nonce` could still serve a sign-in (known, unused, unexpired). Checked before
/// a signature costs chain calls; [`open_session`] decides atomically.
#[tracing::instrument(skip(pool))]
pub async fn nonce_is_live(pool: &PgPool, nonce: &str) -> sqlx::Result<bool> {
    let live = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM auth_nonces
                          WHERE nonce = $1 AND used_at IS NULL AND expires_at > now()) AS "e!""#,
        nonce
    )
    .fetch_one(pool)
    .await?;
    Ok(live)
}

/// A new session for a verified sign-in.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// The nonce of the signed message, consumed by the sign-in.
    pub nonce: &'a str,
    /// Hex sha256 of the bearer token.
    pub token_hash: &'a str,
    /// The signed-in address (lower-case `0x` hex).
    pub address: &'a str,
    /// The Chain ID of the signed message.
    pub chain_id: i64,
    /// How long the session lasts.
    pub ttl_secs: f64,
}

/// Consumes the nonce and opens the session in one transaction, so a nonce serves once;
/// answers when the session expires, or `None` (and changes nothing) when the nonce is
/// unknown, used or expired.
#[tracing::instrument(skip(pool))]
pub async fn open_session(pool: &PgPool, new: &NewSession<'_>) -> sqlx::Result<Option<DateTime>> {
    let mut tx = pool.begin().await?;
    let used = sqlx::query!(
        "UPDATE auth_nonces SET used_at = now()
         WHERE nonce = $1 AND used_at IS NULL AND expires_at > now()",
        new.nonce
    )
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(None);
    }
    let expires_at = sqlx::query_scalar!(
        r#"INSERT INTO auth_sessions (token_hash, address, chain_id, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))
         RETURNING rfc3339_utc(expires_at) AS "e!""#,
        new.token_hash,
        new.address,
        new.chain_id,
        new.ttl_secs
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(decode::time(expires_at)))
}

/// A live session, as a request's bearer token names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    /// The session's id.
    pub id: i64,
    /// The signed-in address (lower-case `0x` hex).
    pub address: String,
}

/// The live (unexpired, unrevoked) session whose token hashes to `token_hash`, marked used
/// now.
#[tracing::instrument(skip(pool, token_hash))]
pub async fn use_session(pool: &PgPool, token_hash: &str) -> sqlx::Result<Option<SessionRef>> {
    sqlx::query_as!(
        SessionRef,
        "UPDATE auth_sessions SET last_used_at = now()
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
         RETURNING id, address",
        token_hash
    )
    .fetch_optional(pool)
    .await
}

/// A live session as listed.
#[derive(Debug)]
struct SessionRow {
    id: i64,
    created_at: String,
    expires_at: String,
    last_used_at: Option<String>,
    current: bool,
}

impl From<SessionRow> for AuthSessionInfo {
    fn from(row: SessionRow) -> Self {
        Self {
            id: row.id.to_string(),
            created_at: decode::time(row.created_at),
            expires_at: decode::time(row.expires_at),
            last_used_at: row.last_used_at.map(decode::time),
            current: row.current,
        }
    }
}

/// The live sessions of `address`, newest first (at most 200); `current` marks session
/// `current_id`.
#[tracing::instrument(skip(pool))]
pub async fn sessions(
    pool: &PgPool,
    address: &str,
    current_id: i64,
) -> sqlx::Result<Vec<AuthSessionInfo>> {
    let rows = sqlx::query_as!(
        SessionRow,
        r#"SELECT id, rfc3339_utc(created_at) AS "created_at!", rfc3339_utc(expires_at) AS "expires_at!",
                rfc3339_utc(last_used_at) AS last_used_at, id = $2 AS "current!"
         FROM auth_sessions
         WHERE address = $1 AND revoked_at IS NULL AND expires_at > now()
         ORDER BY id DESC LIMIT 200"#,
        address,
        current_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AuthSessionInfo::from).collect())
}

/// Revokes session `id` of `address`; false when `address` has no such live session.
#[tracing::instrument(skip(pool))]
pub async fn revoke_session(pool: &PgPool, id: i64, address: &str) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE auth_sessions SET revoked_at = now()
         WHERE id = $1 AND address = $2 AND revoked_at IS NULL",
        id,
        address
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
