//! JSON-RPC access with failover across a chain's URLs and retries with backoff.

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::B256,
    providers::{Provider, RootProvider},
    rpc::types::{Filter, Log},
};
use eyre::{Result, eyre};

use crate::metrics::ChainMetrics;

/// A block's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Number.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// Unix seconds.
    pub timestamp: u64,
}

/// A chain's RPC endpoints.
#[derive(Debug, Clone)]
pub struct Rpc {
    providers: Vec<RootProvider>,
    metrics: Arc<ChainMetrics>,
}

impl Rpc {
    /// Connects lazily to `urls`.
    pub fn new(urls: &[String], metrics: Arc<ChainMetrics>) -> Result<Self> {
        let providers = urls
            .iter()
            .map(|u| {
                Ok(RootProvider::new_http(u.parse().map_err(|e| eyre!("bad RPC URL {u}: {e}"))?))
            })
            .collect::<Result<_>>()?;
        Ok(Self { providers, metrics })
    }

    /// Tries each endpoint once; the error of the last one if all fail.
    async fn any<T, F, Fut>(&self, what: &str, f: F) -> Result<T>
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, alloy::transports::TransportError>>,
    {
        let mut last = None;
        for p in &self.providers {
            match f(p.clone()).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    self.metrics.rpc_errors.inc();
                    last = Some(e);
                }
            }
        }
        Err(eyre!("{what}: {}", last.map(|e| e.to_string()).unwrap_or_default()))
    }

    /// Like [`Self::any`], but retries with exponential backoff until it succeeds.
    async fn retry<T, F, Fut>(&self, what: &str, f: F) -> T
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, alloy::transports::TransportError>>,
    {
        let mut delay = Duration::from_millis(100);
        loop {
            match self.any(what, &f).await {
                Ok(v) => return v,
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?delay, "RPC failed");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    /// The chain id (retried until the RPC answers).
    pub async fn chain_id(&self) -> u64 {
        self.retry("eth_chainId", |p| async move { p.get_chain_id().await }).await
    }

    /// The latest block number (retried until the RPC answers).
    pub async fn head(&self) -> u64 {
        self.retry("eth_blockNumber", |p| async move { p.get_block_number().await }).await
    }

    /// A block header (retried until the RPC answers; `None` if the block does not exist).
    pub async fn header(&self, number: u64) -> Option<Header> {
        self.retry("eth_getBlockByNumber", |p| async move {
            let block = p.get_block_by_number(number.into()).await?;
            Ok(block.map(|b| Header {
                number: b.header.number,
                hash: b.header.hash,
                parent_hash: b.header.parent_hash,
                timestamp: b.header.timestamp,
            }))
        })
        .await
    }

    /// The logs of `filter`: one attempt per endpoint, so the caller can shrink the range.
    pub async fn logs(&self, filter: &Filter) -> Result<Vec<Log>> {
        self.any("eth_getLogs", |p| async move { p.get_logs(filter).await }).await
    }
}
