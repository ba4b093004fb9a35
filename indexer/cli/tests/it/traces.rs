//! Traces (issue 15): with `[telemetry] otlp_endpoint`, the real binary exports its spans
//! over OTLP/HTTP to a collector, here a receiver inside the test that keeps what it is
//! sent.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, routing::post};
use cointent_harness::free_port;
use eyre::{Result, ensure};

use crate::common::*;

/// What the collector received: each request's content type and body.
type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_when_configured() -> Result<()> {
    let received: Received = Arc::default();
    let collector = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let collector_addr = collector.local_addr()?;
    let app = Router::new()
        .route(
            "/v1/traces",
            post(
                |State(r): State<Received>,
                 headers: axum::http::HeaderMap,
                 body: Bytes| async move {
                    let kind = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    r.lock().unwrap().push((kind, body));
                    ""
                },
            ),
        )
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(collector, app).await });

    let chain = Chain::start(31337).await?;
    let (url, _pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let extra = format!(
        "[http]\nbind = \"127.0.0.1:{port}\"\n\n[telemetry]\notlp_endpoint = \"http://{collector_addr}\"\nservice_name = \"cointent-test\"\n"
    );
    let config = config_toml(dir.path(), &format!("url = \"{url}\""), &chain.config("t"), &extra)?;
    // Export every 200 ms instead of the SDK's default 5 s.
    let server = Indexer::spawn_with(&config, &["serve"], &[("OTEL_BSP_SCHEDULE_DELAY", "200")])?;
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answered = http
            .get(format!("http://127.0.0.1:{port}/v1/orders?limit=1"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        let exported = received.lock().unwrap().iter().any(|(_, body)| {
            let has = |s: &[u8]| body.windows(s.len()).any(|w| w == s);
            has(b"cointent-test") && has(b"/v1/orders")
        });
        if answered && exported {
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "no span of a /v1/orders request reached the collector ({} posts); log:\n{}",
            received.lock().unwrap().len(),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let kinds: Vec<String> = received.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
    ensure!(kinds.iter().all(|k| k == "application/x-protobuf"), "content types {kinds:?}");
    Ok(())
}
