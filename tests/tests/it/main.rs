//! Integration tests of the harness itself: real anvil, real Postgres.

#[cfg(feature = "stack")]
mod demo;
mod deploy;
#[cfg(feature = "stack")]
mod dev;
mod harness;
