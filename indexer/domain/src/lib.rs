//! Co-Intent's shared domain: the types and rules that cross a boundary, defined once.
//!
//! The indexer's HTTP API serializes these types and the app (Leptos, compiled to WASM)
//! deserializes them, so a renamed or reshaped field is a compile error on both sides instead
//! of a blank on a page.
//!
//! - The API's answers, one module per area of `/v1`: [`orders`], [`accounts`],
//!   [`catalogue`], [`treasury`], [`governance`], [`events`], [`chains`], [`transparency`],
//!   [`auth`], [`keys`], [`metadata`], [`webhooks`], with [`Page`] for lists and
//!   [`error::ErrorBody`] for every error.
//! - The vocabulary: the API's scalars ([`Amount`], [`OrderId`], [`ProposalId`],
//!   [`DateTime`]), the contract's [`OrderKind`], [`OrderStatus`] and [`MilestoneState`]
//!   ([`lifecycle`]), the order's [`Terms`] ([`terms`]), amounts for people ([`amount`]) and,
//!   with the `time` feature, RFC 3339 from and to unix seconds (`time`).
//!
//! Nothing here does I/O; the crate compiles to `wasm32-unknown-unknown`.

pub mod accounts;
pub mod amount;
pub mod auth;
pub mod catalogue;
pub mod chains;
pub mod error;
pub mod events;
pub mod governance;
pub mod keys;
pub mod lifecycle;
pub mod metadata;
pub mod orders;
pub mod page;
pub mod primitives;
pub mod terms;
#[cfg(feature = "time")]
pub mod time;
pub mod transparency;
pub mod treasury;
pub mod webhooks;

pub use alloy_primitives::{Address, B256, Bytes, U256};
pub use lifecycle::{MilestoneState, OrderKind, OrderStatus};
pub use page::Page;
pub use primitives::{Amount, DateTime, OrderId, ProposalId};
pub use terms::{Split, Terms};
