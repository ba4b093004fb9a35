//! The OpenAPI document, generated from the code so it cannot drift: every operation comes
//! from its handler's `#[utoipa::path]` as the router registers it (`utoipa-axum`), every
//! schema from the `cointent-domain` type the handler returns. Served at
//! `/v1/openapi.json`; the docs page renders it at `/docs`.

use std::sync::LazyLock;

use axum::{
    Router,
    http::header,
    response::{Html, IntoResponse},
    routing::get,
};
use cointent_domain::error::ErrorBody;
use utoipa::{
    Modify, OpenApi, ToResponse,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::state::AppState;

/// The docs page (its inline script is allowed by hash in the CSP).
pub(crate) const DOCS: &str = include_str!("../openapi/docs.html");

/// What the generated operations share: the document's info, tags, security schemes and
/// the error responses every area refers to.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Co-Intent API",
        version = "1.0.0",
        description = "The indexer's mirror of the Co-Intent contracts on every chain. Amounts \
            (uint256) are decimal strings; addresses and hashes are lower-case 0x hex; times are \
            RFC 3339. Lists use keyset pagination: pass a page's next_cursor as cursor. Errors \
            share one shape (Error).\n\n\
            Limits (each a configuration key, default in brackets): a query parameter an \
            operation does not list is a 400 naming it; request bodies at most \
            http.body_limit_bytes [1 MiB] (413), metadata documents at most \
            http.metadata_max_bytes [64 KiB] (413), pictures at most \
            http.picture_max_bytes [2 MiB] (413); requests time out after \
            http.request_timeout_ms [10 s] (408), event streams excepted; open event streams \
            at most http.max_streams [1000] in all and http.max_streams_per_ip [10] per client \
            IP (429); sign-in nonces at most http.nonce_rate_limit_per_min [60] per client IP \
            a minute (429); API keys their own per-minute limit, anonymous callers \
            http.anon_rate_limit_per_min [off] (429); live webhooks at most \
            webhooks.max_per_key [25] per key (409), to public http:// receivers only."
    ),
    servers((url = "/")),
    components(
        schemas(ErrorBody),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            TooManyRequests,
            Unavailable
        )
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "orders", description = "Orders of every kind, with filters and full text"),
        (name = "listings", description = "The Shop's listings with stock, and their purchases"),
        (name = "accounts", description = "What one address is and holds"),
        (name = "catalogue", description = "Artisans, partner shops and products"),
        (name = "treasury", description = "The treasury's balances, allocations and flows"),
        (name = "governance", description = "Proposals, votes and delegates"),
        (name = "chains", description = "Configured chains and the mirror's progress"),
        (name = "transparency", description = "An order's record with its on-chain proof"),
        (name = "events", description = "Raw mirrored events, as a list and a stream"),
        (name = "qr", description = "QR codes and printable labels"),
        (name = "metadata", description = "Content-addressed metadata documents"),
        (name = "pictures", description = "Content-addressed product pictures and thumbnails"),
        (name = "auth", description = "Sign-in with Ethereum and sessions"),
        (name = "keys", description = "Partner API keys"),
        (name = "webhooks", description = "Signed webhooks for partners"),
    )
)]
pub(crate) struct ApiDoc;

/// The `apiKey` (`X-Api-Key`) and `session` (bearer) schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut key = ApiKeyValue::new(crate::identity::HEADER);
        key.description = Some("A partner key from `cointent keys create`.".into());
        components.add_security_scheme("apiKey", SecurityScheme::ApiKey(ApiKey::Header(key)));
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A sign-in with Ethereum session token from /v1/auth/verify.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Bad input; `field` names it.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(description = "Bad input; `field` names it.")]
pub(crate) struct BadRequest(#[to_schema] ErrorBody);

/// Missing or invalid credentials.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(description = "Missing or invalid credentials.")]
pub(crate) struct Unauthorized(#[to_schema] ErrorBody);

/// Credentials without the right.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(description = "Credentials without the right.")]
pub(crate) struct Forbidden(#[to_schema] ErrorBody);

/// No such resource.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(description = "No such resource.")]
pub(crate) struct NotFound(#[to_schema] ErrorBody);

/// Conflicts with the current state.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(description = "Conflicts with the current state.")]
pub(crate) struct Conflict(#[to_schema] ErrorBody);

/// A body over the server's limit.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(description = "The body is larger than http.body_limit_bytes (1 MiB by default).")]
pub(crate) struct PayloadTooLarge(#[to_schema] ErrorBody);

/// Rate limited; see `Retry-After`.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(
    description = "Rate limited; see Retry-After.",
    headers(("Retry-After" = u64, description = "Seconds until the limit's window ends."))
)]
pub(crate) struct TooManyRequests(#[to_schema] ErrorBody);

/// A dependency (the database, a chain's RPC) is unavailable.
// Only the wrapped type matters: the derive reads it for the response's schema.
#[allow(dead_code)]
#[derive(ToResponse)]
#[response(description = "A dependency (the database, a chain's RPC) is unavailable; retry.")]
pub(crate) struct Unavailable(#[to_schema] ErrorBody);

/// The document, generated once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(crate::router::document);
    &DOCUMENT
}

pub(crate) fn routes() -> Router<AppState> {
    static TEXT: LazyLock<String> =
        LazyLock::new(|| document().to_json().expect("the OpenAPI document serializes"));
    Router::new().route(
        "/openapi.json",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], TEXT.as_str()) }),
    )
}

/// The docs page (served at `/docs`, outside `/v1`).
pub async fn docs_page() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-cache")], Html(DOCS))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_operation_is_documented_and_every_ref_resolves() {
        let doc: Value = serde_json::to_value(document()).expect("serializes");
        let mut found = Vec::new();
        refs(&doc, &mut found);
        for r in found {
            let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external ref {r}"));
            assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
        }
        let paths = doc["paths"].as_object().expect("paths");
        assert!(!paths.is_empty());
        for (path, item) in paths {
            assert!(path.starts_with("/v1/"), "{path} is outside /v1");
            for (method, op) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                assert!(op.get("responses").is_some(), "{method} {path} has no responses");
                assert!(op.get("operationId").is_some(), "{method} {path} has no operationId");
                assert!(op.get("tags").is_some(), "{method} {path} has no tag");
            }
        }
    }
}
