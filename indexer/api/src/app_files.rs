//! The app's files (`http.app_dir`, built by `script/build-app`), served at `/` with what
//! makes a first visit small and a second one free:
//! - the precompressed copy the browser accepts (`x.br`, then `x.gz`, written by the build),
//!   without compressing on every request;
//! - `Cache-Control: public, max-age=31536000, immutable` on content-hashed files
//!   (`name.<16 hex digits>.ext`): a new build has new names, so they never go stale;
//! - `Cache-Control: no-cache` on everything else (the page, which names the hashed files,
//!   the Hindi catalogue `/i18n/hi.json`, and any path the app routes itself, answered with
//!   the page): checked on every visit.

use std::path::Path;

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use tower_http::services::{ServeDir, ServeFile};

/// What content-hashed files may be kept for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The service answering every path the API does not.
pub(crate) fn service(app_dir: &Path) -> Router {
    let page = ServeFile::new(app_dir.join("index.html")).precompressed_br().precompressed_gzip();
    let files = ServeDir::new(app_dir).precompressed_br().precompressed_gzip().fallback(page);
    Router::new().fallback_service(files).layer(middleware::from_fn(cache_headers))
}

/// Sets `Cache-Control` (and `Vary`, the answer depending on `Accept-Encoding`). A hashed
/// name that is not there (an old build's) is a 404, never the page under a name cached
/// for a year.
async fn cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let hashed = is_hashed(path) && !path.ends_with(".html");
    let mut res = next.run(req).await;
    let page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if hashed && page {
        res = StatusCode::NOT_FOUND.into_response();
    }
    let value = if hashed && res.status().is_success() { IMMUTABLE } else { "no-cache" };
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// Whether the last segment of `path` is `name.<16 hex digits>.ext`.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let mut parts = file.rsplit('.');
    let (Some(_ext), Some(hash), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !name.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        for (path, hashed) in [
            ("/cointent_app_bg.0123456789abcdef.wasm", true),
            ("/style.fedcba9876543210.css", true),
            ("/index.html", false),
            ("/", false),
            ("/orders/31337/4", false),
            ("/cointent_app.js", false),
            ("/x.0123456789abcdeg.js", false),
            ("/x.0123456789abcde.js", false),
            ("/.0123456789abcdef.js", false),
        ] {
            assert_eq!(is_hashed(path), hashed, "{path}");
        }
    }

    /// Serves a directory like the build's and asks for its files as browsers do.
    #[tokio::test]
    async fn precompressed_copies_and_cache_headers() {
        let dir = std::env::temp_dir().join(format!("cointent-app-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("i18n")).unwrap();
        let wasm = "cointent_app_bg.0123456789abcdef.wasm";
        for (name, body) in [
            ("index.html", "<p>page</p>"),
            ("index.html.gz", "page-gz"),
            (wasm, "plain"),
            (&format!("{wasm}.br") as &str, "brotli"),
            (&format!("{wasm}.gz") as &str, "gzip"),
            ("i18n/hi.json", "{}"),
            ("i18n/hi.json.br", "catalogue-br"),
        ] {
            std::fs::write(dir.join(name), body).unwrap();
        }
        let app = service(&dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        cointent_config::install_crypto_provider();
        let client = reqwest::Client::new();
        let get = |path: String, encoding: &'static str| {
            let request = client.get(format!("{base}{path}"));
            let request = if encoding.is_empty() {
                request
            } else {
                request.header("accept-encoding", encoding)
            };
            async move {
                let r = request.send().await.unwrap();
                let h = |n: header::HeaderName| {
                    r.headers().get(n).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
                };
                let (cache, enc) = (h(header::CACHE_CONTROL), h(header::CONTENT_ENCODING));
                (r.status().as_u16(), cache, enc, r.text().await.unwrap())
            }
        };
        let wasm_path = format!("/{wasm}");
        assert_eq!(
            get(wasm_path.clone(), "gzip, deflate, br, zstd").await,
            (200, IMMUTABLE.into(), "br".into(), "brotli".into())
        );
        assert_eq!(
            get(wasm_path.clone(), "gzip").await,
            (200, IMMUTABLE.into(), "gzip".into(), "gzip".into())
        );
        assert_eq!(
            get(wasm_path, "").await,
            (200, IMMUTABLE.into(), String::new(), "plain".into())
        );
        // The page, and a path the app routes itself, are checked again on every visit.
        for path in ["/", "/orders/31337/4"] {
            assert_eq!(
                get(path.into(), "gzip").await,
                (200, "no-cache".into(), "gzip".into(), "page-gz".into()),
                "{path}"
            );
        }
        // The Hindi catalogue (not content-hashed) is checked again on every visit.
        assert_eq!(
            get("/i18n/hi.json".into(), "br").await,
            (200, "no-cache".into(), "br".into(), "catalogue-br".into())
        );
        // A hashed name an old build had is not found, and that answer is not kept.
        let (status, cache, ..) = get("/gone.0123456789abcdef.js".into(), "").await;
        assert_eq!((status, cache.as_str()), (404, "no-cache"));
        server.abort();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
