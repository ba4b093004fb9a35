//! Orders, for `/v1/orders` and `/v1/transparency`: the order list with its filters and
//! full-text search, one order's record, and what every order list shares (the summary row
//! of `api_order_summary`, the newest-first keyset, the metadata filters).
//!
//! The mirror keeps the terms as `OrderCreated` emitted them, packed: their keccak256 is the
//! terms hash the summaries show. An order's record carries the Escrow's records of it
//! ([`OrderFigures`], as the lens's `orderState`, `orderAux` and `promoterPoolOf` would say),
//! from which the domain's money rules ([`cointent_domain::payout`]) compute what each backer
//! may take back and each promoter claim.

use std::{error::Error as StdError, str::FromStr};

use cointent_domain::{
    Address, Amount, B256, Bytes, DateTime, MilestoneState, OrderKind, OrderStatus, Page, Terms,
    metadata::MetadataJson,
    orders::{OrderDispute, OrderMilestone, OrderPledge, OrderPromotion, OrderSummary},
    page::encode_cursor,
    payout::{self, OrderFigures, Participant},
    terms::terms_hash,
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
    creator: String,
    token: String,
    unit_price: String,
    min_units: i64,
    max_units: i64,
    units_pledged: i64,
    weighted_units: i64,
    funded: String,
    released: String,
    refunded: String,
    current_milestone: i32,
    deliver_by: Option<String>,
    review_ends_at: Option<String>,
    ruling_ends_at: Option<String>,
    dispute_bond: Option<String>,
    funding_deadline: String,
    fee_bps: i32,
    promoter_bps: i32,
    milestone_count: i32,
    metadata_hash: String,
    terms_packed: String,
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

/// Hex of the packed terms, as the mirror keeps them.
fn packed(column: &str, hex: &str) -> sqlx::Result<Bytes> {
    parse(column, hex)
}

impl TryFrom<SummaryRow> for OrderSummary {
    type Error = sqlx::Error;

    fn try_from(r: SummaryRow) -> sqlx::Result<Self> {
        let time = |t: Option<String>| t.map(DateTime::new_unchecked);
        Ok(Self {
            chain_id: int("chain_id", r.chain_id)?,
            order_id: parse("order_id", &r.order_id)?,
            kind: parse::<OrderKind>("kind", &r.kind)?,
            status: parse::<OrderStatus>("status", &r.status)?,
            seller: parse("seller", &r.seller)?,
            creator: parse("creator", &r.creator)?,
            token: parse("token", &r.token)?,
            unit_price: parse("unit_price", &r.unit_price)?,
            min_units: int("min_units", r.min_units)?,
            max_units: int("max_units", r.max_units)?,
            units_pledged: int("units_pledged", r.units_pledged)?,
            weighted_units: int("weighted_units", r.weighted_units)?,
            funded: parse("funded", &r.funded)?,
            released: parse("released", &r.released)?,
            refunded: parse("refunded", &r.refunded)?,
            current_milestone: int("current_milestone", r.current_milestone)?,
            deliver_by: time(r.deliver_by),
            review_ends_at: time(r.review_ends_at),
            ruling_ends_at: time(r.ruling_ends_at),
            dispute_bond: r.dispute_bond.map(|b| parse("dispute_bond", &b)).transpose()?,
            funding_deadline: DateTime::new_unchecked(r.funding_deadline),
            fee_bps: int("fee_bps", r.fee_bps)?,
            promoter_bps: int("promoter_bps", r.promoter_bps)?,
            milestone_count: int("milestone_count", r.milestone_count)?,
            metadata_hash: parse("metadata_hash", &r.metadata_hash)?,
            terms_hash: terms_hash(&packed("terms_packed", &r.terms_packed)?),
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
    /// The artisan's region, or its beginning, in any case ("cusco" finds "Cusco, Peru").
    pub region: Option<String>,
    /// The document's category, in any case.
    pub category: Option<String>,
    /// The artisan's craft, in any case.
    pub craft: Option<String>,
    /// A full-text query in web-search syntax over the document.
    pub text: Option<String>,
}

impl MetadataFilter {
    /// Appends ` AND ...` for each filter set.
    pub(crate) fn push(&self, sql: &mut QueryBuilder<Postgres>) {
        if let Some(v) = &self.region {
            // A prefix, its LIKE wildcards taken literally.
            let prefix = v.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            sql.push(" AND m.region ILIKE ").push_bind(prefix + "%");
        }
        if let Some(v) = &self.category {
            sql.push(" AND lower(m.category) = lower(").push_bind(v.trim().to_owned()).push(")");
        }
        if let Some(v) = &self.craft {
            sql.push(" AND lower(m.craft) = lower(").push_bind(v.trim().to_owned()).push(")");
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
/// terms alone (the price breakdown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// The fields lists show.
    pub summary: OrderSummary,
    /// Pledges holding units or refunded, largest payment first, with what a refund would
    /// pay each backer now.
    pub pledges: Vec<OrderPledge>,
    /// Promoters holding units, most units first, with what a commission claim would credit
    /// each now.
    pub promotions: Vec<OrderPromotion>,
    /// Disputes, by milestone.
    pub disputes: Vec<OrderDispute>,
    /// Every milestone of the terms, in order.
    pub milestones: Vec<OrderMilestone>,
    /// The terms, unpacked from `terms_packed`.
    pub terms: Terms,
    /// The packed terms `OrderCreated` emitted: their keccak256 is the terms hash.
    pub terms_packed: Bytes,
    /// The Escrow's records of the order, as the mirror has them.
    pub figures: OrderFigures,
    /// The linked metadata document, when uploaded.
    pub metadata: Option<MetadataJson>,
    /// The transaction that created the order.
    pub tx_hash: B256,
    /// The hash of the block holding `OrderCreated` (the block is `summary.created_block`).
    pub block_hash: B256,
    /// The index of `OrderCreated` in its block.
    pub log_index: u32,
    /// The Escrow's address, when the mirror recorded it.
    pub escrow: Option<Address>,
}

/// A pledge as the mirror has it; [`OrderRecord`] adds its weight and what it may take back.
#[derive(Debug, Clone, Deserialize)]
struct PledgeRow {
    backer: Address,
    promoter: Option<Address>,
    units: u64,
    paid: Amount,
    refunded: Amount,
}

/// A promotion as the mirror has it; [`OrderRecord`] adds what its promoter may claim.
#[derive(Debug, Clone, Deserialize)]
struct PromotionRow {
    promoter: Address,
    units: u64,
    amount: Amount,
    commission_claimed: Amount,
    closed: bool,
}

struct RecordRow {
    summary: SummaryRow,
    pledges: Json<Vec<PledgeRow>>,
    promotions: Json<Vec<PromotionRow>>,
    disputes: Json<Vec<OrderDispute>>,
    milestones: Json<Vec<OrderMilestone>>,
    metadata: Option<serde_json::Value>,
    terms_packed: String,
    milestone_state: String,
    since: i64,
    backer_count: i64,
    refunded_count: i64,
    refund_paid: String,
    withheld: String,
    approval_units: i64,
    created_tx: String,
    created_block_hash: String,
    created_log_index: i32,
    escrow: Option<String>,
}

/// Order `order_id` (decimal) of chain `chain_id`, in one round trip; `None` when the mirror
/// does not have it.
pub async fn record<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    chain_id: i64,
    order_id: &str,
) -> sqlx::Result<Option<OrderRecord>> {
    Ok(records(executor, chain_id, &[order_id.to_owned()]).await?.pop())
}

/// Orders `order_ids` (decimal) of chain `chain_id`, those the mirror has, in one round trip
/// (the order details a writer fills after a backfill, a thousand at a time).
#[tracing::instrument(skip_all, fields(chain_id, orders = order_ids.len()))]
pub async fn records<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    chain_id: i64,
    order_ids: &[String],
) -> sqlx::Result<Vec<OrderRecord>> {
    // The nested parts are JSON in the API's own shape, read straight into the domain types
    // (pledges and promotions into rows the payout rules complete). A milestone's delivery
    // window opens when funding ends (the first) or when the one before it is settled
    // without ending the order.
    let rows = sqlx::query_as!(
        RecordRow,
        r#"SELECT
            api_order_summary(o, m) AS "summary!: SummaryRow",
            coalesce((SELECT json_agg(json_build_object(
                  'backer', p.backer,
                  'promoter', nullif(p.promoter, '0x0000000000000000000000000000000000000000'),
                  'units', p.units::BIGINT, 'paid', p.paid::TEXT, 'refunded', p.refunded::TEXT)
                  ORDER BY p.paid DESC, p.backer)
                FROM pledges p WHERE p.chain_id = o.chain_id AND p.order_id = o.order_id
                 AND (p.units > 0 OR p.refunds > 0)), '[]') AS "pledges!: Json<Vec<PledgeRow>>",
            coalesce((SELECT json_agg(json_build_object(
                  'promoter', pr.promoter, 'units', pr.units::BIGINT, 'amount', pr.amount::TEXT,
                  'commission_claimed', pr.commission::TEXT, 'closed', pr.closed)
                  ORDER BY pr.units DESC, pr.promoter)
                FROM promotions pr WHERE pr.chain_id = o.chain_id AND pr.order_id = o.order_id
                 AND pr.units > 0), '[]') AS "promotions!: Json<Vec<PromotionRow>>",
            coalesce((SELECT json_agg(json_build_object(
                  'milestone', d.milestone, 'disputed_by', d.disputed_by,
                  'reason', coalesce(d.dispute_reason, ''), 'bond', d.dispute_bond::TEXT, 'ruling_ends_at', d.ruling_ends_at,
                  'resolved', d.ruling IS NOT NULL, 'outcome', d.ruling, 'bond_to', d.bond_to,
                  'withheld_amount', d.withheld_amount::TEXT,
                  'released_amount', d.released_amount::TEXT, 'updated_at', d.updated_at)
                  ORDER BY d.milestone)
                FROM milestones d WHERE d.chain_id = o.chain_id AND d.order_id = o.order_id
                 AND d.disputed_by IS NOT NULL), '[]') AS "disputes!: Json<Vec<OrderDispute>>",
            coalesce((SELECT json_agg(json_build_object(
                  'index', e.ord - 1, 'bps', (e.v ->> 'bps')::INT,
                  'delivery_period', (e.v ->> 'delivery_period')::BIGINT,
                  'amount', milestone_amount(o.units_pledged * o.unit_price, o.terms -> 'milestones',
                                             (e.ord - 1)::INT)::TEXT,
                  'state', coalesce(ms.state, 'Pending'),
                  'deliver_by', CASE WHEN e.ord = 1 THEN o.finalized_at
                                     WHEN pm.state IN ('Released', 'Resolved')
                                      AND pm.ruling IS DISTINCT FROM 'Ended'
                                      AND pm.ruling IS DISTINCT FROM 'ByDefault'
                                     THEN pm.updated_at END
                                + make_interval(secs => (e.v ->> 'delivery_period')::INT),
                  'proof_hash', ms.proof_hash, 'delivered_at', ms.delivered_at,
                  'review_ends_at', ms.review_ends_at,
                  'approval_units', coalesce(ms.approval_units, 0)::BIGINT,
                  'disputed_by', ms.disputed_by,
                  'released_amount', coalesce(ms.released_amount, 0)::TEXT,
                  'withheld_amount', coalesce(ms.withheld_amount, 0)::TEXT,
                  'dispute_bond', ms.dispute_bond::TEXT, 'ruling', ms.ruling) ORDER BY e.ord)
                FROM jsonb_array_elements(o.terms -> 'milestones') WITH ORDINALITY e(v, ord)
                LEFT JOIN milestones ms ON ms.chain_id = o.chain_id AND ms.order_id = o.order_id
                 AND ms.milestone = e.ord - 1
                LEFT JOIN milestones pm ON pm.chain_id = o.chain_id AND pm.order_id = o.order_id
                 AND pm.milestone = e.ord - 2), '[]') AS "milestones!: Json<Vec<OrderMilestone>>",
            m.document AS "metadata?",
            o.terms_packed AS "terms_packed!",
            o.milestone_state,
            extract(epoch FROM coalesce(o.since, o.created_at))::BIGINT AS "since!",
            b.backers AS "backer_count!", b.refunded AS "refunded_count!",
            b.refund_paid AS "refund_paid!",
            ms.withheld AS "withheld!", ms.approvals AS "approval_units!",
            o.created_tx, o.created_block_hash, o.created_log_index,
            (SELECT c.address FROM contracts c
              WHERE c.chain_id = o.chain_id AND c.name = 'escrow') AS escrow
        FROM orders o LEFT JOIN metadata_documents m
          ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
        CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE p.units > 0 OR p.refunds > 0) AS backers,
                   count(*) FILTER (WHERE p.refunds > 0) AS refunded,
                   coalesce(sum(p.refunded), 0)::TEXT AS refund_paid
            FROM pledges p WHERE p.chain_id = o.chain_id AND p.order_id = o.order_id) b
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(x.withheld_amount), 0)::TEXT AS withheld,
                   coalesce(max(x.approval_units) FILTER (WHERE x.milestone = o.current_milestone),
                            0)::BIGINT AS approvals
            FROM milestones x WHERE x.chain_id = o.chain_id AND x.order_id = o.order_id) ms
        WHERE o.chain_id = $1 AND o.order_id = ANY($2::TEXT[]::NUMERIC[])"#,
        chain_id,
        order_ids,
    )
    .fetch_all(executor)
    .await?;
    rows.into_iter().map(OrderRecord::try_from).collect()
}

impl TryFrom<RecordRow> for OrderRecord {
    type Error = sqlx::Error;

    fn try_from(r: RecordRow) -> sqlx::Result<Self> {
        let terms_packed = packed("terms_packed", &r.terms_packed)?;
        let terms = Terms::unpack(&terms_packed).map_err(|e| bad_column("terms_packed", e))?;
        let summary = OrderSummary::try_from(r.summary)?;
        let promotions = r.promotions.0;
        let state = parse::<MilestoneState>("milestone_state", &r.milestone_state)?;
        let ended = summary.status.has_ended();
        let figures = OrderFigures {
            status: summary.status,
            milestone: summary.current_milestone,
            milestone_state: state,
            since: int("since", r.since)?,
            units_pledged: summary.units_pledged,
            weighted_units: summary.weighted_units,
            promoted_units: promotions.iter().map(|p| p.units).sum(),
            backer_count: int("backer_count", r.backer_count)?,
            promoter_count: promotions.len() as u64,
            // Approvals count while the milestone they approved is under review or dispute.
            approval_units: match state {
                MilestoneState::Delivered | MilestoneState::Disputed => {
                    int("approval_units", r.approval_units)?
                }
                _ => 0,
            },
            withheld: parse("withheld", &r.withheld)?,
            // The Escrow's end-of-order refund bookkeeping: a failed or cancelled order's
            // refunds are not in it.
            refund_paid: if ended { parse("refund_paid", &r.refund_paid)? } else { Amount::ZERO },
            refunded_count: if ended { int("refunded_count", r.refunded_count)? } else { 0 },
            commission_paid: Amount(promotions.iter().map(|p| p.commission_claimed.0).sum()),
            promoters_closed: promotions.iter().filter(|p| p.closed).count() as u64,
        };
        let promoted =
            |a: Address| promotions.iter().find(|p| p.promoter == a).map_or(0, |p| p.units);
        let pledges = r
            .pledges
            .0
            .into_iter()
            .map(|p| {
                let who = Participant {
                    units: p.units,
                    promoter: p.promoter,
                    promoted: promoted(p.backer),
                    ..Participant::default()
                };
                OrderPledge {
                    backer: p.backer,
                    promoter: p.promoter,
                    units: p.units,
                    weighted: payout::weight(&terms, &who, p.backer) > 0,
                    paid: p.paid,
                    refunded: p.refunded,
                    refundable: Amount(payout::refundable(&terms, &figures, &who)),
                }
            })
            .collect();
        let promotions = promotions
            .iter()
            .map(|p| {
                let who =
                    Participant { promoted: p.units, closed: p.closed, ..Participant::default() };
                let claimable =
                    payout::commission_claimable(&terms, &figures, &who, p.commission_claimed.0);
                OrderPromotion {
                    promoter: p.promoter,
                    units: p.units,
                    amount: p.amount,
                    commission_claimed: p.commission_claimed,
                    commission_claimable: Amount(claimable),
                    closed: p.closed,
                }
            })
            .collect();
        Ok(Self {
            summary,
            pledges,
            promotions,
            disputes: r.disputes.0,
            milestones: r.milestones.0,
            terms,
            terms_packed,
            figures,
            metadata: r.metadata.map(MetadataJson),
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

    const FIXTURES: [&str; 11] = [
        include_str!("../../../domain/tests/fixtures/api/order_1.json"),
        include_str!("../../../domain/tests/fixtures/api/order_2.json"),
        include_str!("../../../domain/tests/fixtures/api/order_3.json"),
        include_str!("../../../domain/tests/fixtures/api/order_4.json"),
        include_str!("../../../domain/tests/fixtures/api/order_5.json"),
        include_str!("../../../domain/tests/fixtures/api/order_6.json"),
        include_str!("../../../domain/tests/fixtures/api/order_7.json"),
        include_str!("../../../domain/tests/fixtures/api/order_8.json"),
        include_str!("../../../domain/tests/fixtures/api/order_9.json"),
        include_str!("../../../domain/tests/fixtures/api/order_10.json"),
        include_str!("../../../domain/tests/fixtures/api/order_12.json"),
    ];

    /// An order detail of the API's fixtures (`cointent-domain`'s `order_N.json`), and the
    /// summary row `api_order_summary` writes for it: the API's summary with the packed
    /// terms in place of their hash.
    fn fixture(text: &str) -> (serde_json::Value, SummaryRow) {
        let detail: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut row = detail.clone();
        row["terms_packed"] = detail["proof"]["terms_packed"].clone();
        (detail, serde_json::from_value(row).unwrap())
    }

    #[test]
    fn summary_rows_become_the_api_json() {
        for text in FIXTURES {
            let (detail, row) = fixture(text);
            let summary = OrderSummary::try_from(row).unwrap();
            let expected: OrderSummary = serde_json::from_value(detail.clone()).unwrap();
            assert_eq!(summary, expected);
            assert_eq!(summary.terms_hash.to_string(), detail["terms_hash"]);
        }
        let (detail, row) = fixture(FIXTURES[9]);
        let summary = OrderSummary::try_from(row).unwrap();
        // The cursor after it, as the old `created_block, chain_id, order_id` text.
        assert_eq!(newest_cursor(&summary), encode_cursor(&["194", "31337", "10"]));
        let mut bad = detail.clone();
        bad["terms_packed"] = detail["proof"]["terms_packed"].clone();
        bad["status"] = json!("Open");
        let row: SummaryRow = serde_json::from_value(bad).unwrap();
        let err = OrderSummary::try_from(row).unwrap_err();
        assert!(matches!(err, sqlx::Error::ColumnDecode { ref index, .. } if index == "status"));
    }

    /// What the record query returns for a fixture's order: its nested parts as the mirror
    /// has them, and the counts and sums of its pledges and milestones.
    fn record_row(text: &str) -> RecordRow {
        let (d, summary) = fixture(text);
        let f = &d["figures"];
        let text = |v: &serde_json::Value| v.as_str().unwrap().to_string();
        let pledges: Vec<serde_json::Value> = d["pledges"].as_array().unwrap().to_vec();
        let refunded: u128 =
            pledges.iter().map(|p| text(&p["refunded"]).parse::<u128>().unwrap()).sum();
        let current = d["milestones"].get(f["milestone"].as_u64().unwrap() as usize);
        RecordRow {
            summary,
            pledges: Json(serde_json::from_value(d["pledges"].clone()).unwrap()),
            promotions: Json(serde_json::from_value(d["promotions"].clone()).unwrap()),
            disputes: Json(serde_json::from_value(d["disputes"].clone()).unwrap()),
            milestones: Json(serde_json::from_value(d["milestones"].clone()).unwrap()),
            metadata: Some(d["metadata"].clone()).filter(|m| !m.is_null()),
            terms_packed: text(&d["proof"]["terms_packed"]),
            milestone_state: text(&f["milestone_state"]),
            since: f["since"].as_i64().unwrap(),
            backer_count: f["backer_count"].as_i64().unwrap(),
            refunded_count: pledges.iter().filter(|p| text(&p["refunded"]) != "0").count() as i64,
            refund_paid: refunded.to_string(),
            withheld: text(&f["withheld"]),
            approval_units: current.map_or(0, |m| m["approval_units"].as_i64().unwrap()),
            created_tx: text(&d["proof"]["tx_hash"]),
            created_block_hash: text(&d["proof"]["block_hash"]),
            created_log_index: d["proof"]["log_index"].as_i64().unwrap() as i32,
            escrow: d["proof"]["contract"].as_str().map(str::to_string),
        }
    }

    #[test]
    fn records_complete_pledges_promotions_and_figures_as_the_fixtures_show_them() {
        for text in FIXTURES {
            let detail: cointent_domain::orders::OrderDetail = serde_json::from_str(text).unwrap();
            let record = OrderRecord::try_from(record_row(text)).unwrap();
            let name = detail.summary.order_id;
            assert_eq!(record.terms, detail.terms, "{name}");
            assert_eq!(record.terms_packed, detail.proof.terms_packed, "{name}");
            assert_eq!(record.figures, detail.figures, "{name}");
            assert_eq!(record.pledges, detail.pledges, "{name}");
            assert_eq!(record.promotions, detail.promotions, "{name}");
            assert_eq!(record.summary, detail.summary, "{name}");
        }
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
            "SELECT 1 WHERE true AND m.region ILIKE $1 AND lower(m.craft) = lower($2) \
             AND m.search @@ websearch_to_tsquery('simple', $3)"
        );
    }
}
