//! The whole HTTP server: the `/v1` areas, the docs page, health, readiness, metrics, and
//! the app's static files at `/`; one origin for API and app.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use tower_http::{
    cors::{AllowOrigin, Any, CorsLayer},
    services::{ServeDir, ServeFile},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    accounts, auth, cache, catalogue, chains, error::ApiError, events, governance, identity, keys,
    metadata, openapi, orders, qr, query, state::AppState, transparency, treasury, webhooks,
};

/// All routes, with CORS, body limit, timeouts and request spans.
pub fn router(state: AppState) -> Router {
    let http = &state.config.http;
    let timed = Router::from(areas())
        .merge(openapi::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), cache::middleware))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, http.request_timeout()));
    let v1 = timed
        .merge(Router::from(streams()))
        .fallback(|| async { ApiError::NotFound("no such endpoint; see /v1/openapi.json".into()) })
        .layer(axum::middleware::from_fn_with_state(state.clone(), identity::key_layer))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(query::Rules::from_document(&document())),
            query::middleware,
        ));
    let app_dir = &http.app_dir;
    let app = ServeDir::new(app_dir).fallback(ServeFile::new(app_dir.join("index.html")));
    Router::new()
        .nest("/v1", v1)
        .route("/docs", get(openapi::docs_page))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .fallback_service(app)
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        .layer(cors(&http.cors_origins))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::debug_span!("http", method = %req.method(), route = route.unwrap_or("-"))
        }))
        .with_state(state)
}

/// Every `/v1` route that answers within the request timeout (relative to `/v1`), with
/// its OpenAPI operation.
fn areas() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(orders::routes())
        .merge(accounts::routes())
        .merge(catalogue::routes())
        .merge(treasury::routes())
        .merge(governance::routes())
        .merge(chains::routes())
        .merge(transparency::routes())
        .merge(qr::routes())
        .merge(metadata::routes())
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

/// 200 once every chain has caught up with its head, 503 before, and 503 naming the chain,
/// the reason and the way out when a chain's ingestion stopped.
async fn ready(State(s): State<AppState>) -> impl IntoResponse {
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

async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render())
}
