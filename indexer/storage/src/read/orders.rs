//! Orders, for `/v1/orders` and `/v1/transparency`: the order list with its filters and
//! full-text search, one order's record, and what every order list shares (the summary row
//! of `api_order_summary`, the newest-first keyset, the metadata filters).

use std::{error::Error as StdError, str::FromStr};

use cointent_domain::{
    Address, B256, Bytes, DateTime, OrderKind, OrderStatus, Page, Terms,
    metadata::MetadataJson,
    orders::{OrderDispute, OrderMilestone, OrderPledge, OrderPromotion, OrderSummary},
    page::encode_cursor,
    terms::{terms_abi, terms_from_event},
};
use serde::Deserialize;
use sqlx::{PgPool, Postgres, QueryBuilder, types::Json};

use super::keyset::{BadCursor, KeyType, Keyset};

pub use super::keyset::PageError;

/// An order summary as `api_order_summary(o, m)` (migration 0009) writes it: uint256 values
/// and times as text, exactly as the API shows them.
#[derive(Debug, Clone, sqlx::Type, Deserialize)]
#[sqlx(type_name = "api_order_summary")]
pub(crate) struct SummaryRow {
    chain_id: i64,
    order_id: String,
    kind: String,
    status: String,
    seller: String,
    token: String,
    unit_price: String,
    min_units: i64,
    max_units: i64,
    units_pledged: i64,
    funded: String,
    released: String,
    refunded: String,
    funding_deadline: String,
    fee_bps: i32,
    promoter_bps: i32,
    milestone_count: i32,
    metadata_hash: String,
    terms_hash: String,
    created_at: String,
    created_block: i64,
    title: Option<String>,
    category: Option<String>,
    region: Option<String>,
    craft: Option<String>,
    image: Option<String>,
}

/// A column that holds something its domain type refuses.
pub(crate) fn bad_column(column: &str, e: impl StdError + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_string(), source: Box::new(e) }
}

/// Text of a column parsed into its domain type.
pub(crate) fn parse<T>(column: &str, text: &str) -> sqlx::Result<T>
where
    T: FromStr,
    T::Err: StdError + Send + Sync + 'static,
{
    text.parse().map_err(|e| bad_column(column, e))
}

/// An integer column converted to its domain type's width.
pub(crate) fn int<T, U>(column: &str, value: U) -> sqlx::Result<T>
where
    T: TryFrom<U, Error = std::num::TryFromIntError>,
{
    T::try_from(value).map_err(|e| bad_column(column, e))
}

impl TryFrom<SummaryRow> for OrderSummary {
    type Error = sqlx::Error;

    fn try_from(r: SummaryRow) -> sqlx::Result<Self> {
        Ok(Self {
            chain_id: int("chain_id", r.chain_id)?,
            order_id: parse("order_id", &r.order_id)?,
            kind: parse::<OrderKind>("kind", &r.kind)?,
            status: parse::<OrderStatus>("status", &r.status)?,
            seller: parse("seller", &r.seller)?,
            token: parse("token", &r.token)?,
            unit_price: parse("unit_price", &r.unit_price)?,
            min_units: int("min_units", r.min_units)?,
            max_units: int("max_units", r.max_units)?,
            units_pledged: int("units_pledged", r.units_pledged)?,
            funded: parse("funded", &r.funded)?,
            released: parse("released", &r.released)?,
            refunded: parse("refunded", &r.refunded)?,
            funding_deadline: DateTime::new_unchecked(r.funding_deadline),
            fee_bps: int("fee_bps", r.fee_bps)?,
            promoter_bps: int("promoter_bps", r.promoter_bps)?,
            milestone_count: int("milestone_count", r.milestone_count)?,
            metadata_hash: parse("metadata_hash", &r.metadata_hash)?,
            terms_hash: parse("terms_hash", &r.terms_hash)?,
            created_at: DateTime::new_unchecked(r.created_at),
            created_block: int("created_block", r.created_block)?,
            title: r.title,
            category: r.category,
            region: r.region,
            craft: r.craft,
            image: r.image,
        })
    }
}

/// Order lists run newest first: `(created_block, chain_id, order_id)` descending, over
/// `orders o`.
const NEWEST: Keyset<'static> = Keyset {
    columns: &[
        ("o.created_block", KeyType::BigInt),
        ("o.chain_id", KeyType::BigInt),
        ("o.order_id", KeyType::Numeric),
    ],
    descending: true,
};

/// Appends the newest-first keyset condition, order and limit. The order id of a cursor
/// must be a uint256, as every order id is.
pub(crate) fn push_newest(
    sql: &mut QueryBuilder<Postgres>,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<(), BadCursor> {
    if let Some(parts) = cursor
        && parts.get(2).is_some_and(|id| id.parse::<cointent_domain::OrderId>().is_err())
    {
        return Err(BadCursor);
    }
    NEWEST.push(sql, cursor, limit)
}

/// The cursor after `order` in a newest-first list.
pub(crate) fn newest_cursor(order: &OrderSummary) -> String {
    encode_cursor(&[
        &order.created_block.to_string(),
        &order.chain_id.to_string(),
        &order.order_id.to_string(),
    ])
}

/// Filters over an order's linked metadata document (`metadata_documents m`); `None` is no
/// filter.
#[derive(Debug, Clone, Default)]
pub struct MetadataFilter {
    /// The artisan's region, exactly.
    pub region: Option<String>,
    /// The document's category, exactly.
    pub category: Option<String>,
    /// The artisan's craft, exactly.
    pub craft: Option<String>,
    /// A full-text query in web-search syntax over the document.
    pub text: Option<String>,
}

impl MetadataFilter {
    /// Appends ` AND ...` for each filter set.
    pub(crate) fn push(&self, sql: &mut QueryBuilder<Postgres>) {
        if let Some(v) = &self.region {
            sql.push(" AND m.region = ").push_bind(v.clone());
        }
        if let Some(v) = &self.category {
            sql.push(" AND m.category = ").push_bind(v.clone());
        }
        if let Some(v) = &self.craft {
            sql.push(" AND m.craft = ").push_bind(v.clone());
        }
        if let Some(text) = &self.text {
            sql.push(" AND m.search @@ websearch_to_tsquery('simple', ")
                .push_bind(text.clone())
                .push(")");
        }
    }
}

/// Runs a newest-first list of summaries: `sql` selects `api_order_summary(o, m)` alone and
/// ends in its conditions; the keyset, order and limit are appended here.
pub(crate) async fn summaries(
    pool: &PgPool,
    mut sql: QueryBuilder<Postgres>,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<Page<OrderSummary>, PageError> {
    push_newest(&mut sql, cursor, limit)?;
    let rows: Vec<SummaryRow> = sql.build_query_scalar().fetch_all(pool).await?;
    let items = rows.into_iter().map(OrderSummary::try_from).collect::<sqlx::Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit as usize, newest_cursor))
}

/// The order list's filters; `None` is no filter. Addresses are lower-case `0x` hex, as the
/// mirror stores them.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Only this kind.
    pub kind: Option<OrderKind>,
    /// Only this status.
    pub status: Option<OrderStatus>,
    /// Only this seller's orders.
    pub seller: Option<String>,
    /// Only orders paid in this token.
    pub token: Option<String>,
    /// Filters over the linked metadata.
    pub metadata: MetadataFilter,
}

/// A page of the order list, newest first, after `cursor` (a previous page's sort key).
#[tracing::instrument(skip(pool))]
pub async fn list(
    pool: &PgPool,
    filter: &OrderFilter,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<Page<OrderSummary>, PageError> {
    let mut sql = QueryBuilder::new(
        "SELECT api_order_summary(o, m) FROM orders o
         LEFT JOIN metadata_documents m
           ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
         WHERE true",
    );
    if let Some(c) = filter.chain_id {
        sql.push(" AND o.chain_id = ").push_bind(c);
    }
    if let Some(k) = filter.kind {
        sql.push(" AND o.kind = ").push_bind(k.as_str());
    }
    if let Some(s) = filter.status {
        sql.push(" AND o.status = ").push_bind(s.as_str());
    }
    if let Some(s) = &filter.seller {
        sql.push(" AND o.seller = ").push_bind(s.clone());
    }
    if let Some(t) = &filter.token {
        sql.push(" AND o.token = ").push_bind(t.clone());
    }
    filter.metadata.push(&mut sql);
    summaries(pool, sql, cursor, limit).await
}

/// Everything the mirror holds about one order: what its detail and its transparency record
/// show, but for what the configuration adds (the RPC URL) and what is computed from the
/// terms (the price breakdown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// The fields lists show.
    pub summary: OrderSummary,
    /// Pledges holding units or refunded, largest payment first.
    pub pledges: Vec<OrderPledge>,
    /// Promoters holding units, most units first.
    pub promotions: Vec<OrderPromotion>,
    /// Disputes, by milestone.
    pub disputes: Vec<OrderDispute>,
    /// Every milestone of the terms, in order.
    pub milestones: Vec<OrderMilestone>,
    /// The terms, as emitted in `OrderCreated`.
    pub terms: Terms,
    /// `abi.encode(terms)`: its keccak256 is the terms hash.
    pub terms_abi: Bytes,
    /// The linked metadata document, when uploaded.
    pub metadata: Option<MetadataJson>,
    /// Units pledged through a promoter (every promotion's units, held or not).
    pub promoted_units: u64,
    /// The transaction that created the order.
    pub tx_hash: B256,
    /// The hash of the block holding `OrderCreated` (the block is `summary.created_block`).
    pub block_hash: B256,
    /// The index of `OrderCreated` in its block.
    pub log_index: u32,
    /// The Escrow's address, when the mirror recorded it.
    pub escrow: Option<Address>,
}

struct RecordRow {
    summary: SummaryRow,
    pledges: Json<Vec<OrderPledge>>,
    promotions: Json<Vec<OrderPromotion>>,
    disputes: Json<Vec<OrderDispute>>,
    milestones: Json<Vec<OrderMilestone>>,
    metadata: Option<serde_json::Value>,
    terms: serde_json::Value,
    promoted_units: i64,
    created_tx: String,
    created_block_hash: String,
    created_log_index: i32,
    escrow: Option<String>,
}

/// Order `order_id` (decimal) of chain `chain_id`, in one round trip; `None` when the mirror
/// does not have it.
#[tracing::instrument(skip(pool))]
pub async fn record(
    pool: &PgPool,
    chain_id: i64,
    order_id: &str,
) -> sqlx::Result<Option<OrderRecord>> {
    // The nested parts are JSON in the API's own shape, read straight into the domain types.
    let row = sqlx::query_as!(
        RecordRow,
        r#"SELECT
            api_order_summary(o, m) AS "summary!: SummaryRow",
            coalesce((SELECT json_agg(json_build_object(
                  'backer', p.backer,
                  'promoter', nullif(p.promoter, '0x0000000000000000000000000000000000000000'),
                  'units', p.units::BIGINT, 'paid', p.paid::TEXT, 'refunded', p.refunded::TEXT)
                  ORDER BY p.paid DESC, p.backer)
                FROM pledges p WHERE p.chain_id = o.chain_id AND p.order_id = o.order_id
                 AND (p.units > 0 OR p.refunded > 0)), '[]') AS "pledges!: Json<Vec<OrderPledge>>",
            coalesce((SELECT json_agg(json_build_object(
                  'promoter', pr.promoter, 'units', pr.units::BIGINT, 'amount', pr.amount::TEXT,
                  'commission_claimed', pr.commission::TEXT) ORDER BY pr.units DESC, pr.promoter)
                FROM promotions pr WHERE pr.chain_id = o.chain_id AND pr.order_id = o.order_id
                 AND pr.units > 0), '[]') AS "promotions!: Json<Vec<OrderPromotion>>",
            coalesce((SELECT json_agg(json_build_object(
                  'milestone', d.milestone, 'disputed_by', d.disputed_by,
                  'resolved', d.state = 'Resolved', 'refund_amount', d.refund_amount::TEXT,
                  'released_amount', d.released_amount::TEXT, 'updated_at', d.updated_at)
                  ORDER BY d.milestone)
                FROM milestones d WHERE d.chain_id = o.chain_id AND d.order_id = o.order_id
                 AND d.disputed_by IS NOT NULL), '[]') AS "disputes!: Json<Vec<OrderDispute>>",
            coalesce((SELECT json_agg(json_build_object(
                  'index', e.ord - 1, 'bps', e.v::INT, 'state', coalesce(ms.state, 'Pending'),
                  'proof_hash', ms.proof_hash, 'delivered_at', ms.delivered_at,
                  'review_ends_at', ms.review_ends_at,
                  'approval_units', coalesce(ms.approval_units, 0)::BIGINT,
                  'disputed_by', ms.disputed_by,
                  'released_amount', coalesce(ms.released_amount, 0)::TEXT,
                  'refund_amount', coalesce(ms.refund_amount, 0)::TEXT) ORDER BY e.ord)
                FROM jsonb_array_elements_text(o.terms -> 'milestoneBps') WITH ORDINALITY e(v, ord)
                LEFT JOIN milestones ms ON ms.chain_id = o.chain_id AND ms.order_id = o.order_id
                 AND ms.milestone = e.ord - 1), '[]') AS "milestones!: Json<Vec<OrderMilestone>>",
            m.document AS "metadata?",
            o.terms,
            (SELECT coalesce(sum(pr.units), 0)::BIGINT FROM promotions pr
              WHERE pr.chain_id = o.chain_id AND pr.order_id = o.order_id) AS "promoted_units!",
            o.created_tx, o.created_block_hash, o.created_log_index,
            (SELECT c.address FROM contracts c
              WHERE c.chain_id = o.chain_id AND c.name = 'escrow') AS escrow
        FROM orders o LEFT JOIN metadata_documents m
          ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
        WHERE o.chain_id = $1 AND o.order_id = $2::TEXT::NUMERIC"#,
        chain_id,
        order_id,
    )
    .fetch_optional(pool)
    .await?;
    row.map(OrderRecord::try_from).transpose()
}

impl TryFrom<RecordRow> for OrderRecord {
    type Error = sqlx::Error;

    fn try_from(r: RecordRow) -> sqlx::Result<Self> {
        let abi = terms_from_event(&r.terms).map_err(|e| bad_column("terms", e))?;
        Ok(Self {
            summary: r.summary.try_into()?,
            pledges: r.pledges.0,
            promotions: r.promotions.0,
            disputes: r.disputes.0,
            milestones: r.milestones.0,
            terms: Terms::from_abi(&abi),
            terms_abi: terms_abi(&abi),
            metadata: r.metadata.map(MetadataJson),
            promoted_units: int("promoted_units", r.promoted_units)?,
            tx_hash: parse("created_tx", &r.created_tx)?,
            block_hash: parse("created_block_hash", &r.created_block_hash)?,
            log_index: int("created_log_index", r.created_log_index)?,
            escrow: r.escrow.as_deref().map(|a| parse("escrow", a)).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An order of the API's fixtures (`cointent-domain`'s `orders_page.json`), as both
    /// `api_order_summary` and the API write it.
    fn fixture() -> serde_json::Value {
        json!({
            "chain_id": 31337, "order_id": "10", "kind": "freelance", "status": "Funding",
            "seller": "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
            "token": "0x29f8d7825158117d3c4d0e9f931468af00035643", "unit_price": "350000000",
            "min_units": 1, "max_units": 1, "units_pledged": 0, "funded": "0", "released": "0",
            "refunded": "0", "funding_deadline": "2026-12-15T15:16:14+00:00", "fee_bps": 100,
            "promoter_bps": 0, "milestone_count": 2,
            "metadata_hash": "0x767f7365ea55193ab83193d88ed6067d7ca0a2a615c3fe69c8a1a8235815515e",
            "terms_hash": "0x9af37010edf46ae890fe34fe6bb256c3201b4b1f43dc84dbbf928773af17e9ac",
            "created_at": "2026-12-01T15:16:14+00:00", "created_block": 194,
            "title": "Catalogue translation into Hindi and Kannada", "category": "Services",
            "region": null, "craft": null, "image": null
        })
    }

    #[test]
    fn summary_rows_become_the_api_json() {
        let row: SummaryRow = serde_json::from_value(fixture()).unwrap();
        let summary = OrderSummary::try_from(row).unwrap();
        assert_eq!(serde_json::to_value(&summary).unwrap(), fixture());
        // The cursor after it, as the old `created_block, chain_id, order_id` text.
        assert_eq!(newest_cursor(&summary), encode_cursor(&["194", "31337", "10"]));
        let mut bad = fixture();
        bad["status"] = json!("Open");
        let row: SummaryRow = serde_json::from_value(bad).unwrap();
        let err = OrderSummary::try_from(row).unwrap_err();
        assert!(matches!(err, sqlx::Error::ColumnDecode { ref index, .. } if index == "status"));
    }

    #[test]
    fn order_cursors_must_hold_a_uint256_order_id() {
        let mut sql = QueryBuilder::<Postgres>::new("SELECT 1 FROM orders o WHERE true");
        let cursor = ["12".to_string(), "31337".to_string(), "0007".to_string()];
        push_newest(&mut sql, Some(&cursor), 20).unwrap();
        assert!(sql.sql().as_str().ends_with(
            "AND (o.created_block, o.chain_id, o.order_id) < ($1, $2, $3::NUMERIC) \
             ORDER BY o.created_block DESC, o.chain_id DESC, o.order_id DESC LIMIT $4"
        ));
        // 78 digits fit the column but not a uint256: no order has such an id.
        let above = ["1".to_string(), "1".to_string(), "9".repeat(78)];
        let mut sql = QueryBuilder::<Postgres>::new("SELECT 1");
        assert_eq!(push_newest(&mut sql, Some(&above), 20), Err(BadCursor));
    }

    #[test]
    fn metadata_filters_bind_every_value() {
        let filter = MetadataFilter {
            region: Some("Kutch".into()),
            category: None,
            craft: Some("x'; DROP TABLE orders; --".into()),
            text: Some("rug".into()),
        };
        let mut sql = QueryBuilder::<Postgres>::new("SELECT 1 WHERE true");
        filter.push(&mut sql);
        assert_eq!(
            sql.sql().as_str(),
            "SELECT 1 WHERE true AND m.region = $1 AND m.craft = $2 \
             AND m.search @@ websearch_to_tsquery('simple', $3)"
        );
    }
}
