//! The HTTP server: health, readiness and metrics (the `/v1` API grows here).

use std::sync::Arc;

use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use sqlx::PgPool;

use crate::metrics::Metrics;

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The mirror.
    pub pool: PgPool,
    /// Indexing figures.
    pub metrics: Arc<Metrics>,
}

/// All routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// 200 while the process runs and the database answers.
async fn health(State(s): State<AppState>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(&s.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// 200 once every chain has caught up with its head, 503 before.
async fn ready(State(s): State<AppState>) -> impl IntoResponse {
    let chains = s.metrics.chains();
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
