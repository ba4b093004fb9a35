//! Co-Intent's shared domain: the types and rules that cross a boundary, defined once.
//!
//! The indexer's HTTP API serializes these types and the app (Leptos, compiled to WASM)
//! deserializes them, so a renamed or reshaped field is a compile error on both sides instead
//! of a blank on a page. The money rules live here once, mirroring the Escrow contract.
//!
//! # Bird's-eye view
//!
//! - The API's answers, one module per area of `/v1`: [`orders`], [`accounts`],
//!   [`catalogue`], [`treasury`], [`governance`], [`events`], [`chains`], [`transparency`],
//!   [`auth`], [`keys`], [`metadata`], [`webhooks`], with [`Page`] for lists and
//!   [`error::ErrorBody`] for every error. Their JSON is the API's contract: amounts (uint256)
//!   are decimal strings ([`Amount`]), addresses and hashes lower-case `0x` hex (alloy's
//!   [`Address`], [`B256`]), times RFC 3339 text ([`DateTime`], kept as written: `...Z` where
//!   the API formats a time itself, `...+00:00` where Postgres's `json_build_object` does).
//!   Parts whose shape is not fixed (a metadata document, an event's arguments) stay JSON
//!   behind one small type.
//! - The contract's vocabulary: [`OrderKind`], [`OrderStatus`] and [`MilestoneState`], with
//!   conversions from the `cointent-abi` `sol!` enums ([`lifecycle`]); the order's [`Terms`],
//!   convertible to and from the ABI struct the Escrow hashes ([`terms`]).
//! - The Escrow's payout cascade and its claimable views ([`payout`]), amounts for people
//!   ([`amount`]), and, with the `time` feature, RFC 3339 from and to unix seconds (`time`).
//! - [`escape_html`], for text put into HTML by the app's pages and the API's labels.
//!
//! Nothing here does I/O. The crate compiles to `wasm32-unknown-unknown` and keeps the app's
//! dependencies to what it already has (alloy's primitives and `sol!` types, serde).
//!
//! # Features
//!
//! - `openapi`: `utoipa::ToSchema` on every API type, with the field docs, for the API to
//!   generate its OpenAPI document from.
//! - `time`: the `time` module and `Terms::from_abi` (formatting the deadline), for the
//!   server; the app only reads times.
//!
//! # Usage
//!
//! The app reads an answer:
//!
//! ```
//! use cointent_domain::{OrderStatus, Page, orders::OrderSummary};
//! # let body = r#"{"items": [], "next_cursor": null}"#;
//! let page: Page<OrderSummary> = serde_json::from_str(body)?;
//! let funding = page.items.iter().filter(|o| o.status == OrderStatus::Funding).count();
//! # assert_eq!(funding, 0);
//! # Ok::<_, serde_json::Error>(())
//! ```
//!
//! Anyone computes what a party may claim, as the Escrow's `claimable` view does:
//!
//! ```
//! use cointent_domain::{Address, OrderStatus, U256, payout::{OrderFigures, PayoutTerms, claimable}};
//! let terms = PayoutTerms { seller: Address::repeat_byte(4), fee_bps: 100, promoter_bps: 0, splits: vec![] };
//! let order = OrderFigures {
//!     status: OrderStatus::Active,
//!     units_pledged: 3,
//!     promoted_units: 0,
//!     released: U256::from(30_000_000),
//! };
//! let treasury = Address::repeat_byte(0xee);
//! assert_eq!(claimable(&terms, treasury, &order, terms.seller, U256::ZERO), U256::from(29_700_000));
//! assert_eq!(claimable(&terms, treasury, &order, treasury, U256::ZERO), U256::from(300_000));
//! ```

pub mod accounts;
pub mod amount;
pub mod auth;
pub mod catalogue;
pub mod chains;
pub mod error;
pub mod events;
pub mod flatten;
pub mod governance;
pub mod html;
pub mod keys;
pub mod lifecycle;
pub mod metadata;
pub mod orders;
pub mod page;
pub mod payout;
pub mod primitives;
pub mod terms;
#[cfg(feature = "time")]
pub mod time;
pub mod transparency;
pub mod treasury;
pub mod webhooks;

pub use alloy_primitives::{Address, B256, Bytes, U256};
pub use html::escape_html;
pub use lifecycle::{MilestoneState, OrderKind, OrderStatus};
pub use page::Page;
pub use primitives::{Amount, DateTime, OrderId, ProposalId};
pub use terms::{Split, Terms};
