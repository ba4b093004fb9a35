//! The whole HTTP server: the `/v1` areas, the docs page, health, readiness, and the app's
//! static files at `/`; one origin for API and app, every response with the `security`
//! headers. `/metrics` is public only behind `http.metrics_token`; [`metrics_router`] serves
//! it on a listener of its own (`http.metrics_bind`).

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::{
    cors::{AllowOrigin, Any, CorsLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnFailure, TraceLayer},
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    accounts, app_files, auth, cache, catalogue, chains, error::ApiError, events, governance,
    http_metrics, identity, keys, listings, metadata, openapi, orders, pictures, qr, query,
    security, state::AppState, transparency, treasury, webhooks,
};

/// All routes, with CORS, body limit, timeouts and request spans.
pub fn router(state: AppState) -> Router {
    let http = &state.config.http;
    let rules = ["/health", "/ready", "/docs", "/metrics", "/v1/openapi.json"];
    let rules = Arc::new(query::Rules::new(&document(), &rules));
    let query_layer = axum::middleware::from_fn_with_state(rules, query::middleware);
    let timed = Router::from(areas())
        .merge(openapi::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), cache::middleware))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, http.request_timeout()));
    let measured = axum::middleware::from_fn_with_state(state.clone(), http_metrics::middleware);
    let keyed = axum::middleware::from_fn_with_state(state.clone(), identity::key_layer);
    let v1 = timed
        .merge(Router::from(streams()))
        .route_layer(measured.clone())
        .fallback(|| async { ApiError::NotFound("no such endpoint; see /v1/openapi.json".into()) })
        .method_not_allowed_fallback(method_not_allowed)
        .layer(keyed.clone())
        .layer(query_layer.clone());
    // GS1 Digital Link (what a product's QR code encodes): to its transparency page. It reads
    // the mirror like `/v1`, so it has `/v1`'s key check, rate limit and metrics.
    let digital_link = Router::new()
        .route("/01/{gtin}/21/{serial}", get(qr::digital_link))
        .route_layer(measured.clone())
        .route_layer(keyed);
    let app_dir = &http.app_dir;
    let app = app_files::service(app_dir);
    // The app's page, as served, for the hashes of its inline scripts.
    let app_page = std::fs::read_to_string(app_dir.join("index.html")).unwrap_or_default();
    let router = Router::new()
        .route("/docs", get(openapi::docs_page))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(public_metrics))
        .route_layer(query_layer)
        .route_layer(measured)
        .merge(digital_link)
        .nest("/v1", v1)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback_service(app)
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        .layer(cors(&http.cors_origins))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
                    tracing::debug_span!("http", method = %req.method(), route = route.unwrap_or("-"))
                })
                // Errors log themselves (`ApiError`); a 503 from /ready while catching up is
                // an answer, not an error to log at every probe.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        );
    security::apply(router, &state.config, &[openapi::DOCS, &app_page]).with_state(state)
}

/// `/metrics` (and `/health`, for an index worker's probes) alone, for a listener of its
/// own (`http.metrics_bind`): keep it private.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).route("/health", get(health)).with_state(state)
}

/// Every `/v1` route that answers within the request timeout (relative to `/v1`), with
/// its OpenAPI operation.
fn areas() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(orders::routes())
        .merge(listings::routes())
        .merge(accounts::routes())
        .merge(catalogue::routes())
        .merge(treasury::routes())
        .merge(governance::routes())
        .merge(chains::routes())
        .merge(transparency::routes())
        .merge(qr::routes())
        .merge(metadata::routes())
        .merge(pictures::routes())
        .merge(auth::routes())
        .merge(keys::routes())
        .merge(webhooks::routes())
}

/// Long-lived `/v1` routes (server-sent events), exempt from the request timeout.
fn streams() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(events::routes())
}

/// The OpenAPI document of exactly the routes [`router`] serves.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/v1", areas().merge(streams()))
        .into_openapi()
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, "x-api-key".parse().unwrap()])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let list: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

/// 200 while the process runs and the database answers.
async fn health(State(s): State<AppState>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(&s.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// Blocks an API-only replica lets the mirror lag behind the head its writer last saw
/// and still call itself ready.
const REPLICA_MAX_LAG: i64 = 5;

/// 200 once every chain has caught up with its head, 503 before, and 503 naming the chain,
/// the reason and the way out when a chain's ingestion stopped. An API-only replica asks
/// the mirror (its writers are other processes).
async fn ready(State(s): State<AppState>) -> impl IntoResponse {
    if !s.indexes {
        return replica_ready(&s).await;
    }
    let chains = s.metrics.chains();
    let halted: Vec<String> = chains
        .iter()
        .filter_map(|(id, m)| Some(format!("chain {id} stopped: {}", m.halted()?)))
        .collect();
    if !halted.is_empty() {
        return (StatusCode::SERVICE_UNAVAILABLE, halted.join("; "));
    }
    let behind: Vec<String> = chains
        .iter()
        .filter(|(_, m)| m.live.get() == 0)
        .map(|(id, m)| format!("chain {id}: {} of {}", m.indexed.get(), m.head.get()))
        .collect();
    if chains.is_empty() || !behind.is_empty() {
        let why =
            if chains.is_empty() { "no chain indexed yet".to_string() } else { behind.join("; ") };
        (StatusCode::SERVICE_UNAVAILABLE, format!("catching up: {why}"))
    } else {
        (StatusCode::OK, "ready".to_string())
    }
}

async fn replica_ready(s: &AppState) -> (StatusCode, String) {
    let status = match cointent_storage::status::chains(&s.pool).await {
        Ok(status) => status,
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable".into()),
    };
    let mut not_ready = Vec::new();
    for chain in &s.config.chains {
        match status.iter().find(|c| c.chain_id == chain.chain_id as i64) {
            None => not_ready.push(format!("chain {}: not indexed yet", chain.chain_id)),
            Some(c) if c.halted.is_some() => not_ready.push(format!(
                "chain {} stopped: {}",
                c.chain_id,
                c.halted.as_deref().unwrap_or_default()
            )),
            Some(c) if c.lag() > REPLICA_MAX_LAG => not_ready.push(format!(
                "chain {}: catching up, {} of {}",
                c.chain_id, c.indexed_block, c.head_block
            )),
            Some(_) => {}
        }
    }
    if not_ready.is_empty() {
        (StatusCode::OK, "ready".into())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, not_ready.join("; "))
    }
}

/// 405 in the one error shape (axum still adds `Allow`).
async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("method not allowed on this path".into())
}

/// `/metrics` on the public listener: only with `http.metrics_token` configured, and only
/// for `Authorization: Bearer <token>`; otherwise it is not there.
async fn public_metrics(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &s.config.http.metrics_token else {
        return ApiError::NotFound("no such endpoint".into()).into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
        return ApiError::Unauthorized("/metrics needs its bearer token".into()).into_response();
    }
    metrics(State(s)).await.into_response()
}

/// Equal bytes, in a time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let text = s.metrics.render() + &s.http_metrics.render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
