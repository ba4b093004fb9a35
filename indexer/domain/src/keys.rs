//! The `keys` area of the API: `GET /v1/keys/me`, the calling partner API key
//! ([`ApiKeyInfo`]); operators make keys with `cointent keys create`.

use core::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{DateTime, lifecycle::UnknownVariant};

/// What a partner API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyScope {
    /// Read the API (reads also work without a key, with lower limits).
    Read,
    /// Manage webhooks.
    Webhooks,
}

impl ApiKeyScope {
    /// Every scope.
    pub const ALL: &'static [Self] = &[Self::Read, Self::Webhooks];

    /// The scope's name: `read`, `webhooks`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Webhooks => "webhooks",
        }
    }
}

impl fmt::Display for ApiKeyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiKeyScope {
    type Err = UnknownVariant;

    fn from_str(text: &str) -> Result<Self, UnknownVariant> {
        match text {
            "read" => Ok(Self::Read),
            "webhooks" => Ok(Self::Webhooks),
            _ => Err(UnknownVariant {
                what: "API key scope",
                value: text.to_string(),
                expected: "read, webhooks",
            }),
        }
    }
}

/// A partner API key as listed (never with its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    /// The id: the `<id>` in `ck_<id>_<secret>`.
    pub id: u64,
    /// A human name.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<ApiKeyScope>,
    /// Requests per minute allowed.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub rate_limit_per_min: u32,
    /// When it was made.
    pub created_at: DateTime,
    /// When it was revoked.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub revoked_at: Option<DateTime>,
    /// Requests made with it.
    pub usage_count: u64,
    /// When it was last used.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<DateTime>,
}
