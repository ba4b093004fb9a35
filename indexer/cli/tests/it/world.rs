//! A whole deployment for API tests: anvil, every contract deployed by the real deploy
//! script, the mirror filled live by the ingester, and `cointent serve`'s router bound on a
//! free port.
#![allow(dead_code)] // shared by the API tests: each uses some of the helpers

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use cointent_abi::DemoStablecoin;
use cointent_api::{AppState, router};
use cointent_config::{ChainConfig, Config, DatabaseConfig, HttpConfig, WebhookConfig};
use cointent_harness::{DEV_KEYS, project_root};
use cointent_ingest::Metrics;
use eyre::{ContextCompat, Result, ensure};
use sqlx::PgPool;

use crate::common::*;

/// A deployed, mirrored and served chain.
pub(crate) struct World {
    pub(crate) chain: Chain,
    /// Contract addresses by name (escrow, escrow_lens, governor, stablecoin, terms_verifier,
    /// timelock, token, treasury, ...).
    pub(crate) contracts: BTreeMap<String, Address>,
    /// The payment tokens the deploy script allowlisted (the native coin as the zero address).
    pub(crate) payment_tokens: Vec<Address>,
    pub(crate) config: ChainConfig,
    pub(crate) pool: PgPool,
    pub(crate) running: Running,
    /// `http://127.0.0.1:<port>`.
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    /// The indexer's figures (the cache's version counts its commits).
    metrics: Arc<Metrics>,
    server: tokio::task::JoinHandle<()>,
}

impl World {
    /// Starts anvil on `chain_id` (unique per test: the deploy script writes
    /// `deployments/<chain_id>.json`), deploys, mirrors and serves.
    pub(crate) async fn start(chain_id: u64) -> Result<Self> {
        Self::start_with(chain_id, |_| {}).await
    }

    /// As [`World::start`], letting the caller adjust the configuration.
    pub(crate) async fn start_with(
        chain_id: u64,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Self> {
        let mut chain = Chain::start(chain_id).await?;
        let (contracts, payment_tokens) = deploy(&chain.anvil.endpoint(), chain_id)?;
        chain.token = contracts["stablecoin"];
        let mut config = chain.config("world");
        config.contracts = contracts.clone();
        config.finality_depth = 2;
        let pool = fresh_db().await?;
        let metrics = Arc::new(Metrics::default());
        let mut full = Config {
            database: DatabaseConfig::default(),
            http: HttpConfig::default(),
            webhooks: WebhookConfig { backoff_ms: 50, timeout_ms: 2_000, ..Default::default() },
            telemetry: Default::default(),
            walletconnect: Default::default(),
            tls: Default::default(),
            chains: vec![config],
        };
        full.http.app_dir = project_root().join("app/dist");
        adjust(&mut full);
        // The chain as adjusted (finality settings, say) is the one indexed.
        let config = full.chains[0].clone();
        let running = Running::start_with(&pool, config.clone(), metrics.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        full.http.public_url = base.clone();
        let state = AppState::new(pool.clone(), metrics.clone(), Arc::new(full));
        // Served as `cointent serve` does: with the client's address (per-IP limits).
        let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let world = Self {
            chain,
            contracts,
            payment_tokens,
            config,
            pool,
            running,
            base,
            http: reqwest::Client::new(),
            metrics,
            server,
        };
        world.sync().await?;
        Ok(world)
    }

    pub(crate) fn address(&self, name: &str) -> Address {
        self.contracts[name]
    }

    /// `base` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` and parses the JSON body, with the status.
    pub(crate) async fn get(&self, path: &str) -> Result<(u16, serde_json::Value)> {
        let response = self.http.get(self.url(path)).send().await?;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        Ok((status, body))
    }

    /// Sends `input` to `to` from dev account `from` and waits for a successful receipt.
    pub(crate) async fn send_to(&self, from: usize, to: Address, input: Vec<u8>) -> Result<u64> {
        send_and_wait(&self.chain.provider, from, to, input).await
    }

    /// Calls contract `name` from dev account `from`.
    pub(crate) async fn call<C: SolCall>(&self, from: usize, name: &str, call: C) -> Result<u64> {
        self.send_to(from, self.address(name), call.abi_encode()).await
    }

    /// A view of contract `name`.
    pub(crate) async fn view<C: SolCall>(&self, name: &str, call: C) -> Result<C::Return> {
        let tx =
            TransactionRequest::default().with_to(self.address(name)).with_input(call.abi_encode());
        let out = self.chain.provider.call(tx).await?;
        Ok(C::abi_decode_returns(&out)?)
    }

    /// A view of the contract at `to`.
    pub(crate) async fn view_at<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        let out = self.chain.provider.call(tx).await?;
        Ok(C::abi_decode_returns(&out)?)
    }

    /// A view of the `EscrowLens` (the Escrow's records and computed views).
    pub(crate) async fn lens<C: SolCall>(&self, call: C) -> Result<C::Return> {
        self.view("escrow_lens", call).await
    }

    /// Mints demo stablecoins to `to` and lets the escrow pull them.
    pub(crate) async fn fund(&self, to: usize, amount: u64) -> Result<()> {
        self.chain.mint(to, amount).await?;
        let approve =
            DemoStablecoin::approveCall { spender: self.address("escrow"), value: U256::MAX };
        self.chain.send(to, approve.abi_encode()).await?;
        Ok(())
    }

    /// The latest block's timestamp.
    pub(crate) async fn now(&self) -> Result<u64> {
        let block = self
            .chain
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .context("latest block")?;
        Ok(block.header.timestamp)
    }

    /// Moves the chain's clock `secs` forward and mines a block.
    pub(crate) async fn warp(&self, secs: u64) -> Result<()> {
        let p = &self.chain.provider;
        let _: serde_json::Value = p.raw_request("evm_increaseTime".into(), (secs,)).await?;
        self.mine(1).await
    }

    /// Mines `n` empty blocks.
    pub(crate) async fn mine(&self, n: u64) -> Result<()> {
        let _: serde_json::Value =
            self.chain.provider.raw_request("anvil_mine".into(), (n,)).await?;
        Ok(())
    }

    /// Waits for the mirror to reach the chain's head.
    pub(crate) async fn sync(&self) -> Result<()> {
        let (n, hash) = self.chain.head().await?;
        let id = self.chain.anvil.chain_id();
        wait_for(&self.pool, id, n, hash).await?;
        // The ingester finishes a step after its commit (token metadata, then the mirror's
        // version, which the response cache follows): wait for the step's end too, so that
        // a test's reads see a settled version.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self.metrics.chain(id).indexed.get() < n {
            eyre::ensure!(
                tokio::time::Instant::now() < deadline,
                "block {n} committed, step not done"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Runs the deploy script against `rpc`; the addresses it wrote, by name (with the payment
/// tokens it allowlisted under `payment_tokens`).
pub(crate) fn deploy(
    rpc: &str,
    chain_id: u64,
) -> Result<(BTreeMap<String, Address>, Vec<Address>)> {
    let json = cointent_harness::deploy_contracts(rpc, chain_id)?;
    let mut contracts = BTreeMap::new();
    for (name, address) in json["contracts"].as_object().context("contracts")? {
        let address: Address = address.as_str().context("address")?.parse()?;
        // A zero address means the chain has no such contract (as the config reads it).
        if !address.is_zero() {
            contracts.insert(name.clone(), address);
        }
    }
    let tokens = serde_json::from_value(json["payment_tokens"].clone())?;
    Ok((contracts, tokens))
}

/// The router serves the OpenAPI document, the docs page, health, and JSON 404s for unknown
/// API paths.
#[tokio::test]
async fn serves_the_document_and_json_errors() -> Result<()> {
    let world = World::start(42001).await?;
    let (status, doc) = world.get("/v1/openapi.json").await?;
    assert_eq!(status, 200);
    // Generated by utoipa 5, which writes OpenAPI 3.1 (the hand-written document was 3.0.3).
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"].as_object().is_some_and(|p| p.len() >= 28), "every area's operations");
    let docs = world.http.get(world.url("/docs")).send().await?;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await?.contains("/v1/openapi.json"));
    let (status, body) = world.get("/v1/no-such-thing").await?;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let health = world.http.get(world.url("/health")).send().await?;
    assert_eq!(health.status(), 200);
    Ok(())
}

// ---- helpers of the auth, metadata, keys and webhooks tests

/// An EIP-4361 message as a wallet would build it.
pub(crate) struct Siwe {
    pub(crate) domain: String,
    pub(crate) address: String,
    pub(crate) uri: String,
    pub(crate) chain_id: u64,
    pub(crate) nonce: String,
    pub(crate) issued_at: String,
    pub(crate) expiration_time: Option<String>,
}

impl Siwe {
    pub(crate) fn text(&self) -> String {
        let mut m = format!(
            "{} wants you to sign in with your Ethereum account:\n{}\n\nSign in to Co-Intent.\n\nURI: {}\nVersion: 1\nChain ID: {}\nNonce: {}\nIssued At: {}",
            self.domain, self.address, self.uri, self.chain_id, self.nonce, self.issued_at
        );
        if let Some(t) = &self.expiration_time {
            m.push_str(&format!("\nExpiration Time: {t}"));
        }
        m
    }
}

/// `personal_sign` of `message` by dev account `dev_idx`, as 0x hex.
pub(crate) fn personal_sign(dev_idx: usize, message: &str) -> Result<String> {
    use alloy::signers::{SignerSync, local::PrivateKeySigner};
    let signer: PrivateKeySigner = DEV_KEYS[dev_idx].parse()?;
    let sig = signer.sign_message_sync(message.as_bytes())?;
    Ok(alloy::hex::encode_prefixed(sig.as_bytes()))
}

impl World {
    /// POSTs JSON to `path` with optional headers; the status and the JSON body (or Null).
    pub(crate) async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Result<(u16, serde_json::Value)> {
        let mut request = self.http.post(self.url(path)).json(body);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(serde_json::Value::Null)))
    }

    /// GETs `path` with headers; the status and the JSON body (or Null).
    pub(crate) async fn get_with(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(u16, serde_json::Value)> {
        let mut request = self.http.get(self.url(path));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(serde_json::Value::Null)))
    }

    /// The database's clock as RFC 3339, `offset_secs` from now.
    pub(crate) async fn rfc3339(&self, offset_secs: i64) -> Result<String> {
        Ok(sqlx::query_scalar(
            "SELECT to_char((now() + make_interval(secs => $1)) AT TIME ZONE 'UTC',
                            'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        )
        .bind(offset_secs as f64)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A message for dev account `dev_idx` with a fresh nonce from the server.
    pub(crate) async fn siwe(&self, dev_idx: usize) -> Result<Siwe> {
        let (status, nonce) = self.post_json("/v1/auth/nonce", &serde_json::json!({}), &[]).await?;
        ensure!(status == 200, "nonce: {status} {nonce}");
        Ok(Siwe {
            domain: self.base.trim_start_matches("http://").to_string(),
            address: crate::common::dev(dev_idx).to_checksum(None),
            uri: format!("{}/create", self.base),
            chain_id: self.chain.anvil.chain_id(),
            nonce: nonce["nonce"].as_str().context("nonce")?.to_string(),
            issued_at: self.rfc3339(0).await?,
            expiration_time: None,
        })
    }

    /// Signs `message` as dev account `dev_idx` and verifies it: status and body.
    pub(crate) async fn verify(
        &self,
        dev_idx: usize,
        message: &str,
    ) -> Result<(u16, serde_json::Value)> {
        let signature = personal_sign(dev_idx, message)?;
        let body = serde_json::json!({ "message": message, "signature": signature });
        self.post_json("/v1/auth/verify", &body, &[]).await
    }

    /// Signs in dev account `dev_idx`; the bearer token.
    pub(crate) async fn sign_in(&self, dev_idx: usize) -> Result<String> {
        let message = self.siwe(dev_idx).await?.text();
        let (status, body) = self.verify(dev_idx, &message).await?;
        ensure!(status == 200, "verify: {status} {body}");
        Ok(body["token"].as_str().context("token")?.to_string())
    }

    /// Terms of a one-milestone sale by dev account `seller` of up to 10 units at 1 token
    /// (6 decimals), arbitrated by dev 6, with `metadata_hash`.
    pub(crate) async fn sale_terms(
        &self,
        seller: usize,
        metadata_hash: alloy::primitives::B256,
    ) -> Result<cointent_abi::IEscrow::Terms> {
        use alloy::primitives::Uint;
        Ok(cointent_abi::IEscrow::Terms {
            seller: crate::common::dev(seller),
            token: self.address("stablecoin"),
            unitPrice: Uint::from(1_000_000_u64),
            minUnits: 1,
            maxUnits: 10,
            fundingDeadline: Uint::from(self.now().await? + 3600),
            reviewPeriod: DAY as u32,
            rulingPeriod: DAY as u32,
            promoterBps: 0,
            feeBps: 100,
            bondBps: 500,
            soleBuyer: Address::ZERO,
            arbiter: crate::common::dev(6),
            metadataHash: metadata_hash,
            milestones: milestones(&[10_000]),
            splits: vec![],
        })
    }

    /// Creates an order with `terms` from its seller (dev `seller`); its id.
    pub(crate) async fn create_order(
        &self,
        seller: usize,
        terms: &cointent_abi::IEscrow::Terms,
    ) -> Result<U256> {
        use cointent_abi::Escrow;
        self.call(seller, "escrow", Escrow::createOrderCall { terms: pack(terms) }).await?;
        self.view("escrow", Escrow::orderCountCall {}).await
    }
}

impl World {
    /// Stores a metadata document as the upload endpoint would (hash = keccak256 of the exact
    /// bytes), uploaded by dev account `by`; returns its hash.
    pub(crate) async fn insert_metadata(
        &self,
        by: usize,
        doc: &serde_json::Value,
    ) -> Result<alloy::primitives::B256> {
        let raw = serde_json::to_vec(doc)?;
        let hash = alloy::primitives::keccak256(&raw);
        sqlx::query(
            "INSERT INTO metadata_documents (hash, raw, document, uploaded_by)
             VALUES ($1, $2, $3::JSONB, $4) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash.to_string())
        .bind(&raw)
        .bind(String::from_utf8(raw.clone())?)
        .bind(format!("{:#x}", dev(by)))
        .execute(&self.pool)
        .await?;
        self.metrics.changes.note(&cointent_ingest::changes::Scope::All);
        Ok(hash)
    }
}

impl World {
    /// With `COINTENT_HOLD_SECS` set, keeps serving for that long after a test's checks (its
    /// URL written to `COINTENT_HOLD_URL_FILE`, if set), so tools such as schemathesis or wrk
    /// can be pointed at a populated deployment.
    pub(crate) async fn hold_if_asked(&self) -> Result<()> {
        let Some(secs) = std::env::var("COINTENT_HOLD_SECS").ok().and_then(|s| s.parse().ok())
        else {
            return Ok(());
        };
        if let Ok(file) = std::env::var("COINTENT_HOLD_URL_FILE") {
            std::fs::write(file, &self.base)?;
        }
        eprintln!("serving {} for {secs} s", self.base);
        tokio::time::sleep(Duration::from_secs(secs)).await;
        Ok(())
    }
}

/// Reads are answered from the cache until the mirror changes, then recomputed.
#[tokio::test]
async fn cached_reads_follow_the_mirror() -> Result<()> {
    let world = World::start(42002).await?;
    let hit = |r: &reqwest::Response| r.headers().get("x-cache").is_some();
    let first = world.http.get(world.url("/v1/orders")).send().await?;
    assert!(!hit(&first));
    let cached = world.http.get(world.url("/v1/orders")).send().await?;
    assert!(hit(&cached), "the second identical read is a hit");
    let body: serde_json::Value = cached.json().await?;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0));
    // Credentials bypass the cache.
    let with_session =
        world.http.get(world.url("/v1/orders")).header("authorization", "Bearer x").send().await?;
    assert!(!hit(&with_session));

    let terms = world.sale_terms(4, alloy::primitives::B256::ZERO).await?;
    world.create_order(4, &terms).await?;
    world.sync().await?;
    let after = world.http.get(world.url("/v1/orders")).send().await?;
    assert!(!hit(&after), "a commit invalidates");
    let body: serde_json::Value = after.json().await?;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1));
    Ok(())
}

/// The read indexes kept out of the backfill (the event lists' and the order lists') exist
/// once the chain has caught up.
#[tokio::test]
async fn read_indexes_are_built_after_catching_up() -> Result<()> {
    let world = World::start(42003).await?;
    let names: Vec<&str> = cointent_storage::indexes::READ_INDEXES
        .iter()
        .filter_map(|sql| sql.split_whitespace().nth(5))
        .collect();
    ensure!(names.len() == 15 && names.contains(&"orders_newest"), "index names: {names:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let built: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_indexes WHERE indexname = ANY($1)")
                .bind(&names)
                .fetch_one(&world.pool)
                .await?;
        if built == names.len() as i64 {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{built} of {} read indexes built",
            names.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
