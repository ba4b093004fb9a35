//! JSON-RPC access with failover across a chain's URLs, retries with backoff, and a rate
//! limit per URL (`rate_limit_per_sec`). HTTPS goes through rustls with the bundled roots
//! and `tls.extra_ca_files` (`cointent_config::TlsConfig`).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{sync::Mutex, time::Instant};

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{Address, B256, Bloom, Bytes, U64},
    providers::{Provider, RootProvider},
    rpc::types::{Filter, Log, TransactionRequest},
};
use cointent_config::TlsConfig;
use eyre::{Result, WrapErr, eyre};
use serde::Deserialize;

use crate::metrics::ChainMetrics;

/// Headers asked for in one JSON-RPC batch.
const HEADERS_PER_BATCH: usize = 200;

/// A block's identity and what the ingester checks a range against.
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
    /// The bloom of every log of the block.
    pub logs_bloom: Bloom,
}

/// The fields of `eth_getBlockByNumber` the ingester reads (the rest, such as the
/// transaction hashes, is skipped while parsing).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcHeader {
    number: U64,
    hash: B256,
    parent_hash: B256,
    timestamp: U64,
    logs_bloom: Bloom,
}

impl From<RpcHeader> for Header {
    fn from(h: RpcHeader) -> Self {
        Self {
            number: h.number.to(),
            hash: h.hash,
            parent_hash: h.parent_hash,
            timestamp: h.timestamp.to(),
            logs_bloom: h.logs_bloom,
        }
    }
}

#[derive(Debug, Deserialize)]
struct RpcReceipt {
    logs: Vec<Log>,
}

/// A token bucket holding one token: requests leave at most `rate` a second, evenly
/// spaced, so no window of a second sees more than `rate` (+1) of them.
#[derive(Debug)]
struct Limiter {
    /// The interval between two requests.
    every: Duration,
    /// When the next request may leave; waiters queue on the (fair) lock.
    next: Mutex<Instant>,
}

impl Limiter {
    fn new(per_sec: u32) -> Self {
        Self { every: Duration::from_secs(1) / per_sec.max(1), next: Mutex::new(Instant::now()) }
    }

    /// Waits for this request's turn.
    async fn acquire(&self) {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = (*next).max(now) + self.every;
    }
}

/// One RPC URL.
#[derive(Debug, Clone)]
struct Endpoint {
    provider: RootProvider,
    limiter: Option<Arc<Limiter>>,
}

/// A chain's RPC endpoints.
#[derive(Debug, Clone)]
pub struct Rpc {
    endpoints: Vec<Endpoint>,
    /// The endpoint tried first; moved on when one answers inconsistently.
    first: Arc<AtomicUsize>,
    metrics: Arc<ChainMetrics>,
}

impl Rpc {
    /// Connects lazily to `urls`, trusting what `tls` says for https ones, and sending at
    /// most `rate_limit_per_sec` requests a second to each URL.
    pub fn new(
        urls: &[String],
        tls: &TlsConfig,
        rate_limit_per_sec: Option<u32>,
        metrics: Arc<ChainMetrics>,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls.client_config()?)
            .build()
            .wrap_err("cannot build the RPC client")?;
        let endpoints = urls
            .iter()
            .map(|u| {
                let url = u.parse().map_err(|e| eyre!("bad RPC URL {u}: {e}"))?;
                let client =
                    alloy::rpc::client::RpcClient::builder().http_with_client(http.clone(), url);
                Ok(Endpoint {
                    provider: RootProvider::new(client),
                    limiter: rate_limit_per_sec.map(|r| Arc::new(Limiter::new(r))),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self { endpoints, first: Arc::default(), metrics })
    }

    /// Tries the next endpoint first from now on (the current one answered something the
    /// chain contradicts). With a single endpoint, nothing changes.
    pub fn rotate(&self) {
        self.first.fetch_add(1, Ordering::Relaxed);
    }

    /// Tries each endpoint once; the error of the last one if all fail.
    async fn any<T, F, Fut>(&self, what: &str, f: F) -> Result<T>
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, alloy::transports::TransportError>>,
    {
        let mut last = None;
        let first = self.first.load(Ordering::Relaxed);
        for i in 0..self.endpoints.len() {
            let e = &self.endpoints[(first + i) % self.endpoints.len()];
            if let Some(limiter) = &e.limiter {
                limiter.acquire().await;
            }
            match f(e.provider.clone()).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    self.metrics.rpc_errors.inc();
                    last = Some(e);
                }
            }
        }
        Err(eyre!("{what}: {}", last.as_ref().map(describe).unwrap_or_default()))
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

    /// The chain's `finalized` block: `Ok(None)` when the chain has finalized nothing yet,
    /// an error when the RPC does not answer the tag (one attempt per endpoint).
    pub async fn finalized(&self) -> Result<Option<u64>> {
        self.any("eth_getBlockByNumber(finalized)", |p| async move {
            let h: Option<RpcHeader> = p
                .client()
                .request("eth_getBlockByNumber", (BlockNumberOrTag::Finalized, false))
                .await?;
            Ok(h.map(|h| h.number.to::<u64>()))
        })
        .await
    }

    /// A block header (retried until the RPC answers; `None` if the block does not exist).
    pub async fn header(&self, number: u64) -> Option<Header> {
        self.retry("eth_getBlockByNumber", |p| async move {
            let h: Option<RpcHeader> = p
                .client()
                .request("eth_getBlockByNumber", (BlockNumberOrTag::Number(number), false))
                .await?;
            Ok(h.map(Header::from))
        })
        .await
    }

    /// The headers of `numbers`, in JSON-RPC batches (retried until the RPC answers;
    /// `None` for a block the node does not have).
    pub async fn headers(&self, numbers: &[u64]) -> Vec<Option<Header>> {
        let mut out = Vec::with_capacity(numbers.len());
        for chunk in numbers.chunks(HEADERS_PER_BATCH) {
            let answers = self
                .retry("eth_getBlockByNumber (batch)", |p| async move {
                    let client = p.client();
                    let mut batch = alloy::rpc::client::BatchRequest::new(client);
                    let mut waiters = Vec::with_capacity(chunk.len());
                    for n in chunk {
                        waiters.push(batch.add_call::<_, Option<RpcHeader>>(
                            "eth_getBlockByNumber",
                            &(BlockNumberOrTag::Number(*n), false),
                        )?);
                    }
                    batch.send().await?;
                    let mut headers = Vec::with_capacity(waiters.len());
                    for w in waiters {
                        headers.push(w.await?.map(Header::from));
                    }
                    Ok(headers)
                })
                .await;
            out.extend(answers);
        }
        // A node may answer a block other than the one asked for: treat it as missing.
        for (h, n) in out.iter_mut().zip(numbers) {
            if h.is_some_and(|h| h.number != *n) {
                *h = None;
            }
        }
        out
    }

    /// The logs of `filter`: one attempt per endpoint, so the caller can shrink the range.
    pub async fn logs(&self, filter: &Filter) -> Result<Vec<Log>> {
        self.any("eth_getLogs", |p| async move { p.get_logs(filter).await }).await
    }

    /// The logs in the receipts of block `hash` (retried until the RPC answers; `None` if
    /// the node does not have the block).
    pub async fn receipt_logs(&self, hash: B256) -> Option<Vec<Log>> {
        self.retry("eth_getBlockReceipts", |p| async move {
            let receipts: Option<Vec<RpcReceipt>> =
                p.client().request("eth_getBlockReceipts", (hash,)).await?;
            Ok(receipts.map(|r| r.into_iter().flat_map(|r| r.logs).collect()))
        })
        .await
    }

    /// The code at `address` in block `number` (latest when `None`): one attempt per
    /// endpoint (old state may be pruned).
    pub async fn code(&self, address: Address, number: Option<u64>) -> Result<Bytes> {
        self.any("eth_getCode", |p| async move {
            let block = number.map_or(BlockNumberOrTag::Latest, BlockNumberOrTag::Number);
            p.get_code_at(address).block_id(block.into()).await
        })
        .await
    }

    /// `eth_call` of `input` on `to` at the latest block: `Ok(None)` when the node answered
    /// with an error (the call reverted, or `to` has no such function); an error when no
    /// endpoint answered (one attempt per endpoint).
    pub async fn call(&self, to: Address, input: Bytes) -> Result<Option<Bytes>> {
        self.simulate(TransactionRequest::default().with_to(to).with_input(input)).await
    }

    /// `eth_call` of `tx` (any sender, or no `to`: its input is creation code run in place)
    /// at the latest block, answered as [`Rpc::call`] does.
    pub async fn simulate(&self, tx: TransactionRequest) -> Result<Option<Bytes>> {
        self.any("eth_call", |p| {
            let tx = tx.clone();
            async move {
                match p.call(tx).await {
                    Ok(out) => Ok(Some(out)),
                    Err(alloy::transports::RpcError::ErrorResp(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .await
    }
}

/// How a provider refused an `eth_getLogs` call as too large (too many results, too wide a
/// range, too big an answer), read from its error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge {
    /// The number of blocks the provider suggests, where it says (Alchemy's and Infura's
    /// `[0xfrom, 0xto]`).
    pub(crate) suggested: Option<u64>,
}

/// Whether `message` (an `eth_getLogs` error) is a provider's refusal of the call's size:
/// Infura's `-32005` ("query returned more than 10000 results"), Alchemy's "Log response
/// size exceeded", QuickNode's and public nodes' block-range limits ("block range is too
/// wide", "limited to a 10,000 range", "exceed maximum block range"), "limit exceeded", and
/// `-32602` when it speaks of a range. Other errors (a node down, a timeout) are not.
pub(crate) fn too_large(message: &str) -> Option<TooLarge> {
    const SAYINGS: [&str; 14] = [
        "query returned more than",
        "more than 10000 results",
        "too many results",
        "response size exceeded",
        "response size limit",
        "response is too big",
        "block range is too wide",
        "block range too large",
        "range is too large",
        "range too large",
        "exceed maximum block range",
        "exceeds max block range",
        "limit exceeded",
        "is limited to a",
    ];
    let m = message.to_ascii_lowercase();
    let refused = m.contains("-32005")
        || (m.contains("-32602") && m.contains("range"))
        || SAYINGS.iter().any(|s| m.contains(s));
    refused.then(|| TooLarge { suggested: suggested_range(&m) })
}

/// The block count of a `[0xfrom, 0xto]` range in a message.
fn suggested_range(message: &str) -> Option<u64> {
    let inside = message.rsplit_once('[')?.1.split_once(']')?.0;
    let (from, to) = inside.split_once(',')?;
    let number = |s: &str| u64::from_str_radix(s.trim().strip_prefix("0x")?, 16).ok();
    let (from, to) = (number(from)?, number(to)?);
    (to >= from).then(|| to - from + 1)
}

/// An error with its causes: reqwest's own message ("error sending request") hides the one
/// that matters, such as "invalid peer certificate: UnknownIssuer".
fn describe(e: &alloy::transports::TransportError) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_for_size_are_told_from_other_errors() {
        let refusals = [
            (
                "server returned an error response: error code -32005: query returned more than \
                 10000 results. Try with this block range [0x1A2B, 0x1A3F].",
                Some(21),
            ),
            (
                "server returned an error response: error code -32602: Log response size \
                 exceeded. You can make eth_getLogs requests with up to a 2K block range and no \
                 limit on the response size, or you can request any block range with a cap of \
                 10K logs in the response. Based on your parameters and the response size limit, \
                 this block range should work: [0x0, 0x7cf]",
                Some(2_000),
            ),
            ("error code -32602: eth_getLogs is limited to a 10,000 range", None),
            ("error code -32000: block range is too wide", None),
            ("error code -32600: exceed maximum block range: 50000", None),
            ("error code -32005: limit exceeded", None),
            ("error code -32602: query exceeds max block range 10000", None),
            ("error code -32000: Query returned more than 10000 results", None),
            ("error code -32011: Block range too large", None),
        ];
        for (message, suggested) in refusals {
            assert_eq!(too_large(message), Some(TooLarge { suggested }), "{message}");
        }
        for other in [
            "error sending request for url (http://127.0.0.1:1/): client error (Connect)",
            "server returned an error response: error code -32602: invalid argument 0: hex \
             string without 0x prefix",
            "HTTP error 502 with empty body",
            "server returned an error response: error code -32000: header not found",
        ] {
            assert_eq!(too_large(other), None, "{other}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_limiter_spaces_requests_evenly() {
        let limiter = Limiter::new(4);
        let start = Instant::now();
        for _ in 0..9 {
            limiter.acquire().await;
        }
        // The first leaves at once, the next eight every 250 ms.
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        tokio::time::advance(Duration::from_secs(10)).await;
        let idle = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        // No burst is saved up while idle.
        assert_eq!(idle.elapsed(), Duration::from_millis(250));
    }
}
