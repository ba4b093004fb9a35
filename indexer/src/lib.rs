//! The Co-Intent indexer: contract events from several chains mirrored into Postgres, and
//! the HTTP server over that mirror.
//!
//! Bird's-eye view:
//! - [`config`]: the TOML file and its environment overrides.
//! - [`ingest`]: per chain, a backfill over adaptive `eth_getLogs` ranges then a live
//!   tail; each batch's events, projections and checkpoint commit in one transaction;
//!   reorgs roll back whole batches through an undo log kept by triggers.
//! - [`decode`]: logs to named JSON arguments from the ABIs in `abi/json`.
//! - [`projections`]: the derived tables, as set-based SQL over a batch's events.
//! - [`http`]: the server: [`api`] (`/v1`, OpenAPI, docs), health, readiness, Prometheus
//!   metrics and the app's files, on one origin.
//! - [`db`]: the pool, migrations, and the embedded Postgres when no URL is given.
//!
//! The `cointent` binary (`src/main.rs`) wires these together.

pub mod api;
pub mod config;
pub mod db;
pub mod decode;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod projections;
pub mod status;

pub use cointent_abi as abi;
