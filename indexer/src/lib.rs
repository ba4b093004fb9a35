//! The Co-Intent indexer: contract events from several chains mirrored into Postgres, and
//! the HTTP API over that mirror. Built up by the indexer and API issues; the contract
//! bindings it decodes with come from [`cointent_abi`].

pub use cointent_abi as abi;
