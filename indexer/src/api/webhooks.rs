//! The `webhooks` area of the API (see `indexer/openapi/webhooks.json`).

use axum::Router;

use crate::http::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
