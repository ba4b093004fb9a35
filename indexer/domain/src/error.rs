//! The API's one error shape, for every 4xx and 5xx:
//!
//! ```json
//! {"error": {"code": "bad_request", "message": "limit: must be between 1 and 200", "field": "limit"}}
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

/// An error answer: `{"error": {...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Error))]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable code, one per HTTP status.
    pub code: ErrorCode,
    /// For people; for a 5xx, never internals.
    pub message: String,
    /// The offending input (query parameter, path segment or body member), for some 400s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub field: Option<String>,
}

impl ErrorBody {
    /// An error answer with `code` and `message`, naming no field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { error: ErrorDetail { code, message: message.into(), field: None } }
    }
}

impl fmt::Display for ErrorBody {
    /// `message` (the API puts the field's name in it already).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.message)
    }
}

/// The error codes, one per HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: bad input.
    BadRequest,
    /// 401: no credentials, or credentials that are not valid.
    Unauthorized,
    /// 403: valid credentials without the right.
    Forbidden,
    /// 404.
    NotFound,
    /// 405: the path exists, not with this method (see `Allow`).
    MethodNotAllowed,
    /// 409: conflicts with the current state.
    Conflict,
    /// 413.
    PayloadTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 429: see `Retry-After`.
    RateLimited,
    /// 503: a dependency (the database) is unavailable.
    Unavailable,
    /// 500.
    Internal,
}

impl ErrorCode {
    /// The HTTP status answered with this code.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }

    /// The code's name, as in the JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}
