//! The treasury's balances, allocations, flows and monthly report, for `/v1/treasury`,
//! computed from the `treasury_flows` and `treasury_allocations` projections.

use cointent_domain::{
    Page,
    treasury::{
        FlowKind, TreasuryAllocation, TreasuryBalance, TreasuryFlow, TreasuryOverview,
        TreasuryReport, TreasuryReportRow, TreasuryTotals,
    },
};
use sqlx::{PgPool, Postgres, QueryBuilder, types::Json};

use super::{
    decode,
    keyset::{KeyType, Keyset, PageError, cursor_after},
};

/// Flows, newest first.
const FLOWS: Keyset<'static> = Keyset {
    columns: &[
        ("f.chain_id", KeyType::BigInt),
        ("f.block_number", KeyType::BigInt),
        ("f.log_index", KeyType::Int),
    ],
    descending: true,
};

/// The overview as one row: its lists are built by Postgres in their order.
#[derive(Debug)]
struct OverviewRow {
    balances: Json<Vec<TreasuryBalance>>,
    allocations: Json<Vec<TreasuryAllocation>>,
    flows: i64,
    allocated_bps: i64,
}

impl TryFrom<OverviewRow> for TreasuryOverview {
    type Error = sqlx::Error;

    fn try_from(row: OverviewRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            balances: row.balances.0,
            allocations: row.allocations.0,
            totals: TreasuryTotals {
                flows: decode::unsigned("flows", row.flows)?,
                allocated_bps: decode::unsigned("allocated_bps", row.allocated_bps)?,
            },
        })
    }
}

/// Balances per chain and token, the allocations in force and totals, of `chain_id` or of
/// every chain, in one statement.
#[tracing::instrument(skip(pool))]
pub async fn overview(pool: &PgPool, chain_id: Option<i64>) -> sqlx::Result<TreasuryOverview> {
    let row = sqlx::query_as!(
        OverviewRow,
        r#"SELECT
  coalesce((SELECT json_agg(json_build_object('chain_id', t.chain_id, 'token', t.token,
        'fees_in', t.fees_in::TEXT, 'received', t.received::TEXT,
        'distributed', t.distributed::TEXT, 'credited', t.credited::TEXT,
        'withdrawn', t.withdrawn::TEXT, 'spent', t.spent::TEXT,
        'balance', GREATEST(t.fees_in + t.received - t.withdrawn - t.spent, 0)::TEXT,
        'reserved', GREATEST(t.credited - t.withdrawn, 0)::TEXT,
        'available', GREATEST(t.fees_in + t.received - t.credited - t.spent, 0)::TEXT)
        ORDER BY t.chain_id, t.token)
      FROM (SELECT chain_id, token,
              coalesce(sum(amount) FILTER (WHERE kind = 'fees_in'), 0) AS fees_in,
              coalesce(sum(amount) FILTER (WHERE kind = 'received'), 0) AS received,
              coalesce(sum(amount) FILTER (WHERE kind = 'distributed'), 0) AS distributed,
              coalesce(sum(amount) FILTER (WHERE kind = 'credited'), 0) AS credited,
              coalesce(sum(amount) FILTER (WHERE kind = 'withdrawn'), 0) AS withdrawn,
              coalesce(sum(amount) FILTER (WHERE kind = 'spent'), 0) AS spent
            FROM treasury_flows WHERE $1::BIGINT IS NULL OR chain_id = $1 GROUP BY 1, 2) t),
    '[]') AS "balances!: Json<Vec<TreasuryBalance>>",
  coalesce((SELECT json_agg(json_build_object('chain_id', a.chain_id,
        'position', a.position, 'label', a.label, 'recipient', a.recipient, 'bps', a.bps)
        ORDER BY a.chain_id, a.position)
      FROM treasury_allocations a WHERE $1::BIGINT IS NULL OR a.chain_id = $1),
    '[]') AS "allocations!: Json<Vec<TreasuryAllocation>>",
  (SELECT count(*) FROM treasury_flows WHERE $1::BIGINT IS NULL OR chain_id = $1)
    AS "flows!",
  (SELECT coalesce(sum(bps), 0)::BIGINT FROM treasury_allocations
    WHERE $1::BIGINT IS NULL OR chain_id = $1) AS "allocated_bps!""#,
        chain_id
    )
    .fetch_one(pool)
    .await?;
    row.try_into()
}

/// Which flows to list; every member narrows the list.
#[derive(Debug, Clone, Default)]
pub struct FlowFilter {
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Only this kind.
    pub kind: Option<FlowKind>,
    /// Only this token (lower-case `0x` hex).
    pub token: Option<String>,
}

/// A flow as `treasury_flows` holds it.
#[derive(Debug, sqlx::FromRow)]
struct FlowRow {
    chain_id: i64,
    block_number: i64,
    log_index: i32,
    at: String,
    kind: String,
    token: String,
    account: Option<String>,
    label: Option<String>,
    amount: String,
    tx_hash: String,
}

impl TryFrom<FlowRow> for TreasuryFlow {
    type Error = sqlx::Error;

    fn try_from(row: FlowRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            chain_id: decode::unsigned("chain_id", row.chain_id)?,
            block_number: decode::unsigned("block_number", row.block_number)?,
            log_index: decode::unsigned("log_index", row.log_index)?,
            at: decode::time(row.at),
            kind: decode::parse("kind", &row.kind)?,
            token: decode::address("token", &row.token)?,
            account: row.account.map(|a| decode::address("account", &a)).transpose()?,
            label: row.label.map(|l| decode::hash("label", &l)).transpose()?,
            amount: decode::amount("amount", &row.amount)?,
            tx_hash: decode::hash("tx_hash", &row.tx_hash)?,
        })
    }
}

/// A page of `limit` flows matching `filter`, newest first (by chain, block and log index),
/// after the flow whose sort key is `after` (`chain_id`, `block_number`, `log_index`).
#[tracing::instrument(skip(pool))]
pub async fn flows(
    pool: &PgPool,
    filter: &FlowFilter,
    after: Option<&[String]>,
    limit: u32,
) -> Result<Page<TreasuryFlow>, PageError> {
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT f.chain_id, f.block_number, f.log_index, json_time(f.at) AS at, f.kind, f.token,
                f.account, f.label, f.amount::TEXT AS amount, f.tx_hash
         FROM treasury_flows f WHERE true",
    );
    if let Some(c) = filter.chain_id {
        sql.push(" AND f.chain_id = ").push_bind(c);
    }
    if let Some(k) = filter.kind {
        sql.push(" AND f.kind = ").push_bind(k.as_str());
    }
    if let Some(t) = &filter.token {
        sql.push(" AND f.token = ").push_bind(t.clone());
    }
    FLOWS.push(&mut sql, after, limit)?;
    let rows: Vec<FlowRow> = sql.build_query_as().fetch_all(pool).await?;
    let flows = rows.into_iter().map(TreasuryFlow::try_from).collect::<Result<_, _>>()?;
    Ok(Page::from_rows(flows, limit as usize, |f| {
        cursor_after(&[&f.chain_id, &f.block_number, &f.log_index])
    }))
}

/// The report as one row.
#[derive(Debug)]
struct ReportRow {
    months: Vec<String>,
    rows: Json<Vec<TreasuryReportRow>>,
}

/// Per month (UTC) and token, for the last `months` months up to the latest flow's month or
/// the current one, whichever is later: what came in, was distributed, credited, withdrawn
/// and spent, with every month and token present (zeros included), oldest first.
#[tracing::instrument(skip(pool))]
pub async fn report(
    pool: &PgPool,
    chain_id: Option<i64>,
    months: i32,
) -> sqlx::Result<TreasuryReport> {
    let row = sqlx::query_as!(
        ReportRow,
        r#"WITH last AS (
    SELECT date_trunc('month', greatest(now(), coalesce(
        (SELECT max(at) FROM treasury_flows WHERE $1::BIGINT IS NULL OR chain_id = $1), now()))
        AT TIME ZONE 'UTC') AS m
), months AS (
    SELECT generate_series(last.m - make_interval(months => $2 - 1), last.m, interval '1 month') AS m
    FROM last
), tokens AS (
    SELECT DISTINCT chain_id, token FROM treasury_flows WHERE $1::BIGINT IS NULL OR chain_id = $1
), agg AS (
    SELECT chain_id, token, date_trunc('month', at AT TIME ZONE 'UTC') AS m,
        coalesce(sum(amount) FILTER (WHERE kind = 'fees_in'), 0) AS fees_in,
        coalesce(sum(amount) FILTER (WHERE kind = 'received'), 0) AS received,
        coalesce(sum(amount) FILTER (WHERE kind = 'distributed'), 0) AS distributed,
        coalesce(sum(amount) FILTER (WHERE kind = 'credited'), 0) AS credited,
        coalesce(sum(amount) FILTER (WHERE kind = 'withdrawn'), 0) AS withdrawn,
        coalesce(sum(amount) FILTER (WHERE kind = 'spent'), 0) AS spent
    FROM treasury_flows
    WHERE ($1::BIGINT IS NULL OR chain_id = $1)
      AND at AT TIME ZONE 'UTC' >= (SELECT min(m) FROM months)
    GROUP BY 1, 2, 3
)
SELECT
  coalesce((SELECT array_agg(to_char(m, 'YYYY-MM') ORDER BY m) FROM months), '{}')
    AS "months!",
  coalesce((SELECT json_agg(json_build_object('month', to_char(mo.m, 'YYYY-MM'),
        'chain_id', t.chain_id, 'token', t.token,
        'fees_in', coalesce(a.fees_in, 0)::TEXT, 'received', coalesce(a.received, 0)::TEXT,
        'distributed', coalesce(a.distributed, 0)::TEXT, 'credited', coalesce(a.credited, 0)::TEXT,
        'withdrawn', coalesce(a.withdrawn, 0)::TEXT, 'spent', coalesce(a.spent, 0)::TEXT)
        ORDER BY mo.m, t.chain_id, t.token)
      FROM months mo CROSS JOIN tokens t
      LEFT JOIN agg a ON a.m = mo.m AND a.chain_id = t.chain_id AND a.token = t.token),
    '[]') AS "rows!: Json<Vec<TreasuryReportRow>>""#,
        chain_id,
        months
    )
    .fetch_one(pool)
    .await?;
    Ok(TreasuryReport { months: row.months, rows: row.rows.0 })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// A flow row with the values of an item of the API's answer.
    fn row(item: &Value) -> FlowRow {
        let text = |k: &str| item[k].as_str().map(str::to_string);
        FlowRow {
            chain_id: item["chain_id"].as_i64().unwrap(),
            block_number: item["block_number"].as_i64().unwrap(),
            log_index: item["log_index"].as_i64().unwrap() as i32,
            at: text("at").unwrap(),
            kind: text("kind").unwrap(),
            token: text("token").unwrap(),
            account: text("account"),
            label: text("label"),
            amount: text("amount").unwrap(),
            tx_hash: text("tx_hash").unwrap(),
        }
    }

    #[test]
    fn flow_rows_become_the_api_json_and_its_cursor() {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../../domain/tests/fixtures/api/treasury_flows_page.json"
        ))
        .unwrap();
        let items = fixture["items"].as_array().unwrap();
        assert!(items.iter().any(|i| !i["label"].is_null()), "a credit with its label");
        let flows: Vec<TreasuryFlow> =
            items.iter().map(|i| TreasuryFlow::try_from(row(i)).unwrap()).collect();
        // One more row than the page holds: the page keeps `limit` and points after the last.
        let mut rows = flows.clone();
        rows.push(flows[0].clone());
        let page = Page::from_rows(rows, flows.len(), |f| {
            cursor_after(&[&f.chain_id, &f.block_number, &f.log_index])
        });
        assert_eq!(json!(page), fixture);
        let mut bad = row(&items[0]);
        bad.kind = "stolen".into();
        assert!(TreasuryFlow::try_from(bad).unwrap_err().to_string().contains("column kind"));
    }
}
