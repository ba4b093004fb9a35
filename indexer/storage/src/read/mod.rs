//! The API's reads, one module per area of `/v1`.
//!
//! Every fixed query is `sqlx::query!`/`query_as!`, checked against the schema when the crate
//! compiles (offline, from `indexer/storage/.sqlx/`, which `cargo sqlx prepare` writes and
//! `script/test` checks); rows come back as named structs, never tuples. Lists whose
//! filters vary use `QueryBuilder` with bound values only, and [`keyset`] for their pages.
//! Rows become `cointent-domain` types here, so the API's handlers stay thin.
//!
//! Where the state is the API's own rather than the chain's (sign-in nonces and sessions in
//! [`auth`], partner keys in [`keys`], uploaded documents in [`metadata`] and pictures in
//! [`pictures`], webhooks and their deliveries in [`webhooks`]), its writes live here too;
//! the webhook worker builds its at-most-once transaction from [`webhooks`]' statements.

pub mod accounts;
pub mod auth;
pub mod catalogue;
pub mod chains;
mod decode;
pub mod details;
pub mod events;
pub mod governance;
pub mod keys;
pub mod keyset;
pub mod limits;
pub mod listings;
pub mod metadata;
pub mod orders;
pub mod pictures;
pub mod qr;
pub mod treasury;
pub mod webhooks;
