//! SQL shared by several areas: the order summary every order list shows, its keyset and the
//! metadata filters.

use sqlx::{Postgres, QueryBuilder};

use crate::{
    error::ApiResult,
    page::{cursor_i64, cursor_uint},
    params::label,
};

/// The zero address, as the mirror writes it.
pub(crate) const ZERO: &str = "0x0000000000000000000000000000000000000000";
/// Every order status.
pub(crate) const STATUSES: &[&str] =
    &["Funding", "Active", "Failed", "Cancelled", "Completed", "Resolved"];
/// Every order kind.
pub(crate) const KINDS: &[&str] = &["collective", "sale", "freelance"];

/// The JSON of an order summary, over `orders o` left-joined with `metadata_documents m`.
pub(crate) const SUMMARY: &str = "json_build_object(
    'chain_id', o.chain_id, 'order_id', o.order_id::TEXT, 'kind', o.kind, 'status', o.status,
    'seller', o.seller, 'token', o.token, 'unit_price', o.unit_price::TEXT,
    'min_units', o.min_units, 'max_units', o.max_units, 'units_pledged', o.units_pledged::BIGINT,
    'funded', o.funded::TEXT, 'released', o.released::TEXT, 'refunded', o.refunded::TEXT,
    'funding_deadline', o.funding_deadline, 'fee_bps', o.fee_bps, 'promoter_bps', o.promoter_bps,
    'milestone_count', o.milestone_count, 'metadata_hash', o.metadata_hash,
    'terms_hash', o.terms_hash, 'created_at', o.created_at, 'created_block', o.created_block,
    'title', m.document ->> 'title', 'category', m.category, 'region', m.region,
    'craft', m.craft, 'image', m.document #>> '{images,0}')";

/// The order list's sort key (newest first): `created_block`, `chain_id`, `order_id`.
pub(crate) const ORDER_KEY: &str = "o.created_block::TEXT, o.chain_id::TEXT, o.order_id::TEXT";

/// Appends the keyset condition and order of the newest-first order lists.
pub(crate) fn order_keyset(
    sql: &mut QueryBuilder<Postgres>,
    cursor: Option<Vec<String>>,
    limit: u32,
) -> ApiResult<()> {
    if let Some(c) = cursor {
        let (block, chain, id) = (cursor_i64(&c[0])?, cursor_i64(&c[1])?, cursor_uint(&c[2])?);
        sql.push(" AND (o.created_block, o.chain_id, o.order_id) < (")
            .push_bind(block)
            .push(", ")
            .push_bind(chain)
            .push(", ")
            .push_bind(id)
            .push("::NUMERIC)");
    }
    sql.push(" ORDER BY o.created_block DESC, o.chain_id DESC, o.order_id DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    Ok(())
}

/// Appends the region, category and craft filters over `metadata_documents m`.
pub(crate) fn metadata_filters(
    sql: &mut QueryBuilder<Postgres>,
    region: Option<&str>,
    category: Option<&str>,
    craft: Option<&str>,
) -> ApiResult<()> {
    for (field, value, column) in [
        ("region", region, "m.region"),
        ("category", category, "m.category"),
        ("craft", craft, "m.craft"),
    ] {
        if let Some(v) = value {
            sql.push(format!(" AND {column} = ")).push_bind(label(field, v)?);
        }
    }
    Ok(())
}
