//! What every handler shares: the pool, the configuration, ingestion's figures, the
//! response cache and the rate limits.

use std::sync::Arc;

use cointent_config::Config;
use cointent_ingest::Metrics;
use sqlx::PgPool;

use crate::{cache::ResponseCache, identity::Limits};

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The mirror.
    pub pool: PgPool,
    /// Indexing figures.
    pub metrics: Arc<Metrics>,
    /// The whole configuration (chains for the registry, HTTP and webhook settings).
    pub config: Arc<Config>,
    /// Public reads answered from memory until the mirror changes.
    pub cache: Arc<ResponseCache>,
    /// Rate-limit windows.
    pub limits: Arc<Limits>,
}

impl AppState {
    /// The state for `config`, with its response cache.
    pub fn new(pool: PgPool, metrics: Arc<Metrics>, config: Arc<Config>) -> Self {
        let cache = Arc::new(ResponseCache::new(config.http.response_cache_mb));
        Self { pool, metrics, config, cache, limits: Default::default() }
    }
}
