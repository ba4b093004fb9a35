//! One page of a keyset-paginated list: `{"items": [...], "next_cursor": "..." | null}`.
//! Pass a page's `next_cursor` as `?cursor=` for the next one; the cursor is opaque to
//! clients: the sort key of the last item returned ([`encode_cursor`]), which the server
//! reads back with [`decode_cursor`].

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

/// The separator of a cursor's parts (a control character no part contains).
const SEPARATOR: char = '\u{1f}';

/// A cursor from the sort key of the last item of a page: its parts, hex-encoded.
pub fn encode_cursor(parts: &[&str]) -> String {
    let text = parts.join(&SEPARATOR.to_string());
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    out
}

/// The `parts` parts of a cursor made by [`encode_cursor`]; `None` when it is not one.
pub fn decode_cursor(cursor: &str, parts: usize) -> Option<Vec<String>> {
    if !cursor.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let text = String::from_utf8(bytes).ok()?;
    let keys: Vec<String> = text.split(SEPARATOR).map(str::to_string).collect();
    (keys.len() == parts).then_some(keys)
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

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let c = encode_cursor(&["12", "31337", "7"]);
        assert_eq!(decode_cursor(&c, 3), Some(vec!["12".into(), "31337".into(), "7".into()]));
        assert_eq!(decode_cursor(&c, 2), None);
        assert_eq!(decode_cursor("zz", 1), None);
        assert_eq!(decode_cursor("abc", 1), None);
        assert_eq!(decode_cursor("ff", 1), None, "not UTF-8");
    }
}
