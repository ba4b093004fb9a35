//! Keyset pagination: `?limit=&cursor=`, answered as `{"items": [...], "next_cursor": ...}`.
//!
//! A cursor is opaque to clients: the sort key of the last item returned, hex-encoded.
//! Handlers fetch `limit + 1` rows and call [`Page::from_rows`], or, for JSON built by
//! Postgres, [`fetch_page`] over rows of `(item JSON, sort key parts...)`.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use cointent_storage::read::keyset::{BadCursor, PageError};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};

use crate::{
    error::{ApiError, ApiResult},
    params::uint,
    state::AppState,
};

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
        let bad = || ApiError::bad("cursor", "not a cursor from a previous page");
        let bytes = alloy::hex::decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let keys: Vec<String> = text.split('\u{1f}').map(str::to_string).collect();
        if keys.len() != parts {
            return Err(bad());
        }
        Ok(Some(keys))
    }
}

/// Encodes a sort key as a cursor.
pub fn encode_cursor(keys: &[&str]) -> String {
    alloy::hex::encode(keys.join("\u{1f}"))
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows; `key` gives an item's sort key.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> Vec<String>) -> Self {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| {
                let k = key(last);
                encode_cursor(&k.iter().map(String::as_str).collect::<Vec<_>>())
            })
        } else {
            None
        };
        Self { items: rows, next_cursor }
    }
}

/// An `application/json` response from JSON text built by Postgres.
pub(crate) fn json_text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A page `{"items": [...], "next_cursor": ...}` from up to `limit + 1` rows of
/// `(item JSON, sort key)`.
pub(crate) fn page_text(mut rows: Vec<(String, Vec<String>)>, limit: u32) -> Response {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some((_, key)) if more => {
            let cursor = encode_cursor(&key.iter().map(String::as_str).collect::<Vec<_>>());
            format!("\"{cursor}\"")
        }
        _ => "null".to_string(),
    };
    let mut body = String::with_capacity(rows.iter().map(|r| r.0.len() + 1).sum::<usize>() + 64);
    body.push_str("{\"items\":[");
    for (i, (item, _)) in rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str("],\"next_cursor\":");
    body.push_str(&next);
    body.push('}');
    json_text(body)
}

/// A page query from a handler's `limit` and `cursor` parameters; an empty cursor is the
/// first page.
pub(crate) fn page_query(limit: Option<u32>, cursor: Option<String>) -> PageQuery {
    PageQuery { limit, cursor: cursor.filter(|c| !c.is_empty()) }
}
/// A cursor part that must be a signed 64-bit integer.
pub(crate) fn cursor_i64(part: &str) -> ApiResult<i64> {
    part.parse().map_err(|_| ApiError::bad("cursor", "not a cursor from a previous page"))
}

/// A cursor part compared as text.
pub(crate) fn cursor_text(part: &str) -> ApiResult<String> {
    if part.contains('\0') || part.len() > 200 {
        return Err(ApiError::bad("cursor", "not a cursor from a previous page"));
    }
    Ok(part.to_string())
}

/// A cursor part that must be a uint256.
pub(crate) fn cursor_uint(part: &str) -> ApiResult<String> {
    uint("cursor", part).map_err(|_| ApiError::bad("cursor", "not a cursor from a previous page"))
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

/// Runs a page query whose rows are `(item JSON, key parts...)`.
pub(crate) async fn fetch_page(
    state: &AppState,
    mut sql: QueryBuilder<Postgres>,
    limit: u32,
) -> ApiResult<Response> {
    use sqlx::Row;
    let rows = sql.build().fetch_all(&state.pool).await?;
    let rows = rows
        .iter()
        .map(|r| {
            let item: String = r.try_get(0)?;
            let key = (1..r.len()).map(|i| r.try_get::<String, _>(i)).collect::<Result<_, _>>()?;
            Ok((item, key))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(page_text(rows, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let page = Page::from_rows(vec![(1, "a"), (2, "b"), (3, "c")], 2, |r| {
            vec![r.0.to_string(), r.1.to_string()]
        });
        assert_eq!(page.items.len(), 2);
        let q = PageQuery { limit: Some(2), cursor: page.next_cursor };
        assert_eq!(q.cursor(2).unwrap(), Some(vec!["2".to_string(), "b".to_string()]));
        assert!(q.cursor(3).is_err());
        let bad = PageQuery { limit: Some(0), cursor: Some("zz".into()) };
        assert!(bad.limit().is_err());
        assert!(bad.cursor(1).is_err());
        let last = Page::from_rows(vec![1, 2], 2, |r| vec![r.to_string()]);
        assert_eq!(last.next_cursor, None);
    }
}
