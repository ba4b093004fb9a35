//! One page of a keyset-paginated list: `{"items": [...], "next_cursor": "..." | null}`.
//! Pass a page's `next_cursor` as `?cursor=` for the next one; the cursor is opaque.

use serde::{Deserialize, Serialize};

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass as cursor for the next page; null on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from up to `limit + 1` rows fetched in the list's order: the first `limit`
    /// are the items, and when there was one more, `cursor` of the last item kept is the
    /// next cursor.
    pub fn from_rows(mut rows: Vec<T>, limit: usize, cursor: impl FnOnce(&T) -> String) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(cursor) } else { None };
        Self { items: rows, next_cursor }
    }

    /// The same page with each item mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pages_cut_at_the_limit_and_carry_the_cursor() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |last| format!("after-{last}"));
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next_cursor.as_deref(), Some("after-2"));
        let last = Page::from_rows(vec![1, 2], 2, |_| unreachable!());
        assert_eq!(json!(last), json!({"items": [1, 2], "next_cursor": null}));
        assert_eq!(last.map(|i| i * 10).items, [10, 20]);
    }
}
