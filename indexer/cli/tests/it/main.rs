#![allow(missing_docs)]
//! Indexer integration tests: real anvil chains, a real Postgres, the real binary.

mod api_auth;
mod api_limits;
mod api_pictures;
mod api_read;
mod api_schema;
mod api_webhooks;
mod common;
mod crash;
mod details;
mod escrow;
mod ingest;
mod mirror;
mod outbound;
mod partner_updates;
mod scale;
mod shop;
mod traces;
mod world;
