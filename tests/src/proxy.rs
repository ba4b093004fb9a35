//! A fault-injecting JSON-RPC proxy: what an indexer sees of a chain when its provider
//! lags, drops requests or answers `eth_getLogs` with nothing.
//!
//! [`RpcProxy::start`] listens on a free loopback port and forwards every request (single
//! or batch) to an upstream node; [`RpcProxy::faults`] changes its behaviour at any time:
//!
//! - lag: the proxy pretends to be `n` blocks behind, like one node of a load-balanced
//!   provider: `eth_blockNumber` and the `latest` / `finalized` / `safe` blocks are held
//!   back, blocks above its head are `null`, and logs above it are left out of answers;
//! - drops: a share of requests is answered `502 Bad Gateway`;
//! - empty logs: a share (or the next `n`) of `eth_getLogs` answers are `[]`, whatever
//!   the chain holds;
//! - delay: every answer waits;
//! - a block range limit: `eth_getLogs` over more blocks than it is answered an error in
//!   one of the wordings real providers use for "too large" (`range_refusal`).
//!
//! [`RpcProxy::request_times`] says when each HTTP request arrived (a rate limit's test).
//!
//! [`RpcProxy::hold_next`] holds the answer to the next call of a method until the test
//! releases it, so a test can change the chain between two calls of the indexer.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::post};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};

/// What the proxy does to requests; change it through [`RpcProxy::faults`].
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Blocks the proxy pretends to be behind the chain.
    pub lag: u64,
    /// Share of requests answered 502, per mille.
    pub drop_per_mille: u32,
    /// Share of `eth_getLogs` answered `[]`, per mille.
    pub empty_logs_per_mille: u32,
    /// The next this many `eth_getLogs` are answered `[]`.
    pub empty_next_logs: u32,
    /// Added to every answer.
    pub delay: Duration,
    /// `eth_getLogs` over more blocks than this is refused as too large.
    pub max_logs_range: Option<u64>,
    /// How such a refusal is worded (code and message); default: Alchemy's.
    pub range_refusal: Option<(i64, String)>,
}

/// What the proxy did, for reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProxyCounts {
    /// Calls forwarded (a batch counts each call).
    pub calls: u64,
    /// Requests answered 502.
    pub dropped: u64,
    /// `eth_getLogs` answered `[]` instead of the chain's logs.
    pub emptied: u64,
    /// Answers changed to hide blocks above the lagging head.
    pub lagged: u64,
    /// `eth_getLogs` refused for too wide a range.
    pub refused_ranges: u64,
    /// The widest `eth_getLogs` range answered, in blocks.
    pub widest_logs_range: u64,
}

struct Hold {
    method: String,
    reached: Option<oneshot::Sender<()>>,
    release: Arc<Notify>,
}

struct Inner {
    upstream: String,
    http: reqwest::Client,
    faults: Mutex<Faults>,
    counts: Mutex<ProxyCounts>,
    holds: Mutex<Vec<Hold>>,
    rng: Mutex<u64>,
    /// When each HTTP request arrived.
    arrivals: Mutex<Vec<std::time::Instant>>,
}

/// A running proxy; stops when dropped.
pub struct RpcProxy {
    inner: Arc<Inner>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for RpcProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcProxy").field("addr", &self.addr).finish()
    }
}

/// A held answer: [`Held::reached`] resolves once the call was forwarded (its answer is
/// ready but not sent); [`Held::release`] sends it.
#[derive(Debug)]
pub struct Held {
    reached: oneshot::Receiver<()>,
    release: Arc<Notify>,
}

impl Held {
    /// Waits until the held call has been forwarded upstream.
    pub async fn reached(&mut self) -> eyre::Result<()> {
        (&mut self.reached).await.map_err(|_| eyre::eyre!("the proxy stopped"))
    }

    /// Lets the answer go.
    pub fn release(self) {
        self.release.notify_one();
    }
}

impl RpcProxy {
    /// Starts a proxy in front of `upstream` (an HTTP JSON-RPC URL), on a free port.
    pub async fn start(upstream: &str) -> eyre::Result<Self> {
        cointent_config::install_crypto_provider();
        let inner = Arc::new(Inner {
            upstream: upstream.to_string(),
            http: reqwest::Client::new(),
            faults: Mutex::new(Faults::default()),
            counts: Mutex::new(ProxyCounts::default()),
            holds: Mutex::new(Vec::new()),
            rng: Mutex::new(0x5eed),
            arrivals: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new().route("/", post(handle)).with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { inner, addr, task })
    }

    /// The proxy's URL, to give the indexer.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the faults.
    pub fn faults(&self, change: impl FnOnce(&mut Faults)) {
        change(&mut lock(&self.inner.faults));
    }

    /// Forwards faithfully from now on.
    pub fn heal(&self) {
        *lock(&self.inner.faults) = Faults::default();
    }

    /// Seeds the random choices of drops and empty answers.
    pub fn seed(&self, seed: u64) {
        *lock(&self.inner.rng) = seed;
    }

    /// What the proxy did so far.
    pub fn counts(&self) -> ProxyCounts {
        *lock(&self.inner.counts)
    }

    /// When each HTTP request (a batch is one) arrived, in order.
    pub fn request_times(&self) -> Vec<std::time::Instant> {
        lock(&self.inner.arrivals).clone()
    }

    /// Holds the answer to the next call of `method`.
    pub fn hold_next(&self, method: &str) -> Held {
        let (tx, rx) = oneshot::channel();
        let release = Arc::new(Notify::new());
        lock(&self.inner.holds).push(Hold {
            method: method.to_string(),
            reached: Some(tx),
            release: release.clone(),
        });
        Held { reached: rx, release }
    }
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    /// A pseudo-random draw below 1000.
    fn per_mille(&self) -> u32 {
        let mut s = lock(&self.rng);
        *s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*s >> 33) % 1000) as u32
    }

    async fn upstream(&self, body: &Value) -> Result<Value, String> {
        let response =
            self.http.post(&self.upstream).json(body).send().await.map_err(|e| e.to_string())?;
        response.json().await.map_err(|e| e.to_string())
    }

    async fn upstream_head(&self) -> Result<u64, String> {
        let answer = self
            .upstream(
                &json!({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []}),
            )
            .await?;
        answer["result"].as_str().and_then(parse_quantity).ok_or_else(|| format!("{answer}"))
    }

    /// Forwards one call, applying the faults.
    async fn call(&self, request: Value) -> Value {
        let method = request["method"].as_str().unwrap_or_default().to_string();
        let faults = lock(&self.faults).clone();
        lock(&self.counts).calls += 1;
        let id = request["id"].clone();
        let error = |message: String| json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": message}});
        if method == "eth_getLogs"
            && let Some(span) = logs_span(&request)
        {
            if faults.max_logs_range.is_some_and(|max| span > max) {
                lock(&self.counts).refused_ranges += 1;
                let (code, message) = faults.range_refusal.clone().unwrap_or_else(|| {
                    // Alchemy's, with the range it suggests.
                    let from = request["params"][0]["fromBlock"].as_str().and_then(parse_quantity);
                    let from = from.unwrap_or(0);
                    let to = from + faults.max_logs_range.unwrap_or(1) - 1;
                    (
                        -32602,
                        format!(
                            "Log response size exceeded. You can make eth_getLogs requests with \
                             up to a 2K block range and no limit on the response size, or you can \
                             request any block range with a cap of 10K logs in the response. Based \
                             on your parameters and the response size limit, this block range \
                             should work: [{from:#x}, {to:#x}]"
                        ),
                    )
                });
                return json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
            }
            let mut counts = lock(&self.counts);
            counts.widest_logs_range = counts.widest_logs_range.max(span);
        }
        if method == "eth_getLogs" {
            let empty = {
                let mut f = lock(&self.faults);
                if f.empty_next_logs > 0 {
                    f.empty_next_logs -= 1;
                    true
                } else {
                    false
                }
            } || (faults.empty_logs_per_mille > 0
                && self.per_mille() < faults.empty_logs_per_mille);
            if empty {
                lock(&self.counts).emptied += 1;
                return json!({"jsonrpc": "2.0", "id": id, "result": []});
            }
        }
        let visible = if faults.lag > 0 {
            match self.upstream_head().await {
                Ok(head) => Some(head.saturating_sub(faults.lag)),
                Err(e) => return error(e),
            }
        } else {
            None
        };
        let mut request = request;
        if let Some(visible) = visible
            && method == "eth_getBlockByNumber"
            && let Some(tag) = request["params"][0].as_str()
        {
            match tag {
                "latest" | "pending" | "safe" | "finalized" => {
                    // The lagging node's own view of these tags.
                    let shown = if tag == "latest" || tag == "pending" {
                        visible
                    } else {
                        let offset = if tag == "safe" { 32 } else { 64 };
                        match visible.checked_sub(offset) {
                            Some(n) => n,
                            None => return json!({"jsonrpc": "2.0", "id": id, "result": null}),
                        }
                    };
                    request["params"][0] = json!(format!("{shown:#x}"));
                }
                number => {
                    if parse_quantity(number).is_some_and(|n| n > visible) {
                        lock(&self.counts).lagged += 1;
                        return json!({"jsonrpc": "2.0", "id": id, "result": null});
                    }
                }
            }
        }
        let mut answer = match self.upstream(&request).await {
            Ok(a) => a,
            Err(e) => return error(e),
        };
        if let Some(visible) = visible {
            match method.as_str() {
                "eth_blockNumber" => {
                    lock(&self.counts).lagged += 1;
                    answer["result"] = json!(format!("{visible:#x}"));
                }
                "eth_getLogs" => {
                    if let Some(logs) = answer["result"].as_array_mut() {
                        let before = logs.len();
                        logs.retain(|l| {
                            l["blockNumber"].as_str().and_then(parse_quantity).unwrap_or(0)
                                <= visible
                        });
                        if logs.len() != before {
                            lock(&self.counts).lagged += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        let hold = {
            let mut holds = lock(&self.holds);
            holds.iter().position(|h| h.method == method).map(|i| holds.remove(i))
        };
        if let Some(mut hold) = hold {
            let notified = hold.release.notified();
            if let Some(reached) = hold.reached.take() {
                let _ = reached.send(());
            }
            notified.await;
        }
        answer
    }
}

/// The blocks an `eth_getLogs` call covers (both bounds given as numbers).
fn logs_span(request: &Value) -> Option<u64> {
    let filter = &request["params"][0];
    let from = parse_quantity(filter["fromBlock"].as_str()?)?;
    let to = parse_quantity(filter["toBlock"].as_str()?)?;
    Some(to.saturating_sub(from) + 1)
}

fn parse_quantity(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

async fn handle(State(inner): State<Arc<Inner>>, body: axum::body::Bytes) -> impl IntoResponse {
    lock(&inner.arrivals).push(std::time::Instant::now());
    let faults = lock(&inner.faults).clone();
    if !faults.delay.is_zero() {
        tokio::time::sleep(faults.delay).await;
    }
    if faults.drop_per_mille > 0 && inner.per_mille() < faults.drop_per_mille {
        lock(&inner.counts).dropped += 1;
        return (StatusCode::BAD_GATEWAY, String::new());
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, String::new());
    };
    let answer = match request {
        Value::Array(calls) => {
            let mut answers = Vec::with_capacity(calls.len());
            for call in calls {
                answers.push(inner.call(call).await);
            }
            Value::Array(answers)
        }
        call => inner.call(call).await,
    };
    (StatusCode::OK, answer.to_string())
}
