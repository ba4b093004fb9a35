//! The `auth` area of the API (see `indexer/openapi/auth.json`).

use axum::Router;

use crate::http::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
