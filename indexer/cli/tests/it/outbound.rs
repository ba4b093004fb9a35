//! The indexer's outbound side: RPC over TLS (a loopback terminator with a self-signed
//! certificate in front of anvil), the per-URL rate limit, and `eth_getLogs` ranges a
//! provider refuses as too large (both through the harness's counting proxy).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::primitives::Address;
use cointent_config::TlsConfig;
use cointent_harness::{RpcProxy, TlsProxy};
use cointent_ingest::{ChainMetrics, rpc::Rpc};
use eyre::Result;

use crate::common::*;

/// A chain whose only RPC URL is `https://127.0.0.1:<port>` is indexed, its certificate
/// trusted through `tls.extra_ca_files`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_is_indexed_over_https_with_an_extra_ca() -> Result<()> {
    let chain = Chain::start(31337).await?;
    let expected = random_history(&chain, 15, 5).await?;
    let proxy = TlsProxy::start(&chain.anvil.endpoint()).await?;
    let dir = tempfile::tempdir()?;
    let mut config = chain.config("tls");
    config.rpc_urls = vec![proxy.url("")];
    config.tls = TlsConfig { extra_ca_files: vec![proxy.write_cert(dir.path())?] };
    let pool = fresh_db().await?;
    let (n, hash) = chain.head().await?;
    let running = Running::start(&pool, config);
    wait_for(&pool, 31337, n, hash).await?;
    assert_eq!(balances(&pool, 31337, chain.token).await?, expected);
    assert!(proxy.handshakes() >= 1, "the indexer went through the TLS proxy");
    running.stop().await?;
    Ok(())
}

/// Without the certificate trusted, the same endpoint is refused, and the error says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_self_signed_endpoint_is_refused_with_a_clear_error() -> Result<()> {
    let chain = Chain::start(31337).await?;
    let proxy = TlsProxy::start(&chain.anvil.endpoint()).await?;
    let metrics = Arc::new(ChainMetrics::default());
    let rpc = Rpc::new(&[proxy.url("")], &TlsConfig::default(), None, metrics.clone())?;
    let err = rpc.code(Address::ZERO, None).await.unwrap_err().to_string();
    assert!(err.contains("certificate") && err.contains("UnknownIssuer"), "{err}");
    assert_eq!(proxy.handshakes(), 0);
    assert_eq!(metrics.rpc_errors.get(), 1);
    // Trusted, the same call goes through.
    let dir = tempfile::tempdir()?;
    let tls = TlsConfig { extra_ca_files: vec![proxy.write_cert(dir.path())?] };
    let rpc = Rpc::new(&[proxy.url("")], &tls, None, metrics)?;
    assert!(!rpc.code(chain.token, None).await?.is_empty());
    Ok(())
}

/// With `rate_limit_per_sec`, the indexer (backfill, then polling every 20 ms) never sends
/// an RPC URL more requests in a second than the limit, and still catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_rpc_url_gets_at_most_rate_limit_per_sec_requests_a_second() -> Result<()> {
    const LIMIT: usize = 20;
    let chain = Chain::start(31337).await?;
    let expected = random_history(&chain, 10, 6).await?;
    mine(&chain.provider, 300).await?;
    let proxy = RpcProxy::start(&chain.anvil.endpoint()).await?;
    let mut config = chain.config("limited");
    config.rpc_urls = vec![proxy.endpoint()];
    config.rate_limit_per_sec = Some(LIMIT as u32);
    let pool = fresh_db().await?;
    let (n, hash) = chain.head().await?;
    let started = Instant::now();
    let running = Running::start(&pool, config);
    wait_for(&pool, 31337, n, hash).await?;
    // Then the live tail, which alone would poll about 50 times a second.
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.stop().await?;
    assert_eq!(balances(&pool, 31337, chain.token).await?, expected);
    let times = proxy.request_times();
    let busiest = times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            times[i..].iter().take_while(|u| u.duration_since(*t) < Duration::from_secs(1)).count()
        })
        .max()
        .unwrap_or(0);
    assert!(busiest <= LIMIT + 1, "{busiest} requests within a second");
    // The limit is what held the indexer back: it used most of it.
    let per_sec = times.len() as f64 / started.elapsed().as_secs_f64();
    assert!(per_sec > LIMIT as f64 * 0.5, "{per_sec:.1} requests a second");
    Ok(())
}

/// A provider that refuses `eth_getLogs` over more than 16 blocks as too large (Alchemy's
/// wording with the range it suggests, then Infura's without one): the indexer splits its
/// ranges, keeps under the limit afterwards, and indexes everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_ranges_the_provider_refuses_as_too_large_are_split() -> Result<()> {
    let refusals = [None, Some((-32005, "query returned more than 10000 results".to_string()))];
    for refusal in refusals {
        let chain = Chain::start(31337).await?;
        let expected = random_history(&chain, 30, 7).await?;
        mine(&chain.provider, 400).await?;
        chain.mint(2, 77).await?;
        let proxy = RpcProxy::start(&chain.anvil.endpoint()).await?;
        proxy.faults(|f| {
            f.max_logs_range = Some(16);
            f.range_refusal = refusal.clone();
        });
        let mut config = chain.config("split");
        config.rpc_urls = vec![proxy.endpoint()];
        let pool = fresh_db().await?;
        let (n, hash) = chain.head().await?;
        let running = Running::start(&pool, config);
        wait_for(&pool, 31337, n, hash).await?;
        running.stop().await?;
        let mut expected = expected;
        *expected.entry(dev(2)).or_default() += 77;
        assert_eq!(balances(&pool, 31337, chain.token).await?, expected, "{refusal:?}");
        let counts = proxy.counts();
        assert!(counts.refused_ranges >= 1, "{refusal:?}: never refused");
        assert!(counts.widest_logs_range <= 16);
        // Split once and capped there (probing wider now and then), not refused every time.
        assert!(counts.refused_ranges <= 8, "{refusal:?}: refused {} times", counts.refused_ranges);
    }
    Ok(())
}
