//! Integration tests of the harness itself: real anvil, real Postgres.

mod deploy;
mod harness;
