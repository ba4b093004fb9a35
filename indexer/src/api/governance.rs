//! The `governance` area of the API (see `indexer/openapi/governance.json`).

use axum::Router;

use crate::http::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
