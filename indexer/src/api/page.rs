//! Keyset pagination: `?limit=&cursor=`, answered as `{"items": [...], "next_cursor": ...}`.
//!
//! A cursor is opaque to clients: the sort key of the last item returned, hex-encoded.
//! Handlers fetch `limit + 1` rows and call [`Page::from_rows`].

use serde::{Deserialize, Serialize};

use super::{ApiError, ApiResult};

/// The default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page size.
pub const MAX_LIMIT: u32 = 200;

/// `limit` and `cursor` query parameters (flatten into an endpoint's query struct).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    /// Items per page, 1 to [`MAX_LIMIT`].
    pub limit: Option<u32>,
    /// From a previous page's `next_cursor`.
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
