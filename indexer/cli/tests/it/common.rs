//! Chains with contracts and history, and ways to index and compare mirrors.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolValue},
};
use cointent_abi::{
    DemoStablecoin, Escrow,
    IEscrow::{Milestone, Terms},
};
use cointent_config::ChainConfig;
use cointent_harness::{Anvil, DEV_ACCOUNTS, DEV_KEYS, shared_postgres};
use cointent_ingest::{self as ingest, Metrics};
use cointent_storage::db;
use eyre::{ContextCompat, Result};
use sqlx::PgPool;
use tokio::sync::watch;

/// A chain with the demo stablecoin deployed, and a wallet holding every dev key.
pub(crate) struct Chain {
    pub(crate) anvil: Anvil,
    pub(crate) provider: DynProvider,
    pub(crate) token: Address,
    pub(crate) deploy_block: u64,
}

impl Chain {
    pub(crate) async fn start(chain_id: u64) -> Result<Self> {
        Self::start_with(Anvil::builder().chain_id(chain_id)).await
    }

    pub(crate) async fn start_with(builder: cointent_harness::AnvilBuilder) -> Result<Self> {
        let anvil = builder.spawn()?;
        let mut wallet = EthereumWallet::default();
        for key in DEV_KEYS {
            wallet.register_signer(key.parse::<PrivateKeySigner>()?);
        }
        let provider =
            ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint().parse()?).erased();
        let deploy = TransactionRequest::default()
            .with_from(dev(0))
            .with_deploy_code(artifact_bytecode("DemoStablecoin")?);
        let receipt = provider.send_transaction(deploy).await?.get_receipt().await?;
        let token = receipt.contract_address.context("deployed")?;
        Ok(Self { anvil, provider, token, deploy_block: receipt.block_number.unwrap_or(0) })
    }

    /// Sends a stablecoin call from dev account `from` and waits for its receipt.
    pub(crate) async fn send(&self, from: usize, input: Vec<u8>) -> Result<u64> {
        send_and_wait(&self.provider, from, self.token, input).await
    }

    pub(crate) async fn mint(&self, to: usize, amount: u64) -> Result<u64> {
        self.send(
            0,
            DemoStablecoin::mintCall { to: dev(to), amount: U256::from(amount) }.abi_encode(),
        )
        .await
    }

    pub(crate) async fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<u64> {
        let call = DemoStablecoin::transferCall { to: dev(to), value: U256::from(amount) };
        self.send(from, call.abi_encode()).await
    }

    pub(crate) async fn head(&self) -> Result<(u64, B256)> {
        let n = self.provider.get_block_number().await?;
        let b = self.provider.get_block_by_number(n.into()).await?.context("head block")?;
        Ok((n, b.header.hash))
    }

    pub(crate) fn config(&self, name: &str) -> ChainConfig {
        ChainConfig {
            name: name.into(),
            chain_id: self.anvil.chain_id(),
            rpc_urls: vec![self.anvil.endpoint()],
            deployment: None,
            contracts: BTreeMap::from([("stablecoin".to_string(), self.token)]),
            start_block: Some(self.deploy_block),
            finality_depth: 16,
            use_finalized_tag: true,
            on_deep_reorg: Default::default(),
            poll_interval_ms: 20,
            max_block_range: 10_000,
            public_rpc_url: None,
            check_rpc_url: None,
            block_time_ms: None,
            explorer: None,
            native_currency: None,
            testnet: false,
            registry: None,
            rate_limit_per_sec: None,
            tls: Default::default(),
            position: 0,
        }
    }
}

/// Sends `input` to `to` from dev account `from` and waits for a successful receipt; its
/// block number.
pub(crate) async fn send_and_wait(
    provider: &DynProvider,
    from: usize,
    to: Address,
    input: Vec<u8>,
) -> Result<u64> {
    // The nonce of the latest block: after anvil_reorg, anvil's pending nonce still counts
    // the transactions of the replaced blocks.
    let nonce = provider.get_transaction_count(dev(from)).latest().await?;
    let tx = TransactionRequest::default()
        .with_from(dev(from))
        .with_to(to)
        .with_input(input)
        .with_nonce(nonce);
    let hash = *provider.send_transaction(tx).await?.tx_hash();
    // Poll the receipt directly: alloy's block heartbeat loses track after anvil_reorg.
    for _ in 0..500 {
        if let Some(receipt) = provider.get_transaction_receipt(hash).await? {
            eyre::ensure!(receipt.status(), "transaction {hash} reverted");
            return Ok(receipt.block_number.unwrap_or(0));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pool: serde_json::Value = provider.raw_request("txpool_content".into(), ()).await?;
    let tx = provider.get_transaction_by_hash(hash).await?;
    eyre::bail!("no receipt for {hash}: pool {pool} tx {tx:?}")
}

pub(crate) fn dev(i: usize) -> Address {
    DEV_ACCOUNTS[i].parse().expect("dev account")
}

/// A deterministic pseudo-random sequence (no rand dependency for tests).
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// Mints to everyone, then sends `n` random transfers; returns the expected balances.
pub(crate) async fn random_history(
    chain: &Chain,
    n: usize,
    seed: u64,
) -> Result<BTreeMap<Address, u64>> {
    let mut rng = Lcg(seed);
    let mut balances = BTreeMap::new();
    for i in 1..6 {
        chain.mint(i, 1_000_000).await?;
        *balances.entry(dev(i)).or_default() += 1_000_000;
    }
    for _ in 0..n {
        let (from, to) = (1 + rng.next(5) as usize, 1 + rng.next(5) as usize);
        let amount = rng.next(1000) + 1;
        chain.transfer(from, to, amount).await?;
        *balances.entry(dev(from)).or_default() -= amount;
        *balances.entry(dev(to)).or_default() += amount;
    }
    Ok(balances)
}

pub(crate) fn artifact_bytecode(contract: &str) -> Result<Bytes> {
    Ok(cointent_harness::artifact_bytecode(contract, None)?.into())
}

/// A fresh, migrated database.
pub(crate) async fn fresh_db() -> Result<PgPool> {
    let url = shared_postgres()?.create_database().await?;
    let pool = db::connect(&url, 8).await?;
    db::migrate(&pool).await?;
    Ok(pool)
}

/// An ingester running in the background until dropped.
pub(crate) struct Running {
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl Running {
    pub(crate) fn start(pool: &PgPool, chain: ChainConfig) -> Self {
        Self::start_with(pool, chain, Arc::new(Metrics::default()))
    }

    /// As [`Running::start`], reporting into `metrics` (a server sharing them sees each
    /// commit, as in `cointent serve`).
    pub(crate) fn start_with(pool: &PgPool, chain: ChainConfig, metrics: Arc<Metrics>) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let (stop, rx) = watch::channel(false);
        let metrics = metrics.chain(chain.chain_id);
        let task = tokio::spawn(ingest::run_chain(pool.clone(), chain, metrics, rx));
        Self { stop, task: Some(task) }
    }

    pub(crate) async fn stop(mut self) -> Result<()> {
        let _ = self.stop.send(true);
        self.task.take().expect("running").await?
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Waits until the mirror's checkpoint is `block` with `hash` (the chain's head).
pub(crate) async fn wait_for(pool: &PgPool, chain_id: u64, block: u64, hash: B256) -> Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT checkpoint_block, checkpoint_hash FROM chains WHERE chain_id = $1",
        )
        .bind(chain_id as i64)
        .fetch_optional(pool)
        .await?;
        if let Some((b, h)) = &row
            && *b == block as i64
            && h.as_deref() == Some(&hash.to_string())
        {
            return Ok(());
        }
        eyre::ensure!(
            tokio::time::Instant::now() < deadline,
            "not caught up: {row:?} vs {block} {hash}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Indexes `chain` into a fresh database up to its current head.
pub(crate) async fn fresh_index(chain: &Chain, config: ChainConfig) -> Result<PgPool> {
    let pool = fresh_db().await?;
    let (n, hash) = chain.head().await?;
    let running = Running::start(&pool, config);
    wait_for(&pool, chain.anvil.chain_id(), n, hash).await?;
    running.stop().await?;
    Ok(pool)
}

/// Every row of the raw events and of every projection table for `chain_id`, as text,
/// ordered: two mirrors of the same chain must be equal row for row.
pub(crate) async fn snapshot(
    pool: &PgPool,
    chain_id: u64,
) -> Result<BTreeMap<String, Vec<String>>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT c.relname::TEXT FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE t.tgname = 'undo' ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let mut out = BTreeMap::new();
    for table in tables.iter().map(String::as_str).chain(["events"]) {
        let sql =
            format!("SELECT to_jsonb(t)::TEXT FROM \"{table}\" t WHERE chain_id = $1 ORDER BY 1");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(chain_id as i64)
            .fetch_all(pool)
            .await?;
        out.insert(table.to_string(), rows);
    }
    Ok(out)
}

/// Balances in the mirror's projection for `token`.
pub(crate) async fn balances(
    pool: &PgPool,
    chain_id: u64,
    token: Address,
) -> Result<BTreeMap<Address, u64>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT account, balance::TEXT FROM token_balances WHERE chain_id = $1 AND token = $2",
    )
    .bind(chain_id as i64)
    .bind(format!("{token:#x}"))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|(a, b)| Ok((a.parse()?, b.parse()?))).collect()
}

/// A fresh, migrated database and its URL (for other pools and processes).
pub(crate) async fn fresh_db_url() -> Result<(String, PgPool)> {
    let url = shared_postgres()?.create_database().await?;
    let pool = db::connect(&url, 8).await?;
    db::migrate(&pool).await?;
    Ok((url, pool))
}

/// Mines `n` empty blocks.
pub(crate) async fn mine(provider: &DynProvider, n: u64) -> Result<()> {
    let _: serde_json::Value = provider.raw_request("anvil_mine".into(), (n,)).await?;
    Ok(())
}

/// The calldata of a stablecoin mint of `amount` to dev account `to`.
pub(crate) fn mint_input(to: usize, amount: u64) -> Vec<u8> {
    DemoStablecoin::mintCall { to: dev(to), amount: U256::from(amount) }.abi_encode()
}

/// Replaces the last `depth` blocks by `depth` new ones (`anvil_reorg`); transaction `i`
/// of `txs` (from dev account, to, calldata) goes into new block `i % depth`. Nonces are
/// those of the fork block's state, so any account may send.
pub(crate) async fn reorg(
    provider: &DynProvider,
    depth: u64,
    txs: &[(usize, Address, Vec<u8>)],
) -> Result<()> {
    let head = provider.get_block_number().await?;
    let fork = head.checked_sub(depth).context("reorg deeper than the chain")?;
    let mut nonces: BTreeMap<usize, u64> = BTreeMap::new();
    let mut pairs = Vec::new();
    for (i, (from, to, input)) in txs.iter().enumerate() {
        let nonce = match nonces.get(from) {
            Some(n) => *n,
            None => provider.get_transaction_count(dev(*from)).block_id(fork.into()).await?,
        };
        nonces.insert(*from, nonce + 1);
        pairs.push(serde_json::json!([{
            "from": dev(*from),
            "to": to,
            "input": format!("0x{}", alloy::primitives::hex::encode(input)),
            "nonce": format!("{nonce:#x}"),
            "gas": "0x100000",
        }, i as u64 % depth]));
    }
    let _: serde_json::Value = provider.raw_request("anvil_reorg".into(), (depth, pairs)).await?;
    Ok(())
}

/// The real `cointent` binary, its stderr kept in a file; SIGKILLed when dropped.
pub(crate) struct Indexer {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl Indexer {
    /// Runs `cointent --config <config> <args>` with `RUST_LOG` (default `info`).
    pub(crate) fn spawn(config: &std::path::Path, args: &[&str]) -> Result<Self> {
        Self::spawn_with(config, args, &[])
    }

    /// [`Indexer::spawn`] with these environment variables.
    pub(crate) fn spawn_with(
        config: &std::path::Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = config.with_file_name(format!("cointent-{n}.log"));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_cointent"))
            .arg("--config")
            .arg(config)
            .args(args)
            .env("RUST_LOG", std::env::var("COINTENT_TEST_LOG").unwrap_or("info".into()))
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()?;
        Ok(Self { child, log })
    }

    /// What it logged so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Its exit status, if it exited.
    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `secs` for it to exit.
    pub(crate) async fn wait(&mut self, secs: u64) -> Result<std::process::ExitStatus> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.exited() {
                return Ok(status);
            }
            eyre::ensure!(
                tokio::time::Instant::now() < deadline,
                "still running after {secs} s; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A configuration file for the binary in `dir`: `database` is the `[database]` table's
/// body, `chain` the `[[chains]]` table's body (the chain id, RPC and contracts come from
/// `chain` unless `chain_toml` sets them).
pub(crate) fn config_toml(
    dir: &std::path::Path,
    database: &str,
    chain: &ChainConfig,
    extra: &str,
) -> Result<std::path::PathBuf> {
    let contracts: Vec<String> =
        chain.contracts.iter().map(|(name, a)| format!("{name} = \"{a:#x}\"")).collect();
    let text = format!(
        "[database]\n{database}\n\n[[chains]]\nname = \"{}\"\nchain_id = {}\nrpc_urls = [{}]\n\
         start_block = {}\nfinality_depth = {}\npoll_interval_ms = {}\nmax_block_range = {}\n\
         contracts = {{ {} }}\n{extra}\n",
        chain.name,
        chain.chain_id,
        chain.rpc_urls.iter().map(|u| format!("\"{u}\"")).collect::<Vec<_>>().join(", "),
        chain.start_block.unwrap_or(0),
        chain.finality_depth,
        chain.poll_interval_ms,
        chain.max_block_range,
        contracts.join(", "),
    );
    let path = dir.join("cointent.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// The mirror's checkpoint of `chain_id`, if the chain is registered.
pub(crate) async fn checkpoint_of(pool: &PgPool, chain_id: u64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT checkpoint_block FROM chains WHERE chain_id = $1")
        .bind(chain_id as i64)
        .fetch_optional(pool)
        .await?)
}

/// A day in seconds: the shortest review and ruling periods the Escrow accepts.
pub(crate) const DAY: u64 = 86_400;

/// The packed terms every Escrow call takes (`cointent_domain::terms::pack`).
pub(crate) fn pack(terms: &Terms) -> Bytes {
    cointent_domain::terms::pack(terms).expect("terms fit their ABI types")
}

/// A schedule of milestones with these shares, each to be delivered within a week.
pub(crate) fn milestones(bps: &[u16]) -> Vec<Milestone> {
    bps.iter().map(|bps| Milestone { bps: *bps, deliveryPeriod: 7 * DAY as u32 }).collect()
}

/// An Escrow deployed alone on a chain, with its terms verifier and its lens.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StandaloneEscrow {
    pub(crate) escrow: Address,
    pub(crate) lens: Address,
}

/// Deploys a `TermsVerifier`, an `Escrow` (governance dev 9, treasury dev 8, a 1 % fee,
/// bootstrapped by dev 0, which allowlists the chain's stablecoin) and its `EscrowLens`.
pub(crate) async fn deploy_escrow(chain: &Chain) -> Result<StandaloneEscrow> {
    let verifier = deploy_code(chain, artifact_bytecode("TermsVerifier")?).await?;
    let args = (dev(9), dev(8), 100_u16, verifier, dev(0)).abi_encode_params();
    let escrow =
        deploy_code(chain, [artifact_bytecode("Escrow")?.to_vec(), args].concat().into()).await?;
    let allow = Escrow::setTokenAllowedCall { token: chain.token, allowed: true };
    send_and_wait(&chain.provider, 0, escrow, allow.abi_encode()).await?;
    let args = escrow.abi_encode();
    let lens =
        deploy_code(chain, [artifact_bytecode("EscrowLens")?.to_vec(), args].concat().into())
            .await?;
    Ok(StandaloneEscrow { escrow, lens })
}

/// Deploys `code` (creation code and constructor arguments) from dev account 0.
async fn deploy_code(chain: &Chain, code: Bytes) -> Result<Address> {
    let nonce = chain.provider.get_transaction_count(dev(0)).latest().await?;
    let deploy =
        TransactionRequest::default().with_from(dev(0)).with_deploy_code(code).with_nonce(nonce);
    let receipt = chain.provider.send_transaction(deploy).await?.get_receipt().await?;
    eyre::ensure!(receipt.status(), "deployment reverted");
    receipt.contract_address.context("deployed")
}
