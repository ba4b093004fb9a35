//! The API's reads, one module per area of `/v1`.
//!
//! Every fixed query is `sqlx::query!`/`query_as!`, checked against the schema when the crate
//! compiles (offline, from `indexer/storage/.sqlx/`, which `cargo sqlx prepare` writes and
//! `script/test` checks); rows come back as named structs, never tuples. Lists whose
//! filters vary use `QueryBuilder` with bound values only, and [`keyset`] for their pages.

pub mod accounts;
pub mod catalogue;
pub mod chains;
pub mod keyset;
pub mod orders;
pub mod qr;
