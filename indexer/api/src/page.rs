//! Keyset pagination: `?limit=&cursor=`, answered as `{"items": [...], "next_cursor": ...}`.
//!
//! A cursor is opaque to clients: the sort key of the last item returned, hex-encoded.
//! Storage fetches `limit + 1` rows and builds `cointent_domain::Page` (whose module has the
//! cursor codec); this module reads and checks the parameters and maps paging errors.

use cointent_storage::read::keyset::{BadCursor, PageError};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};

/// The default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page size.
pub const MAX_LIMIT: u32 = 200;

/// `limit` and `cursor` query parameters: an endpoint's query struct has them as members
/// (serde's `flatten` cannot read numbers from a query string), or the handler extracts this
/// struct as a second query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    /// next_cursor of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page size, checked.
    pub fn limit(&self) -> ApiResult<u32> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n @ 1..=MAX_LIMIT) => Ok(n),
            Some(_) => Err(ApiError::bad("limit", format!("must be between 1 and {MAX_LIMIT}"))),
        }
    }

    /// The decoded cursor: the `parts` sort-key components of the last item seen.
    pub fn cursor(&self, parts: usize) -> ApiResult<Option<Vec<String>>> {
        let Some(text) = &self.cursor else { return Ok(None) };
        cointent_domain::page::decode_cursor(text, parts)
            .map(Some)
            .ok_or_else(|| ApiError::bad("cursor", "not a cursor from a previous page"))
    }
}

/// A page query from a handler's `limit` and `cursor` parameters; an empty cursor is the
/// first page.
pub(crate) fn page_query(limit: Option<u32>, cursor: Option<String>) -> PageQuery {
    PageQuery { limit, cursor: cursor.filter(|c| !c.is_empty()) }
}
/// A cursor whose parts do not fit the list's sort key is the client's mistake, like one
/// that does not decode.
impl From<BadCursor> for ApiError {
    fn from(_: BadCursor) -> Self {
        ApiError::bad("cursor", "not a cursor from a previous page")
    }
}

impl From<PageError> for ApiError {
    fn from(e: PageError) -> Self {
        match e {
            PageError::BadCursor(bad) => bad.into(),
            PageError::Database(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let cursor = cointent_domain::page::encode_cursor(&["2", "b"]);
        let q = PageQuery { limit: Some(2), cursor: Some(cursor) };
        assert_eq!(q.cursor(2).unwrap(), Some(vec!["2".to_string(), "b".to_string()]));
        assert!(q.cursor(3).is_err());
        let bad = PageQuery { limit: Some(0), cursor: Some("zz".into()) };
        assert!(bad.limit().is_err());
        assert!(bad.cursor(1).is_err());
    }

    #[test]
    fn a_forged_cursor_is_a_bad_request_naming_it() {
        let e = ApiError::from(PageError::BadCursor(cointent_storage::read::keyset::BadCursor));
        assert!(matches!(
            e,
            ApiError::BadRequest { field: Some(ref f), ref message }
                if f == "cursor" && message == "cursor: not a cursor from a previous page"
        ));
        let e = ApiError::from(PageError::Database(sqlx::Error::PoolTimedOut));
        assert!(matches!(e, ApiError::Unavailable(_)));
    }
}
