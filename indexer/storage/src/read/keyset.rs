//! Keyset pagination for lists whose filters vary: the one helper every list uses.
//!
//! A list is ordered by a tuple of columns (for example `(created_block, chain_id,
//! order_id)`); a page asks for `limit + 1` rows after the last row of the previous page,
//! whose sort key the client brings back as an opaque cursor (see
//! `cointent_domain::page`). The cursor's parts arrive as text and are bound with their
//! column's type, so a forged cursor is at worst a wrong position, never SQL.

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
        let exprs: Vec<&str> = self.columns.iter().map(|(e, _)| *e).collect();
        if let Some(parts) = cursor {
            if parts.len() != self.columns.len() {
                return Err(BadCursor);
            }
            let cmp = if self.descending { "<" } else { ">" };
            sql.push(format!(" AND ({}) {cmp} (", exprs.join(", ")));
            for (i, ((_, kind), part)) in self.columns.iter().zip(parts).enumerate() {
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
        }
        let dir = if self.descending { " DESC" } else { "" };
        let order: Vec<String> = exprs.iter().map(|e| format!("{e}{dir}")).collect();
        sql.push(format!(" ORDER BY {} LIMIT ", order.join(", "))).push_bind(i64::from(limit) + 1);
        Ok(())
    }
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
    fn refuses_forged_cursors() {
        for bad in [&["x", "1", "1"][..], &["1", "1"], &["1", "1", "-1"], &["1", "1", "1e9"]] {
            let bad: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
            let mut sql = QueryBuilder::<Postgres>::new("SELECT 1");
            assert_eq!(ORDERS.push(&mut sql, Some(&bad), 5), Err(BadCursor), "{bad:?}");
        }
    }
}
