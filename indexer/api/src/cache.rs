//! A response cache for the public reads: the mirror changes only when a batch commits, so
//! a read answered once can be answered again from memory until the next commit.
//!
//! Entries are keyed by the request's path and query and tagged with the version of what
//! they show, seen *before* the handler ran: an order's detail with that order's version,
//! anything else with the mirror's (see `cointent_ingest::changes`: every writer's commits,
//! rollbacks and local writes such as metadata uploads, from this process and from the
//! others through Postgres notifications). An entry is served only while its version is
//! unchanged, so a response computed while a commit landed is never served after it, and
//! a commit touching one order leaves the others' details cached. Requests with
//! credentials (`Authorization`) bypass the cache; API keys do not change what a read
//! returns, and the key layer in front of the cache still counts and limits them. When the
//! entries exceed the byte budget the cache starts over (`http.response_cache_mb`, 0 = off).

use std::{collections::HashMap, sync::RwLock};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use cointent_ingest::changes::{Changes, Scope};

use crate::{error::ApiError, state::AppState};

/// Largest single response kept.
const MAX_ENTRY: usize = 8 << 20;

/// Path prefixes (relative to `/v1`) whose GET responses depend only on the mirror.
/// Not `/transparency`: a record someone means to verify is read fresh from the mirror.
const CACHEABLE: [&str; 10] = [
    "/orders",
    "/listings",
    "/accounts",
    "/artisans",
    "/partners",
    "/products",
    "/treasury",
    "/governance",
    "/qr",
    "/events?",
];

/// The cache shared by the server's handlers.
#[derive(Debug)]
pub struct ResponseCache {
    budget: usize,
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    bytes: usize,
    entries: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    version: u64,
    content_type: Option<HeaderValue>,
    cache_control: Option<HeaderValue>,
    body: Bytes,
}

impl ResponseCache {
    /// A cache of at most `megabytes` of response bodies; 0 disables it.
    pub fn new(megabytes: usize) -> Self {
        Self { budget: megabytes << 20, inner: Default::default() }
    }

    fn get(&self, key: &str, version: u64) -> Option<Response> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let e = inner.entries.get(key).filter(|e| e.version == version)?;
        let mut response = Response::new(Body::from(e.body.clone()));
        let headers = response.headers_mut();
        if let Some(ct) = &e.content_type {
            headers.insert(header::CONTENT_TYPE, ct.clone());
        }
        if let Some(cc) = &e.cache_control {
            headers.insert(header::CACHE_CONTROL, cc.clone());
        }
        headers.insert("x-cache", HeaderValue::from_static("hit"));
        Some(response)
    }

    fn put(&self, key: String, entry: Entry) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let size = key.len() + entry.body.len();
        if inner.bytes + size > self.budget {
            inner.entries.clear();
            inner.bytes = 0;
        }
        inner.bytes += size;
        if let Some(old) = inner.entries.insert(key, entry) {
            inner.bytes -= old.body.len();
        }
    }
}

/// The version of what `key` (a `/v1`-relative path and query) shows: an order's detail
/// changes with its order, anything else with the whole mirror.
fn version(changes: &Changes, key: &str) -> u64 {
    let path = key.split('?').next().unwrap_or(key);
    let order = path.strip_prefix("/orders/").and_then(|rest| rest.split_once('/')).filter(
        |(chain, id)| {
            let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
            digits(chain) && digits(id)
        },
    );
    match order.and_then(|(chain, id)| Some((chain.parse::<u64>().ok()?, id))) {
        Some((chain, id)) => {
            let id = id.trim_start_matches('0');
            changes.order_version(chain, if id.is_empty() { "0" } else { id })
        }
        None => changes.global(),
    }
}

/// Notes a write outside ingestion (a metadata upload) here and tells the other processes
/// serving the mirror: every cached answer may show it.
pub async fn changed_here(s: &AppState) {
    s.metrics.changes.note(&Scope::All);
    let sent = async {
        let mut conn = s.pool.acquire().await?;
        cointent_ingest::changes::notify(&mut conn, &Scope::All).await
    };
    if let Err(e) = sent.await {
        tracing::warn!(error = %e, "could not tell the other replicas about a local write");
    }
}

/// The middleware: serves hits, stores successful cacheable GETs.
pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &s.cache;
    let path_and_query = req.uri().path_and_query().map_or("", |p| p.as_str());
    let cacheable = cache.budget > 0
        && req.method() == Method::GET
        && !req.headers().contains_key(header::AUTHORIZATION)
        && CACHEABLE.iter().any(|p| path_and_query.starts_with(p))
        && !path_and_query.starts_with("/events/stream");
    if !cacheable {
        return next.run(req).await;
    }
    let key = path_and_query.to_string();
    let version = version(&s.metrics.changes, &key);
    if let Some(hit) = cache.get(&key, version) {
        return hit;
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ENTRY).await else {
        // Too large to keep (or the body failed): the client still needs an answer.
        return ApiError::Internal("response body could not be buffered".into()).into_response();
    };
    cache.put(
        key,
        Entry {
            version,
            content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
            cache_control: parts.headers.get(header::CACHE_CONTROL).cloned(),
            body: bytes.clone(),
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: u64, body: &'static str) -> Entry {
        Entry { version, content_type: None, cache_control: None, body: Bytes::from(body) }
    }

    #[test]
    fn serves_only_the_current_version_and_keeps_to_its_budget() {
        let cache = ResponseCache::new(1);
        cache.put("/orders".into(), entry(7, "a"));
        assert!(cache.get("/orders", 7).is_some());
        assert!(cache.get("/orders", 8).is_none(), "a newer mirror must miss");
        assert!(cache.get("/orders?x", 7).is_none());
        // Over the budget: starts over rather than growing.
        let big: &'static str = Box::leak("x".repeat(700 << 10).into_boxed_str());
        cache.put("/a".into(), entry(7, big));
        cache.put("/b".into(), entry(7, big));
        let inner = cache.inner.read().unwrap();
        assert!(inner.bytes <= 1 << 20, "{} bytes kept", inner.bytes);
        assert!(inner.entries.contains_key("/b") && !inner.entries.contains_key("/orders"));
    }

    #[test]
    fn an_order_detail_follows_its_order_and_lists_every_change() {
        let changes = Changes::default();
        let (detail, other, list) = ("/orders/31337/5", "/orders/31337/6?x=1", "/orders?status=x");
        let before = [detail, other, list].map(|k| version(&changes, k));
        changes.note(&Scope::Orders(31337, ["5".to_string()].into()));
        let after = [detail, other, list].map(|k| version(&changes, k));
        assert_ne!(after[0], before[0], "the touched order's detail");
        assert_eq!(after[1], before[1], "another order's detail stays cached");
        assert_ne!(after[2], before[2], "lists follow every change");
        assert_eq!(version(&changes, "/orders/31337/05"), after[0], "leading zeros: one order");
        changes.note(&Scope::All);
        assert_ne!(version(&changes, other), after[1], "a local write reaches every answer");
    }
}
