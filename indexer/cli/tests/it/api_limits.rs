//! The limits that keep abuse from sinking the server (issue 14): event streams, the
//! pools, query parameters and the response cache, response headers, `/metrics`.

use std::{
    net::{IpAddr, Ipv4Addr},
    time::Duration,
};

use eyre::{Context, Result, ensure};
use serde_json::Value;

use crate::{api_read::sse, common::*, world::World};

/// A client whose connections come from `127.0.0.x`.
fn client_from(x: u8) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, x))).build()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_are_capped_overall_and_per_client() -> Result<()> {
    let w = World::start_with(42300, |c| {
        c.http.max_streams = 3;
        c.http.max_streams_per_ip = 2;
    })
    .await?;
    let url = w.url("/v1/events/stream");
    let (a, b) = (client_from(1)?, client_from(2)?);
    let first = a.get(&url).send().await?;
    let second = a.get(&url).send().await?;
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    let third = a.get(&url).send().await?;
    assert_eq!(third.status(), 429, "a third stream from one client");
    assert!(third.headers().contains_key("retry-after"));
    let body: Value = third.json().await?;
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let other = b.get(&url).send().await?;
    assert_eq!(other.status(), 200, "another client's first stream");
    let over = b.get(&url).send().await?;
    assert_eq!(over.status(), 429, "a fourth stream in all");
    // A closed stream frees its place.
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let again = a.get(&url).send().await?;
        if again.status() == 200 {
            break;
        }
        ensure!(tokio::time::Instant::now() < deadline, "the closed stream kept its place");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop((second, other));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_stream_is_fed_by_one_poller() -> Result<()> {
    let w = World::start_with(42301, |c| c.http.max_streams_per_ip = 1_000).await?;
    let busy = |pool: &sqlx::PgPool| pool.size() as usize - pool.num_idle();
    let mut streams = Vec::new();
    for i in 0..300 {
        let filter = if i % 2 == 0 { "?contract=stablecoin" } else { "" };
        let s = w.http.get(w.url(&format!("/v1/events/stream{filter}"))).send().await?;
        assert_eq!(s.status(), 200);
        streams.push(s);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Sampled over two seconds: a poller per stream keeps the pool's connections busy.
    let mut samples = 0;
    for _ in 0..40 {
        samples += busy(&w.pool);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = std::time::Instant::now();
    assert_eq!(w.http.get(w.url("/health")).send().await?.status(), 200);
    let health = health.elapsed();
    assert!(samples <= 20, "{samples} busy connections in 40 samples (/health took {health:?})");
    // And every stream gets the next event.
    w.chain.mint(3, 77).await?;
    for (i, s) in streams.iter_mut().enumerate() {
        let got = sse(s, 1).await.wrap_err_with(|| format!("stream {i}"))?;
        assert_eq!(got[0].1["event"], "Transfer", "stream {i}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_is_bounded_and_keeps_only_configured_chains() -> Result<()> {
    let w = World::start(42302).await?;
    let url = w.url("/v1/events/stream");
    // 3 000 made-up chains, 26 KB: refused before any query.
    let forged: Vec<String> = (0..3_000).map(|i| format!("{}:1:0", 900_000 + i)).collect();
    let forged = forged.join(",");
    assert!(forged.len() > 25_000);
    let response = w.http.get(&url).header("Last-Event-ID", &forged).send().await?;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await?;
    assert_eq!(body["error"]["field"], "Last-Event-ID", "{body}");
    // A chain this server does not index is dropped from the position.
    let (block, _) = w.chain.head().await?;
    let id = format!("999999:5:0,42302:{block}:0");
    let mut stream = w.http.get(&url).header("Last-Event-ID", &id).send().await?;
    assert_eq!(stream.status(), 200);
    w.chain.mint(3, 5).await?;
    let got = sse(&mut stream, 1).await?;
    assert!(got[0].0.starts_with("42302:") && !got[0].0.contains("999999"), "{}", got[0].0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_load_cannot_starve_ingestion() -> Result<()> {
    let chain = Chain::start(42303).await?;
    let (url, pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let http = cointent_harness::free_port()?;
    // A small API pool, so a few stuck requests hold all of it.
    let database = format!(
        "url = \"{url}\"\nmax_connections = 2\n\n[http]\nbind = \"127.0.0.1:{http}\"\n\
         request_timeout_ms = 3000"
    );
    let file = config_toml(dir.path(), &database, &chain.config("a"), "")?;
    let mut serve = Indexer::spawn(&file, &["serve"])?;
    let (n, hash) = chain.head().await?;
    wait_for(&pool, 42303, n, hash).await?;
    let base = format!("http://127.0.0.1:{http}");
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if reqwest::get(format!("{base}/health")).await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        ensure!(tokio::time::Instant::now() < until, "not serving; log:\n{}", serve.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Reads of the catalogue now wait on a lock, each holding an API connection.
    let mut locker = pool.begin().await?;
    sqlx::query("LOCK TABLE metadata_documents IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *locker)
        .await?;
    let (stop, _) = tokio::sync::watch::channel(false);
    let mut load = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (url, stop) = (format!("{base}/v1/artisans"), stop.subscribe());
        load.spawn(async move {
            let http = reqwest::Client::new();
            while !*stop.borrow() {
                let _ = http.get(&url).timeout(Duration::from_secs(5)).send().await;
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        chain.mint(3, 9).await?;
    }
    let (n, hash) = chain.head().await?;
    let committed = tokio::time::timeout(Duration::from_secs(8), wait_for(&pool, 42303, n, hash))
        .await
        .ok()
        .and_then(Result::ok);
    let _ = stop.send(true);
    locker.rollback().await?;
    load.abort_all();
    assert!(committed.is_some(), "ingestion waited behind the API; log:\n{}", serve.log());
    serve.kill();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_query_parameters_are_refused_and_cache_keys_normalised() -> Result<()> {
    let w = World::start(42304).await?;
    for (path, field) in [
        ("/v1/orders?nonsense=1", "nonsense"),
        ("/v1/orders?limit=5&cache_buster=2", "cache_buster"),
        ("/v1/events?chain_id=42304&x", "x"),
        ("/v1/artisans?utm_source=mail", "utm_source"),
        ("/v1/events/stream?contract=escrow&y=1", "y"),
        ("/v1/openapi.json?v=2", "v"),
        ("/health?probe=1", "probe"),
    ] {
        let (status, body) = w.get(path).await?;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{path}: {body}");
        assert_eq!(body["error"]["field"], field, "{path}: {body}");
    }
    assert_eq!(w.get("/v1/orders?limit=5").await?.0, 200, "a known parameter");

    // One cache entry per meaning: order and leading zeros do not make new ones.
    let hit = |r: &reqwest::Response| r.headers().get("x-cache").is_some();
    let terms = w.sale_terms(4, alloy::primitives::B256::ZERO).await?;
    w.create_order(4, &terms).await?;
    w.sync().await?;
    let qr = "/v1/qr/42304/1?size=300&margin=2";
    let first = w.http.get(w.url(qr)).send().await?;
    assert_eq!(first.status(), 200);
    assert!(!hit(&first));
    for same in ["/v1/qr/42304/1?size=0300&margin=2", "/v1/qr/42304/1?margin=02&size=300"] {
        let again = w.http.get(w.url(same)).send().await?;
        assert_eq!(again.status(), 200, "{same}");
        assert!(hit(&again), "{same} is the entry of {qr}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers_and_405_is_json() -> Result<()> {
    let w = World::start(42305).await?;
    let rpc = w.config.rpc_urls[0].trim_end_matches('/');
    for path in ["/v1/orders", "/v1/nope", "/v1/openapi.json", "/docs", "/health", "/"] {
        let response = w.http.get(w.url(path)).send().await?;
        let h = response.headers();
        let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        // The app is WASM and reads the chains' public RPC from the browser.
        assert!(csp.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(csp.contains(&format!("connect-src 'self' {rpc}")), "{path}: {csp}");
        let scripts = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or("");
        assert!(!scripts.contains("'unsafe-inline'") && scripts.contains("'sha256-"), "{csp}");
        assert!(h.get("strict-transport-security").is_none(), "{path}: the public URL is http");
    }
    // The docs page's inline script is allowed by its hash.
    let docs = w.http.get(w.url("/docs")).send().await?;
    let csp = docs.headers()["content-security-policy"].to_str()?.to_string();
    let page = docs.text().await?;
    let script = page.split("<script>").nth(1).and_then(|s| s.split("</script>").next());
    let script = script.ok_or_else(|| eyre::eyre!("no inline script on /docs"))?;
    use sha2::Digest;
    let hash = base64_std(&sha2::Sha256::digest(script.as_bytes()));
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");

    for (method, path) in [
        (reqwest::Method::DELETE, "/v1/orders"),
        (reqwest::Method::PUT, "/v1/chains"),
        (reqwest::Method::POST, "/health"),
    ] {
        let response = w.http.request(method.clone(), w.url(path)).send().await?;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert!(response.headers().contains_key("allow"), "{method} {path}");
        assert!(response.headers().contains_key("content-security-policy"));
        let body: Value = response.json().await.wrap_err_with(|| format!("{method} {path}"))?;
        assert_eq!(body["error"]["code"], "method_not_allowed", "{method} {path}: {body}");
    }
    Ok(())
}

/// Standard base64 with padding (what CSP hashes use).
fn base64_std(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            let c = if i <= chunk.len() { ABC[(n >> (18 - 6 * i) & 63) as usize] } else { b'=' };
            out.push(c as char);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_not_public_without_a_token() -> Result<()> {
    let w = World::start(42306).await?;
    let response = w.http.get(w.url("/metrics")).send().await?;
    assert_eq!(response.status(), 404, "no token configured");
    assert!(!response.text().await?.contains("cointent_"), "the figures leaked");

    let token = "a-metrics-token-of-32-characters";
    let w = World::start_with(42307, |c| c.http.metrics_token = Some(token.into())).await?;
    let url = w.url("/metrics");
    for auth in [None, Some("Bearer wrong-token-of-some-length"), Some("Basic x")] {
        let mut request = w.http.get(&url);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await?;
        assert_eq!(response.status(), 401, "{auth:?}");
        let body: Value = response.json().await?;
        assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    }
    for path in [
        "/v1/orders?limit=2",
        "/v1/orders/1/999999",
        "/v1/orders/1/999998",
        "/health",
        "/01/04006381333931/21/1-999999",
    ] {
        w.http.get(w.url(path)).send().await?;
    }
    let response = w.http.get(&url).bearer_auth(token).send().await?;
    assert_eq!(response.status(), 200);
    let text = response.text().await?;
    assert!(text.contains("cointent_"), "the figures");
    // Per route (the router's template, not the raw path), method and status class.
    let line = |l: &str| text.lines().any(|x| x == l);
    let detail = "route=\"/v1/orders/{chain_id}/{order_id}\",method=\"GET\"";
    assert!(line(&format!("cointent_http_requests_total{{{detail},status=\"4xx\"}} 2")), "{text}");
    assert!(line(
        "cointent_http_requests_total{route=\"/v1/orders\",method=\"GET\",status=\"2xx\"} 1"
    ));
    assert!(line(
        "cointent_http_requests_total{route=\"/health\",method=\"GET\",status=\"2xx\"} 1"
    ));
    assert!(line(&format!("cointent_http_request_duration_seconds_count{{{detail}}} 2")), "{text}");
    let gs1 = "route=\"/01/{gtin}/21/{serial}\",method=\"GET\"";
    assert!(line(&format!("cointent_http_requests_total{{{gs1},status=\"4xx\"}} 1")), "{text}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_have_a_listener_of_their_own() -> Result<()> {
    let chain = Chain::start(42308).await?;
    let (url, pool) = fresh_db_url().await?;
    let dir = tempfile::tempdir()?;
    let (http, metrics) = (cointent_harness::free_port()?, cointent_harness::free_port()?);
    let database = format!(
        "url = \"{url}\"\n\n[http]\nbind = \"127.0.0.1:{http}\"\n\
         metrics_bind = \"127.0.0.1:{metrics}\""
    );
    let file = config_toml(dir.path(), &database, &chain.config("a"), "")?;
    let mut serve = Indexer::spawn(&file, &["serve"])?;
    let (n, hash) = chain.head().await?;
    wait_for(&pool, 42308, n, hash).await?;
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    let text = loop {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{metrics}/metrics")).await
            && r.status() == 200
        {
            break r.text().await?;
        }
        ensure!(tokio::time::Instant::now() < until, "no metrics listener; log:\n{}", serve.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(text.contains("cointent_"), "{text}");
    let public = reqwest::get(format!("http://127.0.0.1:{http}/metrics")).await?;
    assert_eq!(public.status(), 404, "not on the public listener too");
    serve.kill();
    Ok(())
}
