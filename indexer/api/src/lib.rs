//! The HTTP API of Co-Intent over the Postgres mirror: `/v1` JSON, its OpenAPI document,
//! the docs page, health, readiness, metrics and the app's files, on one origin.
//!
//! Bird's-eye view:
//! - The shared layer every area builds on, and the only thing areas import: [`state`]
//!   (what handlers share), [`error`] (one error shape, and the extractors that turn every
//!   rejection into it), `params` (input checked and normalised), `query` (query strings:
//!   only documented parameters, in one canonical form), [`page`] (keyset
//!   pagination), `sql` (SQL fragments several areas use), `record` (one order's record),
//!   [`identity`] (sessions, API keys, rate limits), [`cache`] (public reads kept until the
//!   mirror changes), `security` (response headers), `signer` (whose signature: keys,
//!   EIP-1271 and ERC-6492 contract wallets), [`streams`] (the event streams' one poller and
//!   their caps), `time`.
//! - One module per area, each with its routes: `orders`, `listings`, `accounts`, `catalogue`,
//!   `treasury`, `governance`, `chains`, `transparency`, `qr`, `events` (and their stream),
//!   `metadata`, `pictures`, `auth`, [`keys`], [`webhooks`] (routes, the delivery worker and the
//!   signature); no area imports another.
//! - [`router::router`] puts it together; [`openapi`] serves the document.
//!
//! Conventions every handler follows:
//! - amounts (uint256) are decimal strings, addresses and hashes lower-case `0x` hex,
//!   times RFC 3339;
//! - lists are `{"items": [...], "next_cursor": "..." | null}` with keyset pagination
//!   (`?limit=&cursor=`, see [`page`]);
//! - input is taken through [`ApiJson`], [`ApiQuery`] and [`ApiPath`], so every rejection
//!   is a 400 in the one error shape of [`ApiError`], naming the field.

mod app_files;
pub mod cache;
pub mod error;
pub mod http_metrics;
pub mod identity;
pub mod openapi;
pub mod page;
mod params;
mod query;
mod record;
pub mod router;
mod security;
mod signer;
pub mod state;
pub mod streams;

mod accounts;
mod auth;
mod catalogue;
mod chains;
mod events;
mod governance;
pub mod keys;
mod listings;
mod metadata;
mod orders;
mod pictures;
mod qr;
mod transparency;
mod treasury;
pub mod webhooks;

pub use error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
pub use router::{metrics_router, router};
pub use state::AppState;
