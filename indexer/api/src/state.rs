//! What every handler shares: the pool, the configuration, ingestion's figures, the
//! response cache, the rate limits and the event streams' poller. One allocation behind an
//! `Arc`: every middleware and handler clones the state per request, which is then one
//! atomic increment.

use std::{ops::Deref, sync::Arc};

use cointent_config::Config;
use cointent_ingest::{ChainMetrics, Metrics, rpc::Rpc};
use sqlx::PgPool;

use crate::{cache::ResponseCache, http_metrics::HttpMetrics, identity::Limits, streams::Hub};

/// What handlers share (its fields through `Deref`).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// The shared parts.
#[derive(Debug)]
pub struct Shared {
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
    /// The event streams' shared poller and their counts.
    pub streams: Arc<Hub>,
    /// Per-route request counts and latencies.
    pub http_metrics: Arc<HttpMetrics>,
    /// Whether this process indexes the chains (false: an API-only replica, whose
    /// readiness comes from the mirror).
    pub indexes: bool,
    /// Each chain's RPC by chain id, for the few answers the mirror cannot give (contract
    /// wallets' signatures, simulating a transaction). A chain whose URLs do not parse has
    /// none, and such answers are 503 for it.
    pub rpcs: Vec<(u64, Rpc)>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The RPC of chain `chain_id`, if it is served here.
    pub fn rpc(&self, chain_id: u64) -> Option<&Rpc> {
        self.rpcs.iter().find(|(id, _)| *id == chain_id).map(|(_, rpc)| rpc)
    }

    /// The state for `config`, with its response cache, of a process that indexes the
    /// chains it serves.
    pub fn new(pool: PgPool, metrics: Arc<Metrics>, config: Arc<Config>) -> Self {
        Self::with_indexing(pool, metrics, config, true)
    }

    /// [`AppState::new`], saying whether this process indexes the chains (false: an
    /// API-only replica).
    pub fn with_indexing(
        pool: PgPool,
        metrics: Arc<Metrics>,
        config: Arc<Config>,
        indexes: bool,
    ) -> Self {
        let cache = Arc::new(ResponseCache::new(config.http.response_cache_mb));
        let chains = config.chains.iter().map(|c| c.chain_id as i64).collect();
        let (max, per_ip) = (config.http.max_streams, config.http.max_streams_per_ip);
        let streams = Arc::new(Hub::new(pool.clone(), chains, max, per_ip));
        let rpcs = config
            .chains
            .iter()
            .filter_map(|c| {
                // Figures of their own: registering the chain in `metrics` would show an
                // API-only replica's chains as indexed and never live on /metrics.
                let own = Arc::new(ChainMetrics::default());
                Rpc::new(&c.rpc_urls, &c.tls, c.rate_limit_per_sec, own)
                    .inspect_err(|e| tracing::warn!(chain = c.chain_id, error = %e, "no RPC"))
                    .ok()
                    .map(|rpc| (c.chain_id, rpc))
            })
            .collect();
        Self(Arc::new(Shared {
            pool,
            metrics,
            config,
            cache,
            limits: Default::default(),
            streams,
            http_metrics: Default::default(),
            indexes,
            rpcs,
        }))
    }
}
