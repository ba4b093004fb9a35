//! The `treasury` area of the API (see `indexer/api/openapi/treasury.json`): balances and
//! allocations computed from the Treasury's events, every flow, and a monthly report.
//!
//! Flow kinds (projection `treasury_flows`): `fees_in` (tokens transferred to the treasury,
//! the Escrow's fee withdrawals), `received` (native coin), `distributed` (fees split by the
//! allocations), `credited` (one allocation's share, reserved for its recipient), `withdrawn`
//! (a recipient paid out), `spent` (governance spending).

use axum::{Router, extract::State, response::Response, routing::get};
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};

use crate::{
    error::{ApiError, ApiQuery, ApiResult},
    page::{fetch_page, json_text, log_keyset, page_query},
    params::{address, chain_id, one_of},
    state::AppState,
};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/treasury", get(overview))
        .route("/treasury/flows", get(flows))
        .route("/treasury/report", get(report))
}

/// Every flow kind.
const FLOW_KINDS: &[&str] =
    &["fees_in", "received", "distributed", "credited", "withdrawn", "spent"];

#[derive(Debug, Deserialize)]
struct ChainQuery {
    chain_id: Option<u64>,
}

const OVERVIEW: &str = "SELECT json_build_object(
  'balances', coalesce((SELECT json_agg(json_build_object('chain_id', t.chain_id, 'token', t.token,
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
            FROM treasury_flows WHERE $1::BIGINT IS NULL OR chain_id = $1 GROUP BY 1, 2) t), '[]'),
  'allocations', coalesce((SELECT json_agg(json_build_object('chain_id', a.chain_id,
        'position', a.position, 'label', a.label, 'recipient', a.recipient, 'bps', a.bps)
        ORDER BY a.chain_id, a.position)
      FROM treasury_allocations a WHERE $1::BIGINT IS NULL OR a.chain_id = $1), '[]'),
  'totals', json_build_object(
      'flows', (SELECT count(*) FROM treasury_flows WHERE $1::BIGINT IS NULL OR chain_id = $1),
      'allocated_bps', (SELECT coalesce(sum(bps), 0)::BIGINT FROM treasury_allocations
                        WHERE $1::BIGINT IS NULL OR chain_id = $1))
)::TEXT";

/// `{balances: [{chain_id, token, fees_in, received, distributed, credited, withdrawn, spent,
/// balance, reserved, available}], allocations: [...], totals: {flows, allocated_bps}}`.
async fn overview(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ChainQuery>,
) -> ApiResult<Response> {
    let chain = q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?;
    let body: String = sqlx::query_scalar(OVERVIEW).bind(chain).fetch_one(&state.pool).await?;
    Ok(json_text(body))
}

#[derive(Debug, Deserialize)]
struct FlowsQuery {
    chain_id: Option<u64>,
    kind: Option<String>,
    token: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Every treasury flow, newest first (by chain, block and log index).
async fn flows(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FlowsQuery>,
) -> ApiResult<Response> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT json_build_object('chain_id', f.chain_id, 'block_number', f.block_number,
             'log_index', f.log_index, 'at', f.at, 'kind', f.kind, 'token', f.token,
             'account', f.account, 'label', f.label, 'amount', f.amount::TEXT,
             'tx_hash', f.tx_hash)::TEXT,
           f.chain_id::TEXT, f.block_number::TEXT, f.log_index::TEXT
         FROM treasury_flows f WHERE true",
    );
    if let Some(c) = q.chain_id {
        sql.push(" AND f.chain_id = ").push_bind(chain_id("chain_id", c)?);
    }
    if let Some(k) = &q.kind {
        sql.push(" AND f.kind = ").push_bind(one_of("kind", k, FLOW_KINDS)?.to_string());
    }
    if let Some(t) = &q.token {
        sql.push(" AND f.token = ").push_bind(address("token", t)?);
    }
    log_keyset(&mut sql, "f", cursor, false, limit)?;
    fetch_page(&state, sql, limit).await
}

#[derive(Debug, Deserialize)]
struct ReportQuery {
    chain_id: Option<u64>,
    months: Option<u32>,
}

const REPORT: &str = "WITH last AS (
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
SELECT json_build_object(
  'months', (SELECT json_agg(to_char(m, 'YYYY-MM') ORDER BY m) FROM months),
  'rows', coalesce((SELECT json_agg(json_build_object('month', to_char(mo.m, 'YYYY-MM'),
        'chain_id', t.chain_id, 'token', t.token,
        'fees_in', coalesce(a.fees_in, 0)::TEXT, 'received', coalesce(a.received, 0)::TEXT,
        'distributed', coalesce(a.distributed, 0)::TEXT, 'credited', coalesce(a.credited, 0)::TEXT,
        'withdrawn', coalesce(a.withdrawn, 0)::TEXT, 'spent', coalesce(a.spent, 0)::TEXT)
        ORDER BY mo.m, t.chain_id, t.token)
      FROM months mo CROSS JOIN tokens t
      LEFT JOIN agg a ON a.m = mo.m AND a.chain_id = t.chain_id AND a.token = t.token), '[]')
)::TEXT";

/// Per month (UTC, the last `months` up to the latest flow or now) and token: what came in,
/// was distributed, credited, withdrawn and spent; every month and token present, for charts.
async fn report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let chain = q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?;
    let months = match q.months {
        None => 12,
        Some(n @ 1..=120) => n as i32,
        Some(_) => return Err(ApiError::bad("months", "must be between 1 and 120")),
    };
    let body: String =
        sqlx::query_scalar(REPORT).bind(chain).bind(months).fetch_one(&state.pool).await?;
    Ok(json_text(body))
}
