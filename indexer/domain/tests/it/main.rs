//! The domain crate's integration tests: the API's JSON read into the types and written back
//! unchanged (one module per area, fixtures in `tests/fixtures/`); with the `openapi`
//! feature, the schemas the types generate checked against the API's OpenAPI document; and
//! the payout rules differential-tested against the contracts on anvil (`differential`).

mod fixtures;
#[cfg(feature = "openapi")]
mod openapi;

mod accounts;
mod catalogue;
mod chains;
mod differential;
mod errors;
mod events;
mod governance;
mod keys_and_auth;
mod metadata;
mod orders;
mod transparency;
mod treasury;
mod webhooks;
