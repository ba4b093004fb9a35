//! The `cointent` configuration: a TOML file plus environment overrides, checked at load
//! time with errors that name the key (`chains[0].rpc_urls`). Every process of the indexer
//! (`cointent serve`, `index`, `status`, ...) reads one [`Config`].
//!
//! ```toml
//! [database]
//! url = "postgres://user@host/db"   # optional; without it an embedded Postgres starts
//! data_dir = ".cointent/postgres"    # the embedded server's data folder
//! port = 54329                       # the embedded server's port
//! max_connections = 16               # the API's pool (requests, streams, webhook worker)
//! ingest_max_connections = 8         # ingestion's own pool, so API load cannot starve it
//!
//! [http]
//! bind = "127.0.0.1:8080"
//! public_url = "http://127.0.0.1:8080"   # base of QR codes and SIWE's domain
//! app_dir = "app/dist"                    # the built app, served at /
//! cors_origins = ["https://shop.example"] # or ["*"]; default: none (same origin only)
//! request_timeout_ms = 10000
//! body_limit_bytes = 1048576
//! session_ttl_secs = 86400
//! response_cache_mb = 64                  # cached public reads; 0 turns the cache off
//! anon_rate_limit_per_min = 600           # per client IP without an API key; default: off
//! nonce_rate_limit_per_min = 60           # nonces, partner update checks per client IP
//! metadata_max_bytes = 65536              # the largest metadata document
//! picture_max_bytes = 2097152             # the largest picture (may exceed body_limit_bytes)
//! max_streams = 1000                      # open event streams, in all
//! max_streams_per_ip = 10                 # open event streams per client IP
//! metrics_bind = "127.0.0.1:9464"         # /metrics on a listener of its own; default: none
//! metrics_token = "..."                   # or on `bind`, behind `Authorization: Bearer`
//!
//! [webhooks]
//! max_attempts = 8
//! backoff_ms = 1000      # first retry; doubles each attempt
//! timeout_ms = 5000      # the whole attempt
//! connect_timeout_ms = 2000
//! max_per_key = 25       # live webhooks per API key
//! concurrency = 32       # deliveries in flight, per worker
//! per_host_concurrency = 4   # deliveries in flight to one receiver host:port, all workers
//! allow_private_targets = false  # true: loopback and private receivers (local development)
//!
//! [walletconnect]   # paying from a phone wallet; without a project id the app offers no
//!                   # WalletConnect entry
//! project_id = "..."                      # from WalletConnect Cloud (public: browsers send it)
//! relay_url = "wss://relay.walletconnect.org"  # the default; a ws(s) URL
//!
//! [tls]   # outbound TLS (RPC and webhooks): rustls with the Mozilla roots built in
//! extra_ca_files = ["certs/private-ca.pem"]  # further CAs to trust (PEM), e.g. a private RPC's
//!
//! [[chains]]
//! registry = "base-sepolia"              # a chain of chains/registry.json: its id, name,
//!                                        # finality settings, block time, explorer and native
//!                                        # currency; any of them given here wins
//! rpc_urls = ["https://sepolia.base.org", "https://base-sepolia.example/KEY"]
//! deployment = "deployments/84532.json"
//!
//! [[chains]]                             # a chain the registry does not have, in full:
//! name = "local-a"
//! chain_id = 31337
//! rpc_urls = ["http://127.0.0.1:8545"]
//! deployment = "deployments/31337.json"  # or: contracts = { escrow = "0x..", ... }
//! start_block = 0                        # default: the deployment file's start_block
//! finality_depth = 12                   # at least 1
//! use_finalized_tag = true               # the chain's `finalized` block, where answered
//! on_deep_reorg = "halt"                 # or "reindex" (from the fork point)
//! poll_interval_ms = 100
//! max_block_range = 10000
//! public_rpc_url = "http://127.0.0.1:8545" # what browsers use; default: first rpc_url
//! check_rpc_url = "https://other.example"  # optional: a second RPC that must agree
//! rate_limit_per_sec = 25                # requests per second to each RPC URL; default: none
//! block_time_ms = 1000                   # average; sets the default poll interval (half of it,
//!                                        # 100 ms to 6 s) where poll_interval_ms is not given
//! explorer = "https://explorer.example"  # shown in /v1/chains
//! native_currency = { name = "Ether", symbol = "ETH", decimals = 18 }  # default: ETH, 18
//! testnet = true
//! ```
//!
//! Environment overrides: `DATABASE_URL` (or `COINTENT_DATABASE_URL`), `COINTENT_HTTP_BIND`,
//! `COINTENT_PUBLIC_URL`,
//! and per chain `COINTENT_CHAIN_<CHAIN_ID>_RPC_URLS` (comma-separated).
//!
//! [`Config`] serializes too, so a tool that starts `cointent` writes its file from this
//! type rather than from a template that can drift (the local stack's `cointent-dev`).

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

mod registry;
mod tls;

pub use registry::{NativeCurrency, RegistryChain, RegistryToken, lookup, registry};
pub use tls::{TlsConfig, install_crypto_provider};

/// A configuration problem, naming the key and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the key and line).
        message: String,
    },
    /// A value is present but wrong.
    #[error("config key `{key}`: {message}")]
    Invalid {
        /// The dotted key, e.g. `chains[0].rpc_urls`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the mirror lives.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// The HTTP server.
    #[serde(default)]
    pub http: HttpConfig,
    /// Webhook delivery.
    #[serde(default)]
    pub webhooks: WebhookConfig,
    /// Traces exported over OTLP.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// Outbound TLS.
    #[serde(default)]
    pub tls: TlsConfig,
    /// WalletConnect v2 for phone wallets (the app reads it from `/v1/walletconnect`).
    #[serde(default)]
    pub walletconnect: WalletConnectConfig,
    /// The chains to index.
    #[serde(default)]
    pub chains: Vec<ChainConfig>,
}

/// Database settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// A Postgres URL; when absent, an embedded server is started.
    pub url: Option<String>,
    /// Data folder of the embedded server.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Port of the embedded server.
    #[serde(default = "default_pg_port")]
    pub port: u16,
    /// The API's pool size (requests, event streams, the webhook worker).
    #[serde(default = "default_pool")]
    pub max_connections: u32,
    /// Ingestion's pool size: commits never wait behind API requests.
    #[serde(default = "default_ingest_pool")]
    pub ingest_max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            data_dir: default_data_dir(),
            port: default_pg_port(),
            max_connections: default_pool(),
            ingest_max_connections: default_ingest_pool(),
        }
    }
}

/// HTTP settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address to listen on.
    #[serde(default = "default_bind")]
    pub bind: SocketAddr,
    /// The public base URL of this server: QR codes point under it, SIWE messages name its
    /// host as their domain.
    #[serde(default = "default_public_url")]
    pub public_url: String,
    /// The built app (index.html, WASM, JS), served at `/` with index.html for unknown paths.
    #[serde(default = "default_app_dir")]
    pub app_dir: PathBuf,
    /// Origins allowed by CORS; `["*"]` for any. Empty: same origin only.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Requests taking longer are answered 408 (streams are exempt).
    #[serde(default = "default_timeout_ms")]
    pub request_timeout_ms: u64,
    /// The largest request body accepted.
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// How long a sign-in with Ethereum session lasts.
    #[serde(default = "default_session_ttl")]
    pub session_ttl_secs: u64,
    /// Memory for cached public reads, in MiB (0: no cache); see `api::cache`.
    #[serde(default = "default_cache_mb")]
    pub response_cache_mb: usize,
    /// Requests per minute allowed to each client IP without an API key; unset (the
    /// default): no limit for anonymous reads.
    #[serde(default)]
    pub anon_rate_limit_per_min: Option<u32>,
    /// Sign-in nonces (`POST /v1/auth/nonce`) per minute for each client IP; also the
    /// partner update checks (`POST /v1/listings/{chain}/{id}/updates`, each costing chain
    /// calls), counted apart.
    #[serde(default = "default_nonce_rate")]
    pub nonce_rate_limit_per_min: u32,
    /// The largest metadata document accepted (at most `body_limit_bytes`).
    #[serde(default = "default_metadata_max")]
    pub metadata_max_bytes: usize,
    /// The largest picture accepted by `POST /v1/pictures`; that route alone takes bodies
    /// up to this size, whatever `body_limit_bytes` says.
    #[serde(default = "default_picture_max")]
    pub picture_max_bytes: usize,
    /// Event streams (`/v1/events/stream`) open at once, in all.
    #[serde(default = "default_max_streams")]
    pub max_streams: usize,
    /// Event streams open at once from one client IP.
    #[serde(default = "default_max_streams_per_ip")]
    pub max_streams_per_ip: usize,
    /// Where to serve `/metrics` on a listener of its own (keep it private); unset: not
    /// there.
    #[serde(default)]
    pub metrics_bind: Option<SocketAddr>,
    /// A bearer token that lets `/metrics` be read on the public listener
    /// (`Authorization: Bearer <token>`); unset: `/metrics` is not public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: default_bind(),
            public_url: default_public_url(),
            app_dir: default_app_dir(),
            cors_origins: Vec::new(),
            request_timeout_ms: default_timeout_ms(),
            body_limit_bytes: default_body_limit(),
            session_ttl_secs: default_session_ttl(),
            response_cache_mb: default_cache_mb(),
            anon_rate_limit_per_min: None,
            nonce_rate_limit_per_min: default_nonce_rate(),
            metadata_max_bytes: default_metadata_max(),
            picture_max_bytes: default_picture_max(),
            max_streams: default_max_streams(),
            max_streams_per_ip: default_max_streams_per_ip(),
            metrics_bind: None,
            metrics_token: None,
        }
    }
}

impl HttpConfig {
    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

/// Webhook delivery settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Attempts before a delivery is marked failed.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Delay before the first retry; doubles with each attempt.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// How long one attempt may take in all, connection included.
    #[serde(default = "default_hook_timeout_ms")]
    pub timeout_ms: u64,
    /// How long connecting to a receiver may take.
    #[serde(default = "default_hook_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// Live webhooks one API key may have.
    #[serde(default = "default_hooks_per_key")]
    pub max_per_key: u32,
    /// Deliveries one worker has in flight at once.
    #[serde(default = "default_hook_concurrency")]
    pub concurrency: u32,
    /// Deliveries in flight at once to one receiver (`host:port`), over every worker: a slow
    /// receiver holds at most this many.
    #[serde(default = "default_hook_per_host")]
    pub per_host_concurrency: u32,
    /// Allow receivers on loopback, private, link-local and other non-public addresses
    /// (local development and tests); off by default, so webhooks cannot reach the
    /// server's own network.
    #[serde(default)]
    pub allow_private_targets: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            max_attempts: default_attempts(),
            backoff_ms: default_backoff_ms(),
            timeout_ms: default_hook_timeout_ms(),
            connect_timeout_ms: default_hook_connect_timeout_ms(),
            max_per_key: default_hooks_per_key(),
            concurrency: default_hook_concurrency(),
            per_host_concurrency: default_hook_per_host(),
            allow_private_targets: false,
        }
    }
}

/// OpenTelemetry: spans (HTTP requests, database reads, ingestion) exported over
/// OTLP/HTTP (protobuf) in batches, when an endpoint is configured.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL (e.g. `http://otel-collector:4318`); spans go to
    /// `<endpoint>/v1/traces`. Unset: `OTEL_EXPORTER_OTLP_ENDPOINT` if set, else no export.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` the spans carry.
    pub service_name: String,
    /// The fraction of traces kept, 0 to 1.
    pub sample_ratio: f64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self { otlp_endpoint: None, service_name: "cointent".into(), sample_ratio: 1.0 }
    }
}

impl TelemetryConfig {
    /// Where spans go, if anywhere: the configured endpoint, else the standard variable.
    pub fn endpoint(&self) -> Option<String> {
        self.otlp_endpoint
            .clone()
            .or_else(|| std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok())
            .filter(|e| !e.trim().is_empty())
    }
}

/// WalletConnect v2: the app pairs phone wallets through the relay with this project id.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WalletConnectConfig {
    /// The project id from WalletConnect Cloud; none: the app offers no WalletConnect entry.
    /// Not a secret: every browser that pairs sends it to the relay.
    pub project_id: Option<String>,
    /// The relay's WebSocket URL.
    pub relay_url: String,
}

impl Default for WalletConnectConfig {
    fn default() -> Self {
        Self { project_id: None, relay_url: DEFAULT_RELAY.into() }
    }
}

/// WalletConnect's public relay.
pub const DEFAULT_RELAY: &str = "wss://relay.walletconnect.org";

impl WalletConnectConfig {
    fn check(&self) -> Result<(), ConfigError> {
        if let Some(id) = &self.project_id
            && (id.is_empty()
                || id.len() > 64
                || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(invalid(
                "walletconnect.project_id",
                "must be 1 to 64 letters, digits, '-' or '_'",
            ));
        }
        let host = ["wss://", "ws://"].iter().find_map(|p| self.relay_url.strip_prefix(p));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(invalid(
                "walletconnect.relay_url",
                format!("{:?} is not a ws(s) URL", self.relay_url),
            ));
        }
        Ok(())
    }
}

/// One chain to index.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// A chain of the built-in registry (`chains/registry.json`) whose settings this entry
    /// takes where it does not give its own (applied by [`Config::parse`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// A human name for logs and status (from the registry when not given).
    #[serde(default)]
    pub name: String,
    /// The EIP-155 chain id; checked against the RPC's answer (from the registry when not
    /// given).
    #[serde(default)]
    pub chain_id: u64,
    /// JSON-RPC endpoints, tried in order on failure.
    pub rpc_urls: Vec<String>,
    /// A deployment file written by script/Deploy.s.sol.
    pub deployment: Option<PathBuf>,
    /// Contract addresses by name, instead of (or over) the deployment file.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contracts: BTreeMap<String, Address>,
    /// First block to index; defaults to the deployment's start block, else 0.
    pub start_block: Option<u64>,
    /// Blocks this deep below the head are final where the chain's `finalized` block is not
    /// used (`use_finalized_tag` false, or an RPC that never answered the tag); at least 1.
    /// Until a block is final its batch can be rolled back.
    #[serde(default = "default_finality")]
    pub finality_depth: u64,
    /// Follow the chain's `finalized` block where the RPC answers that tag, instead of
    /// `finality_depth` (the default); false: `finality_depth` alone.
    #[serde(default = "default_true")]
    pub use_finalized_tag: bool,
    /// What to do about a reorg deeper than the undo window: stop the chain (`halt`, the
    /// default; `cointent reindex --chain` is the way out) or re-index it from the fork
    /// point at once (`reindex`).
    #[serde(default)]
    pub on_deep_reorg: DeepReorg,
    /// Where this chain is in `chains` (for errors that name config keys); set by
    /// [`Config::resolve`].
    #[serde(skip)]
    pub position: usize,
    /// How often to poll for new blocks, in milliseconds.
    #[serde(default = "default_poll")]
    pub poll_interval_ms: u64,
    /// The largest block range asked of `eth_getLogs`.
    #[serde(default = "default_range")]
    pub max_block_range: u64,
    /// The RPC URL browsers use to check records against the chain (the app's transparency
    /// page); defaults to the first of `rpc_urls`.
    #[serde(default)]
    pub public_rpc_url: Option<String>,
    /// A second RPC (another provider's, ideally) asked for the hash of every batch's last
    /// block: a batch whose block the two disagree on waits until they agree.
    #[serde(default)]
    pub check_rpc_url: Option<String>,
    /// The average time between blocks; when given (or taken from the registry) and
    /// `poll_interval_ms` is not, the poll interval is half of it, from 100 ms to 6 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_time_ms: Option<u64>,
    /// The block explorer's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explorer: Option<String>,
    /// The chain's native currency; unset: Ether (ETH, 18 decimals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_currency: Option<NativeCurrency>,
    /// Whether the chain is a test network.
    #[serde(default)]
    pub testnet: bool,
    /// JSON-RPC requests per second sent to each of `rpc_urls` (each URL has its own
    /// budget; a batch is one request); unset: as fast as answers come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_sec: Option<u32>,
    /// The configuration's `[tls]`, copied here by [`Config::resolve`] so the chain's RPC
    /// clients trust what it says.
    #[serde(skip)]
    pub tls: TlsConfig,
}

/// What a reorg deeper than the undo window does to a chain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeepReorg {
    /// Stop ingesting the chain and say so (status, `/ready`, metric, log), leaving the
    /// mirror as it was.
    #[default]
    Halt,
    /// Re-index the chain from the fork point (found through the stored events' block
    /// hashes) and carry on.
    Reindex,
}

impl ChainConfig {
    /// A chain with the default settings (its contracts still to be given, as `deployment`
    /// or `contracts`).
    pub fn new(name: impl Into<String>, chain_id: u64, rpc_urls: Vec<String>) -> Self {
        Self {
            registry: None,
            name: name.into(),
            chain_id,
            rpc_urls,
            deployment: None,
            contracts: BTreeMap::new(),
            start_block: None,
            finality_depth: default_finality(),
            use_finalized_tag: default_true(),
            on_deep_reorg: DeepReorg::default(),
            position: 0,
            poll_interval_ms: default_poll(),
            max_block_range: default_range(),
            public_rpc_url: None,
            check_rpc_url: None,
            block_time_ms: None,
            explorer: None,
            native_currency: None,
            testnet: false,
            rate_limit_per_sec: None,
            tls: TlsConfig::default(),
        }
    }

    /// The registry's chain `key` with the default settings and `rpc_urls` (its contracts
    /// still to be given).
    pub fn from_registry(key: &str, rpc_urls: Vec<String>) -> Result<Self, ConfigError> {
        let mut chain = Self::new("", 0, rpc_urls);
        chain.registry = Some(key.to_string());
        chain.apply_registry(0, |_| false)?;
        Ok(chain)
    }

    /// Takes from the registry (with `registry`) and from the block time what this entry,
    /// `chains[position]`, does not give itself (`given` says which keys it gives).
    fn apply_registry(
        &mut self,
        position: usize,
        given: impl Fn(&str) -> bool,
    ) -> Result<(), ConfigError> {
        let key = |k: &str| format!("chains[{position}].{k}");
        if let Some(name) = &self.registry {
            let Some(known) = registry::lookup(name) else {
                let keys: Vec<&str> = registry::registry().iter().map(|c| c.key.as_str()).collect();
                return Err(invalid(
                    key("registry"),
                    format!("{name:?} is not a chain of the registry; known: {}", keys.join(", ")),
                ));
            };
            if given("chain_id") && self.chain_id != known.chain_id {
                return Err(invalid(
                    key("chain_id"),
                    format!("{} is not {name}'s chain id ({})", self.chain_id, known.chain_id),
                ));
            }
            self.chain_id = known.chain_id;
            if !given("name") {
                self.name = known.name.clone();
            }
            if !given("finality_depth") {
                self.finality_depth = known.finality_depth;
            }
            if !given("use_finalized_tag") {
                self.use_finalized_tag = known.finalized_tag;
            }
            if !given("testnet") {
                self.testnet = known.testnet;
            }
            self.block_time_ms.get_or_insert(known.block_time_ms);
            if self.explorer.is_none() {
                self.explorer = known.explorer.clone();
            }
            self.native_currency.get_or_insert_with(|| known.native_currency.clone());
        }
        if !given("poll_interval_ms")
            && let Some(block_time) = self.block_time_ms
        {
            self.poll_interval_ms = registry::poll_interval_ms(block_time);
        }
        Ok(())
    }

    /// The poll interval.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    /// The RPC URL to give browsers.
    pub fn browser_rpc_url(&self) -> &str {
        self.public_rpc_url.as_deref().unwrap_or(&self.rpc_urls[0])
    }
}

/// A deployment file, as written by the deploy script.
#[derive(Debug, Clone, Deserialize)]
pub struct Deployment {
    /// Its chain.
    pub chain_id: u64,
    /// The block of the first deployment transaction.
    #[serde(default)]
    pub start_block: u64,
    /// Whether the chain is a local development chain (the free-mint demo stablecoin is
    /// deployed only there).
    #[serde(default)]
    pub local: bool,
    /// The payment tokens the deployment put on the Escrow's allowlist (the native coin as
    /// the zero address). The mirror follows the allowlist from its `TokenAllowed` events;
    /// this is what the deployment did.
    #[serde(default)]
    pub payment_tokens: Vec<Address>,
    /// Contract addresses by name; the zero address for a contract not deployed on the
    /// chain (`stablecoin` off local chains).
    pub contracts: BTreeMap<String, Address>,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from(".cointent/postgres")
}
fn default_pg_port() -> u16 {
    54329
}
fn default_pool() -> u32 {
    16
}
fn default_ingest_pool() -> u32 {
    8
}
fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_public_url() -> String {
    "http://127.0.0.1:8080".into()
}
fn default_app_dir() -> PathBuf {
    PathBuf::from("app/dist")
}
fn default_timeout_ms() -> u64 {
    10_000
}
fn default_picture_max() -> usize {
    2 << 20
}
fn default_body_limit() -> usize {
    1 << 20
}
fn default_session_ttl() -> u64 {
    86_400
}
fn default_cache_mb() -> usize {
    64
}
fn default_nonce_rate() -> u32 {
    60
}
fn default_metadata_max() -> usize {
    64 * 1024
}
fn default_max_streams() -> usize {
    1_000
}
fn default_max_streams_per_ip() -> usize {
    10
}
fn default_attempts() -> u32 {
    8
}
fn default_backoff_ms() -> u64 {
    1_000
}
fn default_hook_timeout_ms() -> u64 {
    5_000
}
fn default_hook_connect_timeout_ms() -> u64 {
    2_000
}
fn default_hooks_per_key() -> u32 {
    25
}
fn default_hook_concurrency() -> u32 {
    32
}
fn default_hook_per_host() -> u32 {
    4
}
fn default_true() -> bool {
    true
}
fn default_finality() -> u64 {
    12
}
fn default_poll() -> u64 {
    100
}
fn default_range() -> u64 {
    10_000
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), message: message.into() }
}

impl Config {
    /// The limits must leave the server usable: each at least 1, timeouts included.
    fn check_limits(&self) -> Result<(), ConfigError> {
        let (http, hooks) = (&self.http, &self.webhooks);
        let at_least_one: [(&str, u64); 13] = [
            ("database.max_connections", self.database.max_connections.into()),
            ("database.ingest_max_connections", self.database.ingest_max_connections.into()),
            ("http.nonce_rate_limit_per_min", http.nonce_rate_limit_per_min.into()),
            ("http.max_streams", http.max_streams as u64),
            ("http.max_streams_per_ip", http.max_streams_per_ip as u64),
            ("webhooks.max_attempts", hooks.max_attempts.into()),
            ("webhooks.timeout_ms", hooks.timeout_ms),
            ("webhooks.connect_timeout_ms", hooks.connect_timeout_ms),
            ("webhooks.max_per_key", hooks.max_per_key.into()),
            ("webhooks.concurrency", hooks.concurrency.into()),
            ("webhooks.per_host_concurrency", hooks.per_host_concurrency.into()),
            ("http.metadata_max_bytes", http.metadata_max_bytes as u64),
            ("http.picture_max_bytes", http.picture_max_bytes as u64),
        ];
        if let Some((key, _)) = at_least_one.iter().find(|(_, v)| *v == 0) {
            return Err(invalid(*key, "must be at least 1"));
        }
        if http.metadata_max_bytes > http.body_limit_bytes {
            return Err(invalid(
                "http.metadata_max_bytes",
                format!("must not exceed http.body_limit_bytes ({})", http.body_limit_bytes),
            ));
        }
        if http.metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(invalid("http.metrics_token", "must be at least 16 characters"));
        }
        if http.metrics_bind.is_some_and(|m| m == http.bind) {
            return Err(invalid("http.metrics_bind", "must differ from http.bind"));
        }
        Ok(())
    }

    /// Reads `path`, applies environment overrides and validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.into(), source })?;
        let mut config = Self::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.apply_env(|k| std::env::var(k).ok());
        config.resolve(base)?;
        Ok(config)
    }

    /// Parses TOML text (`path` only names the file in errors).
    /// Chains naming a `registry` entry take its settings where they give none.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let error =
            |e: toml::de::Error| ConfigError::Parse { path: path.into(), message: e.to_string() };
        let mut config: Self = toml::from_str(text).map_err(error)?;
        // Which keys each [[chains]] entry gives itself: those win over the registry.
        let table: toml::Table = toml::from_str(text).map_err(error)?;
        let entries = table.get("chains").and_then(toml::Value::as_array);
        for (i, chain) in config.chains.iter_mut().enumerate() {
            let entry = entries.and_then(|e| e.get(i)).and_then(toml::Value::as_table);
            chain.apply_registry(i, |k| entry.is_some_and(|t| t.contains_key(k)))?;
        }
        Ok(config)
    }

    /// Applies environment overrides, read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(url) = var("COINTENT_DATABASE_URL").or_else(|| var("DATABASE_URL")) {
            self.database.url = Some(url).filter(|u| !u.is_empty());
        }
        if let Some(bind) = var("COINTENT_HTTP_BIND").and_then(|b| b.parse().ok()) {
            self.http.bind = bind;
        }
        if let Some(url) = var("COINTENT_PUBLIC_URL") {
            self.http.public_url = url;
        }
        for chain in &mut self.chains {
            if let Some(urls) = var(&format!("COINTENT_CHAIN_{}_RPC_URLS", chain.chain_id)) {
                chain.rpc_urls = urls.split(',').map(|u| u.trim().to_string()).collect();
            }
        }
    }

    /// Validates, reads deployment files (relative to `base`) and fills contract
    /// addresses and start blocks.
    pub fn resolve(&mut self, base: &Path) -> Result<(), ConfigError> {
        if self.chains.is_empty() {
            return Err(invalid("chains", "at least one [[chains]] entry is needed"));
        }
        let public = self.http.public_url.trim_end_matches('/');
        if !(public.starts_with("http://") || public.starts_with("https://")) {
            return Err(invalid("http.public_url", format!("{public:?} is not an http(s) URL")));
        }
        self.http.public_url = public.to_string();
        if self.http.app_dir.is_relative() {
            self.http.app_dir = base.join(&self.http.app_dir);
        }
        self.check_limits()?;
        self.walletconnect.check()?;
        let t = &self.telemetry;
        if !(0.0..=1.0).contains(&t.sample_ratio) {
            return Err(invalid("telemetry.sample_ratio", "must be between 0 and 1"));
        }
        if let Some(url) = &t.otlp_endpoint
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(invalid(
                "telemetry.otlp_endpoint",
                format!("{url:?} is not an http(s) URL"),
            ));
        }
        for file in &mut self.tls.extra_ca_files {
            if file.is_relative() {
                *file = base.join(&*file);
            }
        }
        self.tls.client_config()?;
        let mut seen = std::collections::HashSet::new();
        for (i, chain) in self.chains.iter_mut().enumerate() {
            let key = |k: &str| format!("chains[{i}].{k}");
            if chain.chain_id == 0 {
                return Err(invalid(key("chain_id"), "missing: give `chain_id` or `registry`"));
            }
            if chain.name.is_empty() {
                return Err(invalid(key("name"), "missing: give `name` or `registry`"));
            }
            if !seen.insert(chain.chain_id) {
                return Err(invalid(key("chain_id"), format!("{} appears twice", chain.chain_id)));
            }
            if chain.rpc_urls.is_empty() {
                return Err(invalid(key("rpc_urls"), "needs at least one URL"));
            }
            for url in &chain.rpc_urls {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(invalid(key("rpc_urls"), format!("{url:?} is not an http(s) URL")));
                }
            }
            if let Some(url) = &chain.check_rpc_url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(invalid(
                    key("check_rpc_url"),
                    format!("{url:?} is not an http(s) URL"),
                ));
            }
            chain.position = i;
            chain.tls = self.tls.clone();
            if chain.rate_limit_per_sec == Some(0) {
                return Err(invalid(key("rate_limit_per_sec"), "must be at least 1"));
            }
            if chain.finality_depth == 0 {
                return Err(invalid(
                    key("finality_depth"),
                    "must be at least 1 (0 would make the tip final, so a reorg of depth 1 could not be undone)",
                ));
            }
            if chain.max_block_range == 0 {
                return Err(invalid(key("max_block_range"), "must be at least 1"));
            }
            if chain.poll_interval_ms == 0 {
                return Err(invalid(key("poll_interval_ms"), "must be at least 1"));
            }
            if let Some(file) = &chain.deployment {
                let file = base.join(file);
                let text = std::fs::read_to_string(&file).map_err(|e| {
                    invalid(key("deployment"), format!("cannot read {}: {e}", file.display()))
                })?;
                let deployment: Deployment = serde_json::from_str(&text).map_err(|e| {
                    invalid(
                        key("deployment"),
                        format!("{} is not a deployment file: {e}", file.display()),
                    )
                })?;
                if deployment.chain_id != chain.chain_id {
                    return Err(invalid(
                        key("deployment"),
                        format!(
                            "{} is for chain {}, not {}",
                            file.display(),
                            deployment.chain_id,
                            chain.chain_id
                        ),
                    ));
                }
                for (name, address) in deployment.contracts {
                    chain.contracts.entry(name).or_insert(address);
                }
                chain.start_block.get_or_insert(deployment.start_block);
            }
            // The zero address stands for a contract the chain does not have (the deploy
            // script writes it for the demo stablecoin off local chains): nothing to index.
            chain.contracts.retain(|_, address| *address != Address::ZERO);
            if chain.contracts.is_empty() {
                return Err(invalid(
                    key("contracts"),
                    "no contracts: give `deployment` or `contracts`",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut c = Config::parse(text, Path::new("test.toml"))?;
        c.resolve(Path::new("."))?;
        Ok(c)
    }

    #[test]
    fn bad_config_names_the_key() {
        let cases = [
            ("", "chains"),
            ("[[chains]]\nname='a'\nchain_id=1\nrpc_urls=[]\n", "chains[0].rpc_urls"),
            ("[[chains]]\nname='a'\nchain_id=1\nrpc_urls=['ws://x']\n", "chains[0].rpc_urls"),
            ("[[chains]]\nname='a'\nchain_id=1\nrpc_urls=['http://x']\n", "chains[0].contracts"),
            (
                "[[chains]]\nname='a'\nchain_id=1\nrpc_urls=['http://x']\ndeployment='/nonexistent.json'\n",
                "chains[0].deployment",
            ),
            (
                "[[chains]]\nname='a'\nchain_id=1\nrpc_urls=['http://x']\nfinality_depth=0\ncontracts={a='0x0000000000000000000000000000000000000001'}\n",
                "chains[0].finality_depth",
            ),
        ];
        for (text, key) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(&format!("`{key}`")), "{text:?}: {err}");
        }
        let err = parse("[http]\nbind = 'nope'\n").unwrap_err().to_string();
        assert!(err.contains("bind"), "{err}");
        let err = parse("[database]\nurl = 1\nbogus = 2\n").unwrap_err().to_string();
        assert!(err.contains("test.toml"), "{err}");
    }

    #[test]
    fn limits_are_checked_naming_the_key() {
        let chain = "[[chains]]\nname='a'\nchain_id=1\nrpc_urls=['http://x']\ncontracts={a='0x0000000000000000000000000000000000000001'}\n";
        for (table, key) in [
            ("[webhooks]\nmax_per_key = 0", "webhooks.max_per_key"),
            ("[webhooks]\nper_host_concurrency = 0", "webhooks.per_host_concurrency"),
            ("[http]\nmax_streams_per_ip = 0", "http.max_streams_per_ip"),
            ("[http]\nnonce_rate_limit_per_min = 0", "http.nonce_rate_limit_per_min"),
            (
                "[http]\nbody_limit_bytes = 1000\nmetadata_max_bytes = 2000",
                "http.metadata_max_bytes",
            ),
            ("[http]\nmetrics_token = 'short'", "http.metrics_token"),
            ("[http]\nbind = '127.0.0.1:1'\nmetrics_bind = '127.0.0.1:1'", "http.metrics_bind"),
            ("[database]\ningest_max_connections = 0", "database.ingest_max_connections"),
        ] {
            let err = parse(&format!("{table}\n{chain}")).unwrap_err().to_string();
            assert!(err.contains(&format!("`{key}`")), "{table}: {err}");
        }
        let c = parse(chain).unwrap();
        assert!(!c.webhooks.allow_private_targets, "receivers must be public by default");
        assert_eq!((c.webhooks.max_per_key, c.webhooks.per_host_concurrency), (25, 4));
        assert_eq!((c.http.max_streams, c.http.max_streams_per_ip), (1_000, 10));
        assert_eq!((c.http.nonce_rate_limit_per_min, c.http.metadata_max_bytes), (60, 65_536));
        assert_eq!((c.http.metrics_bind, c.http.metrics_token.as_deref()), (None, None));
    }

    #[test]
    fn environment_overrides_the_file() {
        let text = "[[chains]]\nname='a'\nchain_id=7\nrpc_urls=['http://a']\ncontracts={escrow='0x0000000000000000000000000000000000000001'}\n";
        let mut c = Config::parse(text, Path::new("t")).unwrap();
        c.apply_env(|k| match k {
            "DATABASE_URL" => Some("postgres://x/y".into()),
            "COINTENT_HTTP_BIND" => Some("0.0.0.0:9000".into()),
            "COINTENT_CHAIN_7_RPC_URLS" => Some("http://b, http://c".into()),
            _ => None,
        });
        c.resolve(Path::new(".")).unwrap();
        assert_eq!(c.database.url.as_deref(), Some("postgres://x/y"));
        assert_eq!(c.http.bind.port(), 9000);
        assert_eq!(c.chains[0].rpc_urls, ["http://b", "http://c"]);
        assert_eq!(c.chains[0].finality_depth, 12);
    }

    #[test]
    fn a_registry_entry_takes_what_it_does_not_give_from_the_registry() {
        let contracts = "contracts={escrow='0x0000000000000000000000000000000000000001'}";
        let entry = |rest: &str| {
            format!("[[chains]]\nrpc_urls=['https://rpc.example']\n{contracts}\n{rest}\n")
        };
        let c = parse(&entry("registry='base-sepolia'")).unwrap();
        let b = &c.chains[0];
        assert_eq!(
            (b.chain_id, b.name.as_str(), b.finality_depth, b.use_finalized_tag, b.testnet),
            (84532, "Base Sepolia", 600, true, true)
        );
        assert_eq!((b.block_time_ms, b.poll_interval_ms), (Some(2_000), 1_000));
        assert_eq!(b.explorer.as_deref(), Some("https://sepolia.basescan.org"));
        assert_eq!(
            b.native_currency.as_ref().map(|n| (n.symbol.as_str(), n.decimals)),
            Some(("ETH", 18))
        );

        // Whatever the entry gives wins.
        let c = parse(&entry(
            "registry='polygon'\nname='PoS'\nfinality_depth=32\nuse_finalized_tag=false\n\
             poll_interval_ms=50\nexplorer='https://scan.example'\ntestnet=true\n\
             native_currency={name='Gas',symbol='GAS',decimals=9}",
        ))
        .unwrap();
        let p = &c.chains[0];
        assert_eq!(
            (p.chain_id, p.name.as_str(), p.finality_depth, p.use_finalized_tag, p.testnet),
            (137, "PoS", 32, false, true)
        );
        assert_eq!((p.block_time_ms, p.poll_interval_ms), (Some(2_000), 50));
        assert_eq!(p.explorer.as_deref(), Some("https://scan.example"));
        assert_eq!(p.native_currency.as_ref().map(|n| n.symbol.as_str()), Some("GAS"));
        let c = parse(&entry("registry='ethereum'\nchain_id=1\nblock_time_ms=500")).unwrap();
        assert_eq!((c.chains[0].block_time_ms, c.chains[0].poll_interval_ms), (Some(500), 250));
        assert_eq!(c.chains[0].native_currency.as_ref().unwrap().name, "Ether");

        // A chain the registry does not have is an entry in full; its block time sets the
        // poll interval, and without one the defaults stay.
        let c = parse(&entry("name='mine'\nchain_id=999\nblock_time_ms=20000")).unwrap();
        let m = &c.chains[0];
        assert_eq!((m.poll_interval_ms, m.finality_depth, m.testnet), (6_000, 12, false));
        assert_eq!((m.explorer.as_ref(), m.native_currency.as_ref()), (None, None));
        assert_eq!(parse(&entry("name='m'\nchain_id=9")).unwrap().chains[0].poll_interval_ms, 100);

        // Built in code.
        let a = ChainConfig::from_registry("arbitrum", vec!["https://arb.example".into()]).unwrap();
        assert_eq!((a.chain_id, a.finality_depth, a.poll_interval_ms), (42161, 4_800, 125));
    }

    #[test]
    fn registry_mistakes_name_the_key() {
        let contracts = "contracts={escrow='0x0000000000000000000000000000000000000001'}";
        let entry = |rest: &str| {
            format!("[[chains]]\nrpc_urls=['https://rpc.example']\n{contracts}\n{rest}\n")
        };
        let err = parse(&entry("registry='base-goerli'")).unwrap_err().to_string();
        assert!(err.contains("`chains[0].registry`") && err.contains("\"base-goerli\""), "{err}");
        assert!(
            err.contains("known: ethereum, base, optimism") && err.contains("polygon-amoy"),
            "{err}"
        );
        let err = parse(&entry("registry='base'\nchain_id=10")).unwrap_err().to_string();
        assert!(err.contains("`chains[0].chain_id`") && err.contains("8453"), "{err}");
        let err = parse(&entry("name='x'")).unwrap_err().to_string();
        assert!(err.contains("`chains[0].chain_id`") && err.contains("registry"), "{err}");
        let err = parse(&entry("chain_id=5")).unwrap_err().to_string();
        assert!(err.contains("`chains[0].name`"), "{err}");
        assert!(ChainConfig::from_registry("nope", vec![]).is_err());
    }

    /// An Escrow v2 deployment file: its new keys are read, its new contracts indexed, and
    /// a zero address (the demo stablecoin off local chains) means no contract.
    #[test]
    fn v2_deployments_leave_out_contracts_they_do_not_have() {
        let dir = std::env::temp_dir().join(format!("cointent-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("10.json");
        let deployment = r#"{"chain_id": 10, "start_block": 7, "local": false,
            "payment_tokens": ["0x0000000000000000000000000000000000000000",
                               "0x0b2c639c533813f4aa9d7837caf62653d097ff85"],
            "contracts": {"escrow": "0x0000000000000000000000000000000000000001",
                          "escrow_lens": "0x0000000000000000000000000000000000000002",
                          "terms_verifier": "0x0000000000000000000000000000000000000003",
                          "team_vesting": "0x0000000000000000000000000000000000000004",
                          "stablecoin": "0x0000000000000000000000000000000000000000"}}"#;
        std::fs::write(&file, deployment).unwrap();
        let text =
            "[[chains]]\nname='op'\nchain_id=10\nrpc_urls=['http://a']\ndeployment='10.json'\n";
        let mut c = Config::parse(text, Path::new("t")).unwrap();
        c.resolve(&dir).unwrap();
        let names: Vec<&str> = c.chains[0].contracts.keys().map(String::as_str).collect();
        assert_eq!(names, ["escrow", "escrow_lens", "team_vesting", "terms_verifier"]);
        assert_eq!(c.chains[0].start_block, Some(7));
        let parsed: Deployment = serde_json::from_str(deployment).unwrap();
        assert!(!parsed.local);
        assert_eq!(parsed.payment_tokens.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn walletconnect_is_off_without_a_project_id_and_checks_its_keys() {
        let base = "[[chains]]\nname='a'\nchain_id=1\nrpc_urls=['http://a']\n\
                    contracts={a='0x0000000000000000000000000000000000000001'}\n";
        let load = |extra: &str| {
            let mut c = Config::parse(&format!("{extra}\n{base}"), Path::new("t.toml"))?;
            c.resolve(Path::new(".")).map(|()| c)
        };
        let off = load("").unwrap();
        assert_eq!(off.walletconnect.project_id, None);
        assert_eq!(off.walletconnect.relay_url, DEFAULT_RELAY);
        let on = load("[walletconnect]\nproject_id = 'a1b2c3'\nrelay_url = 'ws://127.0.0.1:9/'")
            .unwrap();
        assert_eq!(on.walletconnect.project_id.as_deref(), Some("a1b2c3"));
        for (bad, key) in [
            ("project_id = ''", "walletconnect.project_id"),
            ("project_id = 'a b'", "walletconnect.project_id"),
            ("relay_url = 'https://relay.example'", "walletconnect.relay_url"),
        ] {
            let err = load(&format!("[walletconnect]\n{bad}")).unwrap_err().to_string();
            assert!(err.contains(key), "{bad}: {err}");
        }
    }
}
