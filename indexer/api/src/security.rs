//! Response headers the whole server shares for safety.
//!
//! [`apply`] puts on every response (API, docs page, the app's files, errors):
//! - `Content-Security-Policy`: everything from this origin only, and: scripts also as
//!   WebAssembly (`'wasm-unsafe-eval'`: the app is WASM) and the inline scripts of the app's
//!   `index.html` and of the docs page, by hash (no `'unsafe-inline'` for scripts);
//!   connections also to each chain's public RPC URL (the app reads the chains from the
//!   browser) and, when WalletConnect is configured, to its relay (`wss://`); inline styles (the app renders `style` attributes); images also as `data:`;
//!   no plugins, no `<base>`, and `frame-ancestors 'none'` (no page may frame this one:
//!   clickjacking);
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
//!   `X-Frame-Options: DENY` (older browsers' `frame-ancestors`);
//! - `Strict-Transport-Security`, only when `http.public_url` is https (over http it would
//!   be ignored, and a local server must stay reachable over http).
//!
//! [`no_store`] marks an area's answers `Cache-Control: no-store`: the areas answering
//! tokens, sessions, key details and webhook secrets (`auth`, `keys`, `webhooks`) take it.

use axum::{
    Router,
    http::{HeaderName, HeaderValue, header},
};
use base64::Engine;
use cointent_config::Config;
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;

/// `Cache-Control: no-store` on every answer of the routes it wraps.
pub(crate) fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// `router` with the headers of [`headers`] on every response (a route's own value, if it
/// sets one, is kept).
pub(crate) fn apply<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    config: &Config,
    pages: &[&str],
) -> Router<S> {
    headers(config, pages).into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, value))
    })
}

/// The security headers for `config`, allowing the inline scripts of the HTML `pages`.
pub(crate) fn headers(config: &Config, pages: &[&str]) -> Vec<(HeaderName, HeaderValue)> {
    let mut out = vec![
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    match HeaderValue::try_from(csp(config, pages)) {
        Ok(v) => out.push((header::CONTENT_SECURITY_POLICY, v)),
        // Only a configured URL could make it invalid, and config checks them: be strict.
        Err(_) => out.push((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        )),
    }
    if config.http.public_url.starts_with("https://") {
        out.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    out
}

/// The Content-Security-Policy: see the module docs.
fn csp(config: &Config, pages: &[&str]) -> String {
    let mut connect = vec!["'self'".to_string()];
    for chain in &config.chains {
        if let Some(origin) = origin(chain.browser_rpc_url())
            && !connect.contains(&origin)
        {
            connect.push(origin);
        }
    }
    let wc = &config.walletconnect;
    if wc.project_id.is_some()
        && let Some(origin) = url::Url::parse(&wc.relay_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "ws" | "wss"))
            .map(|u| u.origin().ascii_serialization())
        && !connect.contains(&origin)
    {
        connect.push(origin);
    }
    let mut scripts = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    for script in pages.iter().flat_map(|p| inline_scripts(p)) {
        let hash = format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script))
        );
        if !scripts.contains(&hash) {
            scripts.push(hash);
        }
    }
    [
        "default-src 'self'".to_string(),
        format!("script-src {}", scripts.join(" ")),
        "style-src 'self' 'unsafe-inline'".to_string(),
        "img-src 'self' data:".to_string(),
        format!("connect-src {}", connect.join(" ")),
        "object-src 'none'".to_string(),
        "base-uri 'none'".to_string(),
        "form-action 'self'".to_string(),
        "frame-ancestors 'none'".to_string(),
    ]
    .join("; ")
}

/// `scheme://host[:port]` of an http(s) URL.
fn origin(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// The text of each inline `<script>` (one without `src`) of an HTML page, as browsers hash it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else { break };
        if !tag.contains("src=") {
            out.push(&body[..close]);
        }
        rest = &body[close..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: &str) -> Config {
        let text = format!(
            "[http]\npublic_url = '{public_url}'\n[[chains]]\nname='a'\nchain_id=1\n\
             rpc_urls=['http://10.0.0.1:8545/']\npublic_rpc_url='https://rpc.example/key'\n\
             contracts={{a='0x0000000000000000000000000000000000000001'}}\n"
        );
        Config::parse(&text, std::path::Path::new("test.toml")).unwrap()
    }

    fn get<'a>(h: &'a [(HeaderName, HeaderValue)], name: &HeaderName) -> Option<&'a str> {
        h.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.to_str().ok())
    }

    #[test]
    fn hsts_only_over_https() {
        let http = headers(&config("http://127.0.0.1:8080"), &[]);
        assert_eq!(get(&http, &header::STRICT_TRANSPORT_SECURITY), None);
        let https = headers(&config("https://cointent.example"), &[]);
        let hsts = get(&https, &header::STRICT_TRANSPORT_SECURITY).unwrap();
        assert!(hsts.starts_with("max-age="), "{hsts}");
    }

    #[test]
    fn the_policy_allows_the_app_and_its_pages_only() {
        let page = "<p><script src=\"/a.js\"></script><script type=\"module\">init();</script>";
        let h = headers(&config("http://127.0.0.1:8080"), &[page]);
        let csp = get(&h, &header::CONTENT_SECURITY_POLICY).unwrap();
        // The public RPC's origin (not the private rpc_urls).
        assert!(csp.contains("connect-src 'self' https://rpc.example;"), "{csp}");
        assert!(!csp.contains("10.0.0.1"), "{csp}");
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest("init();"));
        assert!(
            csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{digest}';")),
            "{csp}"
        );
        assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
        assert_eq!(inline_scripts(page), ["init();"]);
    }

    #[test]
    fn the_walletconnect_relay_only_when_configured() {
        let mut c = config("http://127.0.0.1:8080");
        c.walletconnect.relay_url = "ws://127.0.0.1:9010/relay".into();
        let csp = |c: &Config| {
            get(&headers(c, &[]), &header::CONTENT_SECURITY_POLICY).unwrap().to_string()
        };
        assert!(!csp(&c).contains("9010"), "{}", csp(&c));
        c.walletconnect.project_id = Some("abc123".into());
        assert!(
            csp(&c).contains("connect-src 'self' https://rpc.example ws://127.0.0.1:9010;"),
            "{}",
            csp(&c)
        );
    }
}
