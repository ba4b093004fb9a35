//! The `auth` area of the API: sign-in with Ethereum (EIP-4361) and sessions
//! (`POST /v1/auth/nonce`, `POST /v1/auth/verify`, `GET /v1/auth/sessions`,
//! `DELETE /v1/auth/sessions/{id}`).

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::DateTime;

/// A single-use nonce for a sign-in message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthNonce {
    /// 32 lower-case hex digits, for the message's `Nonce:` line.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub nonce: String,
    /// When it expires (ten minutes after it was made).
    pub expires_at: DateTime,
}

/// The body of `POST /v1/auth/verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthVerifyRequest {
    /// The EIP-4361 message, exactly as signed.
    pub message: String,
    /// The signature of the message's EIP-191 (`personal_sign`) hash by the message's
    /// address, as hex (`0x` optional, at most 8 KiB): a key's 65 bytes, or a contract
    /// wallet's signature of any length (EIP-1271), ERC-6492 wrapped when the wallet is not
    /// deployed yet.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(0x)?([0-9a-fA-F]{2}){1,8192}$"))]
    pub signature: String,
}

/// A new session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthSession {
    /// Bearer token; shown once. Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// The signed-in address.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// When the session expires.
    pub expires_at: DateTime,
}

/// The signed-in address's live sessions, newest first (at most 200).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthSessionList {
    /// Unexpired, unrevoked sessions.
    pub items: Vec<AuthSessionInfo>,
}

/// One live session (never with its token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthSessionInfo {
    /// The session's id, in decimal: the `{id}` of `DELETE /v1/auth/sessions/{id}`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]+$"))]
    pub id: String,
    /// When it was opened.
    pub created_at: DateTime,
    /// When it expires.
    pub expires_at: DateTime,
    /// When it was last used.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<DateTime>,
    /// The session making this request.
    pub current: bool,
}
