//! The `auth` area of the API: sign-in with Ethereum (EIP-4361) and sessions.
//!
//! 1. `POST /v1/auth/nonce` gives a random, single-use nonce that expires in ten minutes.
//! 2. The wallet signs (EIP-191 `personal_sign`) an EIP-4361 message whose domain is the
//!    host of `http.public_url`, whose URI has its origin (scheme, host and port), with
//!    `Version: 1`, the `Chain ID` of a configured chain and that nonce.
//! 3. `POST /v1/auth/verify` checks the message strictly ([`SiweMessage::parse`]), consumes
//!    the nonce atomically, checks the signer (a key, or a contract wallet through EIP-1271
//!    and ERC-6492: see [`signer`]) and answers a random bearer token, stored only as its
//!    sha256.
//!
//! Handlers that need a signed-in maker take the [`Session`] extractor (401 otherwise).
//!
//! Nonces are rows: each client IP gets `http.nonce_rate_limit_per_min` of them a minute.
//! Every answer of this area is `Cache-Control: no-store` (tokens, sessions).

use std::time::{SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, eip191_hash_message};
use axum::{
    Json,
    extract::State,
    http::{StatusCode, request::Parts},
};
use cointent_domain::{
    auth::{AuthNonce, AuthSession, AuthSessionList, AuthVerifyRequest},
    error::ErrorBody,
    time::parse_unix,
};
use cointent_storage::read::auth::{self as read, NewSession};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiResult},
    identity::{Session, client_limit, random_hex, sha256_hex},
    security::no_store,
    signer,
    state::AppState,
};

/// How long a nonce may wait for its signed message.
const NONCE_TTL_SECS: i64 = 600;
/// Clock skew tolerated between the wallet and the server.
const SKEW_SECS: i64 = 300;

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(nonce))
        .routes(routes!(verify))
        .routes(routes!(sessions))
        .routes(routes!(revoke))
        // Tokens and sessions are nobody's to keep.
        .layer(no_store())
}

/// The request's parts, for handlers that need the client's address.
struct RequestParts(Parts);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestParts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.clone()))
    }
}

/// A single-use nonce for a sign-in with Ethereum (EIP-4361) message.
///
/// The nonce is random, expires after ten minutes and serves one successful
/// /v1/auth/verify. Each client IP may ask for http.nonce_rate_limit_per_min nonces a minute
/// (60 by default); over it, 429 with Retry-After.
#[utoipa::path(
    post,
    path = "/auth/nonce",
    operation_id = "authNonce",
    tag = "auth",
    responses(
        (status = 200, description = "A fresh nonce.", body = AuthNonce),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn nonce(
    State(s): State<AppState>,
    RequestParts(parts): RequestParts,
) -> ApiResult<Json<AuthNonce>> {
    client_limit(&s.limits, &parts, "nonce", s.config.http.nonce_rate_limit_per_min)?;
    let nonce = random_hex(16)?;
    // Expired nonces are useless: drop them as new ones are made.
    read::delete_stale_nonces(&s.pool).await?;
    let expires_at = read::create_nonce(&s.pool, &nonce, NONCE_TTL_SECS as f64).await?;
    Ok(Json(AuthNonce { nonce, expires_at }))
}

/// Exchange a signed EIP-4361 message for a session token.
///
/// The message must follow EIP-4361 exactly: domain = host[:port] of the server's public
/// URL, URI with that URL's origin (scheme, host and port; any path), Version 1, the Chain ID of a chain this server indexes,
/// a nonce from /v1/auth/nonce (unused, unexpired; consumed here), Issued At not in the
/// future (5 minutes of skew), Expiration Time (optional) not passed. The signature is 0x hex
/// (at most 8 KiB) over the EIP-191 (`personal_sign`) hash of the message's exact text, made
/// by the message's address: a key's 65-byte signature; a contract wallet's (Safe, passkey
/// wallets) when the address has code on the message's chain, which the wallet's EIP-1271
/// `isValidSignature` must accept; or an ERC-6492 wrapped one for a wallet not deployed yet,
/// checked by simulating its deployment and then EIP-1271 (the session's address is the
/// wallet's). A request of the wrong shape (missing member, signature not hex or too long) is
/// a 400; a message or signature that fails a check is a 401 whose message names the check;
/// a chain that cannot be asked about a contract wallet is a 503 (never an acceptance). The
/// token is returned once; send it as `Authorization: Bearer <token>`.
#[utoipa::path(
    post,
    path = "/auth/verify",
    operation_id = "authVerify",
    tag = "auth",
    request_body = AuthVerifyRequest,
    responses(
        (status = 200, description = "Signed in.", body = AuthSession),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, description = "Not application/json.", body = ErrorBody),
        (status = 429, response = crate::openapi::TooManyRequests),
        (status = 503, response = crate::openapi::Unavailable),
    )
)]
async fn verify(
    State(s): State<AppState>,
    ApiJson(input): ApiJson<AuthVerifyRequest>,
) -> ApiResult<Json<AuthSession>> {
    let signature = signer::parse_hex("signature", &input.signature)?;
    let msg = check_message(&s, &input.message)?;
    // Before a contract wallet's signature costs chain calls: each attempt needs a nonce,
    // and nonces are rate-limited per client.
    if !read::nonce_is_live(&s.pool, &msg.nonce).await? {
        return Err(ApiError::Unauthorized("message: unknown, used or expired Nonce".into()));
    }
    let hash = eip191_hash_message(input.message.as_bytes());
    if !signer::verify(&s, msg.chain_id, msg.address, hash, &signature, "signature").await? {
        return Err(ApiError::Unauthorized("signature: not made by the message's address".into()));
    }
    let address = format!("{:#x}", msg.address);
    let token = random_hex(32)?;
    let token_hash = sha256_hex(token.as_bytes());
    let new = NewSession {
        nonce: &msg.nonce,
        token_hash: &token_hash,
        address: &address,
        chain_id: msg.chain_id as i64,
        ttl_secs: s.config.http.session_ttl_secs as f64,
    };
    let expires_at = read::open_session(&s.pool, &new)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("message: unknown, used or expired Nonce".into()))?;
    Ok(Json(AuthSession { token, address: msg.address, expires_at }))
}

/// Checks a well-formed request's message (the signature is [`signer::verify`]'s). Every
/// failure is a 401 (the credentials do not hold), with a message saying which check failed.
fn check_message(s: &AppState, text: &str) -> ApiResult<SiweMessage> {
    let refuse = |why: String| ApiError::Unauthorized(format!("message: {why}"));
    let msg = SiweMessage::parse(text).map_err(refuse)?;
    let public = &s.config.http.public_url;
    let host = host_of(public);
    if msg.domain != host {
        return Err(refuse(format!("domain must be {host:?}")));
    }
    if !same_origin(&msg.uri, public) {
        return Err(refuse(format!("URI must be on this server's origin, {public}")));
    }
    if !s.config.chains.iter().any(|c| c.chain_id == msg.chain_id) {
        return Err(refuse(format!("chain {} is not served here", msg.chain_id)));
    }
    let now = unix_now();
    if msg.issued_at > now + SKEW_SECS {
        return Err(refuse("Issued At is in the future".into()));
    }
    if msg.expiration_time.is_some_and(|t| t <= now) {
        return Err(refuse("the message has expired".into()));
    }
    if msg.not_before.is_some_and(|t| t > now + SKEW_SECS) {
        return Err(refuse("the message is not valid yet (Not Before)".into()));
    }
    Ok(msg)
}

/// Whether `uri` has the origin of `public`: scheme, host and port, compared as parsed (a
/// prefix of the text would let `http://host:8080.evil.example/` pass for
/// `http://host:8080`). Credentials in the URI are refused.
fn same_origin(uri: &str, public: &str) -> bool {
    let (Ok(uri), Ok(public)) = (url::Url::parse(uri), url::Url::parse(public)) else {
        return false;
    };
    uri.origin().is_tuple()
        && uri.origin() == public.origin()
        && uri.username().is_empty()
        && uri.password().is_none()
}

/// `host[:port]` of an `http(s)://` URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// The signed-in address's live sessions.
///
/// Unexpired, unrevoked sessions, newest first (at most 200).
#[utoipa::path(
    get,
    path = "/auth/sessions",
    operation_id = "authSessions",
    tag = "auth",
    security(("session" = [])),
    responses(
        (
            status = 200,
            description = "Unexpired, unrevoked sessions, newest first (at most 200).",
            body = AuthSessionList
        ),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn sessions(State(s): State<AppState>, session: Session) -> ApiResult<Json<AuthSessionList>> {
    let items = read::sessions(&s.pool, &session.address, session.id).await?;
    Ok(Json(AuthSessionList { items }))
}

/// Revoke one of the signed-in address's sessions (sign out).
#[utoipa::path(
    delete,
    path = "/auth/sessions/{id}",
    operation_id = "authRevokeSession",
    tag = "auth",
    security(("session" = [])),
    params(
        ("id" = String, Path, description = "A session id from /v1/auth/sessions.", pattern = "^[0-9]{1,18}$"),
    ),
    responses(
        (status = 204, description = "Revoked."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn revoke(
    State(s): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id: i64 = id.trim().parse().map_err(|_| ApiError::bad("id", "not a session id"))?;
    if !read::revoke_session(&s.pool, id, &session.address).await? {
        return Err(ApiError::not_found(format!("session {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// An EIP-4361 message, as far as this server checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SiweMessage {
    /// `host[:port]` asking for the signature.
    pub(crate) domain: String,
    /// The signing account.
    pub(crate) address: Address,
    /// The optional human-readable statement.
    pub(crate) statement: Option<String>,
    /// The resource the session is for.
    pub(crate) uri: String,
    /// The EIP-155 chain id.
    pub(crate) chain_id: u64,
    /// The server's nonce.
    pub(crate) nonce: String,
    /// Unix seconds.
    pub(crate) issued_at: i64,
    /// Unix seconds.
    pub(crate) expiration_time: Option<i64>,
    /// Unix seconds.
    pub(crate) not_before: Option<i64>,
}

const PREAMBLE: &str = " wants you to sign in with your Ethereum account:";

impl SiweMessage {
    /// Parses the message's exact text: the fields in the order EIP-4361 gives, one per line.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.split('\n').peekable();
        let first = lines.next().unwrap_or_default();
        let domain = first
            .strip_suffix(PREAMBLE)
            .filter(|d| !d.is_empty() && !d.contains(char::is_whitespace))
            .ok_or_else(|| format!("the first line must be `<domain>{PREAMBLE}`"))?
            .to_string();
        let address_line = lines.next().ok_or("missing the address line")?;
        let address = parse_address(address_line)?;
        if lines.next() != Some("") {
            return Err("expected an empty line after the address".into());
        }
        let mut statement = None;
        if lines.peek().is_some_and(|l| !l.is_empty() && !l.starts_with("URI: ")) {
            statement = lines.next().map(str::to_string);
            if lines.next() != Some("") {
                return Err("expected an empty line after the statement".into());
            }
        } else if lines.peek() == Some(&"") {
            lines.next();
        }
        let mut field = |name: &str| -> Result<String, String> {
            let line = lines.next().ok_or_else(|| format!("missing `{name}: `"))?;
            line.strip_prefix(name)
                .and_then(|l| l.strip_prefix(": "))
                .map(str::to_string)
                .ok_or_else(|| format!("expected `{name}: ...`, found {line:?}"))
        };
        let uri = field("URI")?;
        if !uri.contains(':') {
            return Err("URI is not a URI".into());
        }
        if field("Version")? != "1" {
            return Err("Version must be 1".into());
        }
        let chain_id = field("Chain ID")?.parse().map_err(|_| "Chain ID is not a number")?;
        let nonce = field("Nonce")?;
        if nonce.len() < 8 || !nonce.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("Nonce must be at least 8 alphanumeric characters".into());
        }
        let issued_at =
            parse_unix(&field("Issued At")?).map_err(|_| "Issued At is not RFC 3339")?;
        let (mut expiration_time, mut not_before) = (None, None);
        let rest: Vec<&str> = lines.collect();
        let mut i = 0;
        let mut order = 0;
        while i < rest.len() {
            let line = rest[i];
            let (key, value) = line.split_once(": ").unwrap_or((line, ""));
            let rank = match key {
                "Expiration Time" => 1,
                "Not Before" => 2,
                "Request ID" => 3,
                "Resources:" | "Resources" if value.is_empty() => 4,
                "" if i + 1 == rest.len() => break, // a trailing newline
                _ => return Err(format!("unexpected line {line:?}")),
            };
            if rank <= order {
                return Err(format!("{key} is out of order or repeated"));
            }
            order = rank;
            match rank {
                1 => {
                    expiration_time =
                        Some(parse_unix(value).map_err(|_| "Expiration Time is not RFC 3339")?)
                }
                2 => {
                    not_before = Some(parse_unix(value).map_err(|_| "Not Before is not RFC 3339")?)
                }
                4 => {
                    while i + 1 < rest.len() && rest[i + 1].starts_with("- ") {
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Ok(Self {
            domain,
            address,
            statement,
            uri,
            chain_id,
            nonce,
            issued_at,
            expiration_time,
            not_before,
        })
    }
}

/// A `0x` address in EIP-55 mixed case (checked) or all one case.
fn parse_address(text: &str) -> Result<Address, String> {
    let hex = text.strip_prefix("0x").ok_or("the address must start with 0x")?;
    let one_case = hex == hex.to_lowercase() || hex == hex.to_uppercase();
    let parsed = if one_case {
        text.parse::<Address>().map_err(|e| e.to_string())
    } else {
        Address::parse_checksummed(text, None).map_err(|_| "bad EIP-55 checksum".to_string())
    };
    parsed.map_err(|e| format!("address: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = "127.0.0.1:8080 wants you to sign in with your Ethereum account:
0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266

Sign in to Co-Intent.

URI: http://127.0.0.1:8080
Version: 1
Chain ID: 31337
Nonce: 0123456789abcdef
Issued At: 2026-11-23T10:00:00.000Z
Expiration Time: 2026-11-23T11:00:00Z
Resources:
- https://example.com/a";

    #[test]
    fn parses_an_eip4361_message() {
        let m = SiweMessage::parse(MESSAGE).unwrap();
        assert_eq!(m.domain, "127.0.0.1:8080");
        assert_eq!(format!("{:#x}", m.address), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
        assert_eq!(m.statement.as_deref(), Some("Sign in to Co-Intent."));
        assert_eq!(m.chain_id, 31337);
        assert_eq!(m.nonce, "0123456789abcdef");
        assert_eq!(m.issued_at, 1_795_428_000);
        assert_eq!(m.expiration_time, Some(1_795_431_600));
        let bare = MESSAGE.replace("Sign in to Co-Intent.\n\n", "");
        assert_eq!(SiweMessage::parse(&bare).unwrap().statement, None);
    }

    #[test]
    fn refuses_malformed_messages() {
        for (from, to) in [
            ("Version: 1", "Version: 2"),
            (
                "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            ),
            ("Chain ID: 31337", "Chain ID: x"),
            ("Nonce: 0123456789abcdef", "Nonce: short"),
            ("Issued At: 2026-11-23T10:00:00.000Z", "Issued At: yesterday"),
            ("Expiration Time", "Expiry Time"),
            (" wants you", " would like you"),
        ] {
            let bad = MESSAGE.replace(from, to);
            assert!(SiweMessage::parse(&bad).is_err(), "{to}");
        }
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_unix("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_unix("2000-03-01T00:00:00+01:00"), Ok(951_865_200));
        assert!(parse_unix("2000-03-01 00:00:00Z").is_err());
        assert!(parse_unix("2000-13-01T00:00:00Z").is_err());
        assert_eq!(host_of("https://shop.example:8443/x"), "shop.example:8443");
    }

    #[test]
    fn the_uri_is_compared_by_origin() {
        let public = "http://127.0.0.1:8080";
        for ok in
            ["http://127.0.0.1:8080", "http://127.0.0.1:8080/", "HTTP://127.0.0.1:8080/create?x#y"]
        {
            assert!(same_origin(ok, public), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:8080.evil.example/",
            "http://127.0.0.1:80800/",
            "http://127.0.0.1:8080@evil.example/",
            "http://user@127.0.0.1:8080/",
            "https://127.0.0.1:8080/",
            "http://127.0.0.1/",
            "http://localhost:8080/",
            "urn:uuid:x",
            "",
        ] {
            assert!(!same_origin(bad, public), "{bad}");
        }
        assert!(same_origin("https://shop.example/", "https://shop.example:443"));
    }
}
