//! Co-Intent's shared domain: the types and rules that cross a boundary, defined once.
//!
//! The indexer's HTTP API serializes these types and the app (Leptos, compiled to WASM)
//! deserializes them, so a renamed or reshaped field is a compile error on both sides instead
//! of a blank on a page. The money rules live here once, mirroring the Escrow contract (v2).
//!
//! # Bird's-eye view
//!
//! - The API's answers, one module per area of `/v1`: [`orders`], [`listings`], [`accounts`],
//!   [`catalogue`], [`treasury`], [`governance`], [`events`], [`chains`], [`transparency`],
//!   [`auth`], [`keys`], [`metadata`], [`pictures`], [`webhooks`], with [`Page`] for lists and
//!   [`error::ErrorBody`] for every error. Their JSON is the API's contract: amounts (uint256)
//!   are decimal strings ([`Amount`]), addresses and hashes lower-case `0x` hex (alloy's
//!   [`Address`], [`B256`]), times RFC 3339 text ([`DateTime`], kept as written: `...Z` where
//!   the API formats a time itself, `...+00:00` where Postgres's `json_build_object` does).
//!   Parts whose shape is not fixed (a metadata document, an event's arguments) stay JSON
//!   behind one small type.
//! - The contract's vocabulary: [`OrderKind`], [`OrderStatus`] (with `Expired`),
//!   [`MilestoneState`] and [`DisputeOutcome`], with conversions from the `cointent-abi`
//!   `sol!` types ([`lifecycle`]).
//! - The order's [`Terms`] ([`terms`]): convertible to and from the typed ABI struct
//!   `cointent_abi::IEscrow::Terms`; packed and unpacked exactly as the Escrow's
//!   `PackedTerms` library does (every Escrow call takes the packed terms, and the Escrow
//!   stores only their keccak256, the terms hash); the EIP-712 digest and
//!   `eth_signTypedData_v4` payload a seller signs so that anyone may create the order for
//!   it (`createOrderFor`); and the Escrow's checks of new terms, with its reasons.
//! - The Escrow's money rules ([`payout`]), as `EscrowMath` and the `EscrowLens` views
//!   compute them: the released amount `R = floor(F * Σbps[0..milestone) / 10 000) -
//!   withheld`, the cascade of floors (fee, promoter pool, splits, seller) and what each
//!   party may claim, promoters' commissions, end-of-order refunds (pro rata of `F - R`, the
//!   last backer taking the remainder), dispute bonds, weights and deadlines; from the lens's
//!   records ([`payout::OrderFigures`], [`payout::Participant`]) or the indexer's mirror of
//!   them. A differential test (`tests/it/differential.rs`) drives random orders through
//!   every path on anvil and compares each figure with the lens's own views.
//! - Amounts for people ([`amount`]), and, with the `time` feature, RFC 3339 from and to unix
//!   seconds (`time`).
//! - [`escape_html`], for text put into HTML by the app's pages and the API's labels, and
//!   [`short`] for addresses and hashes shown to people.
//!
//! Nothing here does I/O. The crate compiles to `wasm32-unknown-unknown` and keeps the app's
//! dependencies to what it already has (alloy's primitives and `sol!` types, serde).
//!
//! # Features
//!
//! - `openapi`: `utoipa::ToSchema` on every API type, with the field docs, for the API to
//!   generate its OpenAPI document from.
//! - `time`: the `time` module (parsing RFC 3339, for the server); the app only reads times.
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
//! Anyone computes what a party may claim, as the lens's `claimable` view does, from the
//! terms and the order's records (an order's detail carries both):
//!
//! ```
//! use cointent_domain::{Address, OrderStatus, Terms, U256, payout::{self, OrderFigures}};
//! # let json = r#"{"arbiter":"0x0606060606060606060606060606060606060606","bond_bps":500,
//! #   "fee_bps":100,"funding_deadline":"2023-11-14T22:13:20Z","funding_deadline_unix":1700000000,
//! #   "max_units":10,"metadata_hash":"0x4242424242424242424242424242424242424242424242424242424242424242",
//! #   "milestones":[{"bps":5000,"delivery_period":604800},{"bps":5000,"delivery_period":604800}],
//! #   "min_units":3,"promoter_bps":0,"review_period":86400,"ruling_period":86400,
//! #   "seller":"0x0404040404040404040404040404040404040404",
//! #   "sole_buyer":"0x0000000000000000000000000000000000000000","splits":[],
//! #   "token":"0x0909090909090909090909090909090909090909","unit_price":"10000000"}"#;
//! let terms: Terms = serde_json::from_str(json)?; // 10 000 000 a unit, two halves, fee 1 %
//! // 3 units pledged, the first milestone released: R = 15 000 000.
//! let order = OrderFigures {
//!     status: OrderStatus::Active,
//!     milestone: 1,
//!     units_pledged: 3,
//!     ..OrderFigures::default()
//! };
//! let treasury = Address::repeat_byte(0xee);
//! assert_eq!(payout::released(&terms, &order), U256::from(15_000_000));
//! assert_eq!(payout::claimable(&terms, treasury, &order, terms.seller, U256::ZERO), U256::from(14_850_000));
//! assert_eq!(payout::claimable(&terms, treasury, &order, treasury, U256::ZERO), U256::from(150_000));
//! # Ok::<_, serde_json::Error>(())
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
pub mod listings;
pub mod metadata;
pub mod orders;
pub mod page;
pub mod payout;
pub mod pictures;
pub mod primitives;
pub mod terms;
#[cfg(feature = "time")]
pub mod time;
pub mod transparency;
pub mod treasury;
pub mod webhooks;

pub use alloy_primitives::{Address, B256, Bytes, U256};
pub use html::{escape_html, short};
pub use lifecycle::{DisputeOutcome, MilestoneState, OrderKind, OrderStatus};
pub use page::Page;
pub use primitives::{Amount, DateTime, ListingId, OrderId, ProposalId};
pub use terms::{Milestone, Split, Terms};
