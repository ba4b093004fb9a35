//! Response headers the whole API shares for safety.
//!
//! [`no_store`] marks an area's answers `Cache-Control: no-store`: the areas answering
//! tokens, sessions, key details and webhook secrets (`auth`, `keys`, `webhooks`) take it.

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// `Cache-Control: no-store` on every answer of the routes it wraps.
pub(crate) fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}
