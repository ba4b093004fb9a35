//! One JSON error shape for the whole API, and extractors whose rejections use it.
//!
//! ```json
//! {"error": {"code": "bad_request", "message": "limit: must be between 1 and 200", "field": "limit"}}
//! ```

use axum::{
    Json,
    extract::{
        FromRequest, FromRequestParts,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// An API failure. 4xx variants carry a message for the client; [`ApiError::Internal`]
/// is logged and answered with a generic message (never SQL or internals).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: bad input, naming the field when there is one.
    #[error("{message}")]
    BadRequest {
        /// The offending field (query parameter, path segment or body member).
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// 401: no credentials, or credentials that are not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: valid credentials without the right.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: the request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429, with the seconds after which to retry.
    #[error("rate limit exceeded; retry after {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until the limit resets.
        retry_after_secs: u64,
    },
    /// 503: a dependency (the database) is unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// 500: logged, answered generically.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The API's result type.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A 400 naming `field`.
    pub fn bad(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        let field = field.into();
        Self::BadRequest { message: format!("{field}: {message}"), field: Some(field) }
    }

    /// A 404 for `what`.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    fn status_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { .. } => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_code();
        let message = match &self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error".to_string()
            }
            Self::Unavailable(detail) => {
                tracing::warn!(%detail, "unavailable");
                "service temporarily unavailable".to_string()
            }
            other => other.to_string(),
        };
        let field = match &self {
            Self::BadRequest { field, .. } => field.as_deref(),
            _ => None,
        };
        let mut response =
            (status, Json(Body { error: Inner { code, message, field } })).into_response();
        if let Self::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Self::NotFound("not found".into()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(e.to_string())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => {
                Self::UnsupportedMediaType("expected Content-Type: application/json".into())
            }
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::PayloadTooLarge("request body too large".into())
            }
            other => Self::BadRequest {
                field: serde_field(&other.body_text()),
                message: other.body_text(),
            },
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        Self::BadRequest { field: serde_field(&text), message: text }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        let text = r.body_text();
        Self::BadRequest { field: serde_field(&text), message: text }
    }
}

/// Picks the field name out of a serde message ("missing field `x`", "x: invalid digit").
fn serde_field(text: &str) -> Option<String> {
    for marker in ["missing field `", "unknown field `"] {
        if let Some((_, rest)) = text.split_once(marker) {
            return rest.split_once('`').map(|(field, _)| field.to_string());
        }
    }
    let body = text.rsplit_once("string: ").map_or(text, |(_, b)| b);
    let (field, _) = body.split_once(": ")?;
    let field = field.trim();
    let plain = field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    (!field.is_empty() && plain).then(|| field.to_string())
}

/// `axum::Json`, rejecting with [`ApiError`].
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `axum::extract::Query`, rejecting with [`ApiError`].
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path`, rejecting with [`ApiError`].
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_from_serde_messages() {
        for (text, field) in [
            ("Failed to deserialize query string: limit: invalid digit found in string", "limit"),
            (
                "Failed to deserialize the JSON body into the target type: missing field `title` at line 1 column 2",
                "title",
            ),
            ("Failed to deserialize query string: status: unknown variant `Foo`", "status"),
        ] {
            assert_eq!(serde_field(text).as_deref(), Some(field), "{text}");
        }
        assert_eq!(serde_field("no field here at all"), None);
    }

    #[tokio::test]
    async fn internal_errors_do_not_leak() {
        let response =
            ApiError::Internal("relation \"orders\" does not exist".into()).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("relation"), "{text}");
        assert!(text.contains("\"code\":\"internal\""), "{text}");
    }

    #[tokio::test]
    async fn rate_limit_says_when_to_retry() {
        let response = ApiError::TooManyRequests { retry_after_secs: 7 }.into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
}
