//! The indexer's outbound side: RPC over TLS (a loopback terminator with a self-signed
//! certificate in front of anvil).

use std::sync::Arc;

use alloy::primitives::Address;
use cointent_config::TlsConfig;
use cointent_harness::TlsProxy;
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
