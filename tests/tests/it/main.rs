//! Integration tests of the harness itself: real anvil, real Postgres.

mod demo;
mod deploy;
mod dev;
mod harness;
