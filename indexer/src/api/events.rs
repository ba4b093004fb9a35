//! The `events` area of the API (see `indexer/openapi/events.json`).

use axum::Router;

use crate::http::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
