//! The `/v1` API over the mirror: one module per area, each with its routes and its part of
//! the OpenAPI document (`indexer/openapi/<area>.json`).
//!
//! Conventions every handler follows:
//! - amounts (uint256) are decimal strings, addresses and hashes lower-case `0x` hex,
//!   times RFC 3339;
//! - lists are `{"items": [...], "next_cursor": "..." | null}` with keyset pagination
//!   (`?limit=&cursor=`, see [`page`]);
//! - input is taken through [`ApiJson`], [`ApiQuery`] and [`ApiPath`], so every rejection
//!   is a 400 in the one error shape of [`ApiError`], naming the field.

pub mod cache;
mod error;
pub mod openapi;
pub mod page;

mod accounts;
mod auth;
mod catalogue;
mod chains;
mod events;
mod governance;
pub mod keys;
mod metadata;
mod orders;
mod qr;
mod transparency;
mod treasury;
pub mod webhooks;

use axum::Router;

pub use error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};

use crate::http::AppState;

/// Every `/v1` route that answers within the request timeout (relative to `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(openapi::routes())
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
pub fn stream_routes() -> Router<AppState> {
    Router::new().merge(events::routes())
}

/// Parses an address parameter to the mirror's form (lower-case `0x` hex).
pub fn address(field: &str, value: &str) -> ApiResult<String> {
    value
        .parse::<alloy::primitives::Address>()
        .map(|a| format!("{a:#x}"))
        .map_err(|_| ApiError::bad(field, "not a 20-byte 0x-hex address"))
}

/// Parses a 32-byte hash parameter to the mirror's form (lower-case `0x` hex).
pub fn hash(field: &str, value: &str) -> ApiResult<String> {
    value
        .parse::<alloy::primitives::B256>()
        .map(|h| format!("{h:#x}"))
        .map_err(|_| ApiError::bad(field, "not a 32-byte 0x-hex hash"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_hashes_are_normalised_or_refused() {
        let a = address("seller", "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266").unwrap();
        assert_eq!(a, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
        let err = address("seller", "0x1234").unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { field: Some(ref f), .. } if f == "seller"));
        assert!(hash("terms_hash", &format!("0x{}", "Ab".repeat(32))).is_ok());
        assert!(hash("terms_hash", "0xzz").is_err());
    }
}
