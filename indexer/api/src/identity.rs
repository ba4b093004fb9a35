//! Who is calling: the shared authentication layer every area uses.
//!
//! - [`Session`]: a maker signed in with Ethereum (`Authorization: Bearer <token>` from
//!   `/v1/auth/verify`), as an extractor that answers 401 without one.
//! - [`ApiKey`]: a partner key (`X-Api-Key: ck_<id>_<secret>`), checked by [`key_layer`]
//!   in front of every `/v1` route, and as an extractor.
//!
//! [`key_layer`] runs before every `/v1` route:
//! - with `X-Api-Key`: an unknown, malformed or revoked key is refused with 401, even on
//!   public reads; a valid one is limited to its `rate_limit_per_min` (429 with
//!   `Retry-After`), counted (`usage_count`, `last_used_at`, one `UPDATE` per request
//!   answered) and handed to handlers as [`ApiKey`] (which answers 403 for a missing scope).
//!   Once a key's limit is known to this process, a request over it is refused from memory,
//!   before the database: refused requests write nothing;
//! - without a key: reads are public; when `http.anon_rate_limit_per_min` is set, each
//!   client IP is limited to it (off by default, so local benchmarks are not throttled).
//!
//! [`client_limit`] applies a per-IP limit of a handler's own (sign-in nonces).
//!
//! Rate limits are fixed one-minute windows shared by every API replica on the database:
//! each replica counts in memory and, every [`SHARE_EVERY`] ([`share_limits`]), adds its new
//! counts to `rate_windows` and reads the totals back. A client spreading requests over
//! replicas gets at most the limit, plus what the other replicas let through in the last
//! interval before they learned of the total. The client IP is the connection's peer address: behind a reverse proxy, every client
//! shares the proxy's.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use cointent_storage::read::{
    auth,
    keys::{self, KeyGrant},
    limits,
};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::watch;

use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The request header carrying a key.
pub const HEADER: &str = "x-api-key";

/// Hex of the sha256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `bytes` random bytes from the operating system, as lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> ApiResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ApiError::Internal(format!("getrandom: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A signed-in maker: a valid `Authorization: Bearer <token>` from `/v1/auth/verify`.
/// Rejects with 401 when the token is missing, unknown, expired or revoked.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The session's id.
    pub(crate) id: i64,
    /// The signed-in address (lower-case `0x` hex).
    pub(crate) address: String,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::Unauthorized("sign in: Authorization: Bearer <token>".into())
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthorized("expected Authorization: Bearer <token>".into())
            })?;
        let live = auth::use_session(&s.pool, &sha256_hex(token.as_bytes()))
            .await?
            .ok_or_else(|| ApiError::Unauthorized("unknown, expired or revoked session".into()))?;
        Ok(Self { id: live.id, address: live.address })
    }
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
async fn authenticate(pool: &PgPool, limits: &Limits, header: &[u8]) -> ApiResult<ApiKey> {
    let invalid = || ApiError::Unauthorized("invalid or revoked API key".into());
    let text = std::str::from_utf8(header).map_err(|_| invalid())?.trim();
    let (id, secret) = text
        .strip_prefix("ck_")
        .and_then(|rest| rest.split_once('_'))
        .and_then(|(id, secret)| Some((id.parse::<i64>().ok()?, secret)))
        .ok_or_else(invalid)?;
    let secret_hash = sha256_hex(secret.as_bytes());
    // The secret's hash names the key in the limiter: ids repeat across databases.
    let window = format!("key:{secret_hash}");
    // Over a limit this process knows, refuse before the database: no write.
    let known = lock(&limits.keys).get(&window).copied();
    if let Some(per_min) = known {
        limits.hit(&window, per_min)?;
    }
    let grant = keys::use_key(pool, id, &secret_hash).await?.ok_or_else(invalid)?;
    // Only valid keys: unknown ones cost the shared windows nothing.
    limits.learn(pool, &window).await?;
    let KeyGrant { name, scopes, rate_limit_per_min } = grant;
    let per_min = rate_limit_per_min.max(1) as u32;
    // Learned from (and refreshed by) every request the database answers: only valid keys.
    lock(&limits.keys).insert(window.clone(), per_min);
    if known.is_none() {
        limits.hit(&window, per_min)?;
    }
    Ok(ApiKey { id, name, scopes, rate_limit_per_min })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The client's IP (the connection's peer), when the server was started with it.
pub(crate) fn client_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// Counts a request of `bucket` against the client's own window: 429 over `per_min`.
/// Without a client address (a server not started with `ConnectInfo`), every client shares
/// one window.
pub(crate) fn client_limit(
    limits: &Limits,
    parts: &Parts,
    bucket: &str,
    per_min: u32,
) -> ApiResult<()> {
    client_limit_of(limits, &parts.extensions, bucket, per_min)
}

/// [`client_limit`] for a handler that has the request's extensions only.
pub(crate) fn client_limit_of(
    limits: &Limits,
    extensions: &axum::http::Extensions,
    bucket: &str,
    per_min: u32,
) -> ApiResult<()> {
    match client_ip(extensions) {
        Some(ip) => limits.hit(&format!("{bucket}:{ip}"), per_min),
        None => limits.hit(&format!("{bucket}:-"), per_min),
    }
}

/// How often a replica shares its counts.
pub const SHARE_EVERY: Duration = Duration::from_millis(200);

/// A server's rate limits: fixed one-minute windows, and the limits of the keys it has seen.
#[derive(Debug, Default)]
pub struct Limits {
    /// Name -> its window.
    windows: Mutex<HashMap<String, Window>>,
    /// The per-minute limit of each valid key seen, by its window's name.
    keys: Mutex<HashMap<String, u32>>,
}

/// One name's window as this replica knows it.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    minute: u64,
    /// Requests this replica let through.
    own: u32,
    /// Of those, the ones not yet added to the shared window.
    unshared: u32,
    /// Requests the other replicas let through, as of the last share.
    others: u32,
    /// Whether `others` was read from the shared window this minute.
    learned: bool,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Limits {
    /// Counts a request against `name`'s window; 429 with the seconds left when over
    /// `per_min` (the refused request is not counted).
    pub(crate) fn hit(&self, name: &str, per_min: u32) -> ApiResult<()> {
        let now = now_secs();
        let minute = now / 60;
        let mut windows = lock(&self.windows);
        if windows.len() > 100_000 {
            windows.retain(|_, w| w.minute == minute);
        }
        let w = windows.entry(name.to_string()).or_default();
        if w.minute != minute {
            *w = Window { minute, ..Window::default() };
        }
        if w.own.saturating_add(w.others) >= per_min {
            return Err(ApiError::TooManyRequests { retry_after_secs: (minute + 1) * 60 - now });
        }
        w.own += 1;
        w.unshared += 1;
        Ok(())
    }

    /// Reads `name`'s shared window the first time this replica meets it in a minute, so
    /// that what the other replicas let through counts from this replica's first request.
    pub(crate) async fn learn(&self, pool: &PgPool, name: &str) -> ApiResult<()> {
        let minute = now_secs() / 60;
        if lock(&self.windows).get(name).is_some_and(|w| w.minute == minute && w.learned) {
            return Ok(());
        }
        let total = limits::total(pool, minute as i64, name).await?;
        let mut windows = lock(&self.windows);
        let w = windows.entry(name.to_string()).or_default();
        if w.minute != minute {
            *w = Window { minute, ..Window::default() };
        }
        let shared_own = i64::from(w.own - w.unshared);
        w.others = u32::try_from((total - shared_own).max(0)).unwrap_or(u32::MAX);
        w.learned = true;
        Ok(())
    }

    /// Adds this replica's new counts to the shared windows and learns the totals. On a
    /// database error the counts stay to be shared next time.
    pub async fn share(&self, pool: &PgPool) -> sqlx::Result<()> {
        let minute = now_secs() / 60;
        let (names, deltas): (Vec<String>, Vec<i64>) = lock(&self.windows)
            .iter_mut()
            .filter(|(_, w)| w.minute == minute && w.unshared > 0)
            .map(|(name, w)| (name.clone(), i64::from(std::mem::take(&mut w.unshared))))
            .unzip();
        if names.is_empty() {
            return Ok(());
        }
        let totals = match limits::add(pool, minute as i64, &names, &deltas).await {
            Ok(totals) => totals,
            Err(e) => {
                let mut windows = lock(&self.windows);
                for (name, delta) in names.iter().zip(&deltas) {
                    if let Some(w) = windows.get_mut(name).filter(|w| w.minute == minute) {
                        w.unshared += *delta as u32;
                    }
                }
                return Err(e);
            }
        };
        let mut windows = lock(&self.windows);
        for t in totals {
            if let Some(w) = windows.get_mut(&t.name).filter(|w| w.minute == minute) {
                let shared_own = i64::from(w.own - w.unshared);
                w.others = u32::try_from((t.count - shared_own).max(0)).unwrap_or(u32::MAX);
                w.learned = true;
            }
        }
        Ok(())
    }
}

/// Shares the limits' counts every [`SHARE_EVERY`] until `stop`, and forgets the shared
/// windows that are over once a minute.
pub async fn share_limits(
    limits: std::sync::Arc<Limits>,
    pool: PgPool,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(SHARE_EVERY);
    let mut last_cleanup = 0;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = limits.share(&pool).await {
            tracing::warn!(error = %e, "could not share the rate-limit counts");
        }
        let minute = now_secs() / 60;
        if minute != last_cleanup {
            last_cleanup = minute;
            if let Err(e) = limits::forget_before(&pool, minute as i64 - 1).await {
                tracing::debug!(error = %e, "could not forget old rate-limit windows");
            }
        }
    }
}

/// The `/v1` key layer: authenticates `X-Api-Key` when present (see the module docs) and
/// rate-limits anonymous callers per IP when `http.anon_rate_limit_per_min` is set.
///
/// Wire it with `axum::middleware::from_fn_with_state(state, cointent_api::identity::key_layer)`.
pub async fn key_layer(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(header) = req.headers().get(HEADER) {
        match authenticate(&s.pool, &s.limits, header.as_bytes()).await {
            Ok(key) => {
                req.extensions_mut().insert(key);
            }
            Err(e) => return e.into_response(),
        }
    } else if let Some(per_min) = s.config.http.anon_rate_limit_per_min
        && let Some(ip) = client_ip(req.extensions())
    {
        let name = format!("ip:{ip}");
        let counted = match s.limits.learn(&s.pool, &name).await {
            Ok(()) => s.limits.hit(&name, per_min),
            Err(e) => Err(e),
        };
        if let Err(e) = counted {
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
        let key = authenticate(&s.pool, &s.limits, header.as_bytes()).await?;
        parts.extensions.insert(key.clone());
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_limits_and_says_when_to_retry() {
        let (limits, name) = (Limits::default(), "test");
        for _ in 0..3 {
            limits.hit(name, 3).unwrap();
        }
        assert!(Limits::default().hit(name, 3).is_ok(), "each server counts its own");
        match limits.hit(name, 3) {
            Err(ApiError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("{other:?}"),
        }
    }
}
