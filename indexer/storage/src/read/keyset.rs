//! Keyset pagination for lists whose filters vary: the one helper every list uses.
//!
//! A list is ordered by a tuple of columns (for example `(created_block, chain_id,
//! order_id)`); a page asks for `limit + 1` rows after the last row of the previous page,
//! whose sort key the client brings back as an opaque cursor (see
//! `cointent_domain::page`). The cursor's parts arrive as text and are bound with their
//! column's type, so a forged cursor is at worst a wrong position, never SQL.

use std::fmt::Display;

use sqlx::{Postgres, QueryBuilder};

/// The type of one sort-key column, to bind a cursor part as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `BIGINT`.
    BigInt,
    /// `INTEGER`.
    Int,
    /// `NUMERIC` (uint256 values).
    Numeric,
    /// `TEXT`.
    Text,
}

/// A sort key: its columns (SQL expressions over the query's aliases) and their types.
#[derive(Debug, Clone, Copy)]
pub struct Keyset<'a> {
    /// `(expression, type)` in sort order.
    pub columns: &'a [(&'a str, KeyType)],
    /// Newest (largest) first.
    pub descending: bool,
}

/// A cursor part that does not fit its column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a cursor from a previous page")]
pub struct BadCursor;

/// Why a page could not be read: its cursor, or the database.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The cursor does not fit the list's sort key.
    #[error(transparent)]
    BadCursor(#[from] BadCursor),
    /// The query failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Keyset<'_> {
    /// The sort key of a row as text parts, the form cursors carry: the `SELECT` list
    /// expressions to append after a row's own columns.
    pub fn select_list(&self) -> String {
        let parts: Vec<String> =
            self.columns.iter().map(|(expr, _)| format!("({expr})::TEXT")).collect();
        parts.join(", ")
    }

    /// Appends ` AND (cols) < (cursor)` (or `>` ascending) when there is a cursor, then
    /// ` ORDER BY ... LIMIT limit + 1`. `cursor` holds one text part per column.
    pub fn push(
        &self,
        sql: &mut QueryBuilder<Postgres>,
        cursor: Option<&[String]>,
        limit: u32,
    ) -> Result<(), BadCursor> {
        self.push_turning(sql, cursor, limit, self.columns.len())
    }

    /// [`push`](Self::push) for a sort key whose columns from index `turn` on run the other
    /// way, such as `votes DESC, chain_id, delegate`: after the cursor come the rows whose
    /// first `turn` columns come after the cursor's, and those equal to them whose other
    /// columns come after the cursor's in their own direction.
    pub fn push_turning(
        &self,
        sql: &mut QueryBuilder<Postgres>,
        cursor: Option<&[String]>,
        limit: u32,
        turn: usize,
    ) -> Result<(), BadCursor> {
        let turn = turn.clamp(1, self.columns.len());
        let (head, tail) = self.columns.split_at(turn);
        let (before, after) = if self.descending { ("<", ">") } else { (">", "<") };
        if let Some(parts) = cursor {
            if parts.len() != self.columns.len() {
                return Err(BadCursor);
            }
            let (head_parts, tail_parts) = parts.split_at(turn);
            sql.push(" AND ");
            if tail.is_empty() {
                compare(sql, head, before, head_parts)?;
            } else {
                sql.push("(");
                compare(sql, head, before, head_parts)?;
                sql.push(" OR (");
                compare(sql, head, "=", head_parts)?;
                sql.push(" AND ");
                compare(sql, tail, after, tail_parts)?;
                sql.push("))");
            }
        }
        let (first, then) = if self.descending { (" DESC", "") } else { ("", " DESC") };
        let order: Vec<String> = head
            .iter()
            .map(|(e, _)| format!("{e}{first}"))
            .chain(tail.iter().map(|(e, _)| format!("{e}{then}")))
            .collect();
        sql.push(format!(" ORDER BY {} LIMIT ", order.join(", "))).push_bind(i64::from(limit) + 1);
        Ok(())
    }
}

/// The cursor of the page after one ending with a row whose sort key is `parts` (in the
/// keyset's column order, as the row's own values).
pub(crate) fn cursor_after(parts: &[&dyn Display]) -> String {
    let parts: Vec<String> = parts.iter().map(ToString::to_string).collect();
    cointent_domain::page::encode_cursor(&parts.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Appends `(cols) op (parts...)`, each part bound with its column's type.
fn compare(
    sql: &mut QueryBuilder<Postgres>,
    columns: &[(&str, KeyType)],
    op: &str,
    parts: &[String],
) -> Result<(), BadCursor> {
    let exprs: Vec<&str> = columns.iter().map(|(e, _)| *e).collect();
    sql.push(format!("({}) {op} (", exprs.join(", ")));
    for (i, ((_, kind), part)) in columns.iter().zip(parts).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        match kind {
            KeyType::BigInt => {
                sql.push_bind(part.parse::<i64>().map_err(|_| BadCursor)?);
            }
            KeyType::Int => {
                sql.push_bind(part.parse::<i32>().map_err(|_| BadCursor)?);
            }
            KeyType::Numeric => {
                let digits = !part.is_empty()
                    && part.len() <= 78
                    && part.bytes().all(|b| b.is_ascii_digit());
                if !digits {
                    return Err(BadCursor);
                }
                sql.push_bind(part.clone()).push("::NUMERIC");
            }
            KeyType::Text => {
                if part.contains('\0') || part.len() > 200 {
                    return Err(BadCursor);
                }
                sql.push_bind(part.clone());
            }
        }
    }
    sql.push(")");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: Keyset<'static> = Keyset {
        columns: &[
            ("o.created_block", KeyType::BigInt),
            ("o.chain_id", KeyType::BigInt),
            ("o.order_id", KeyType::Numeric),
        ],
        descending: true,
    };

    #[test]
    fn appends_the_condition_order_and_limit() {
        let mut sql = QueryBuilder::<Postgres>::new("SELECT 1 FROM orders o WHERE true");
        let cursor = ["12".to_string(), "31337".to_string(), "7".to_string()];
        ORDERS.push(&mut sql, Some(&cursor), 20).unwrap();
        assert_eq!(
            sql.sql().as_str(),
            "SELECT 1 FROM orders o WHERE true AND (o.created_block, o.chain_id, o.order_id) \
             < ($1, $2, $3::NUMERIC) ORDER BY o.created_block DESC, o.chain_id DESC, \
             o.order_id DESC LIMIT $4"
        );
        assert_eq!(
            ORDERS.select_list(),
            "(o.created_block)::TEXT, (o.chain_id)::TEXT, (o.order_id)::TEXT"
        );
    }

    #[test]
    fn a_turning_key_compares_head_then_tail() {
        const DELEGATES: Keyset<'static> = Keyset {
            columns: &[
                ("v.votes", KeyType::Numeric),
                ("v.chain_id", KeyType::BigInt),
                ("v.delegate", KeyType::Text),
            ],
            descending: true,
        };
        let mut sql = QueryBuilder::<Postgres>::new("SELECT 1 FROM voting_power v WHERE true");
        let cursor = ["5".to_string(), "31337".to_string(), "0xab".to_string()];
        DELEGATES.push_turning(&mut sql, Some(&cursor), 20, 1).unwrap();
        assert_eq!(
            sql.sql().as_str(),
            "SELECT 1 FROM voting_power v WHERE true AND ((v.votes) < ($1::NUMERIC) OR \
             ((v.votes) = ($2::NUMERIC) AND (v.chain_id, v.delegate) > ($3, $4))) \
             ORDER BY v.votes DESC, v.chain_id, v.delegate LIMIT $5"
        );
        let mut first = QueryBuilder::<Postgres>::new("SELECT 1");
        DELEGATES.push_turning(&mut first, None, 20, 1).unwrap();
        assert_eq!(
            first.sql().as_str(),
            "SELECT 1 ORDER BY v.votes DESC, v.chain_id, v.delegate LIMIT $1"
        );
    }

    #[test]
    fn refuses_forged_cursors() {
        for bad in [&["x", "1", "1"][..], &["1", "1"], &["1", "1", "-1"], &["1", "1", "1e9"]] {
            let bad: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
            let mut sql = QueryBuilder::<Postgres>::new("SELECT 1");
            assert_eq!(ORDERS.push(&mut sql, Some(&bad), 5), Err(BadCursor), "{bad:?}");
        }
    }
}
