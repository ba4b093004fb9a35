//! The `accounts` area of the API (see `indexer/api/openapi/accounts.json`): what one address is
//! in the mirror (seller, backer, promoter, split recipient, arbiter), what it earned, what it
//! may withdraw from the Escrow, and its reputation; and its orders by role.

use axum::{Router, extract::State, response::Response, routing::get};
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::{fetch_page, json_text, page_query},
    params::one_of,
    sql::{ORDER_KEY, SUMMARY, order_keyset},
    state::AppState,
};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{address}", get(account))
        .route("/accounts/{address}/orders", get(orders))
}

const ACCOUNT: &str = "SELECT json_build_object(
  'address', $1::TEXT,
  'roles', json_build_object(
    'seller', (SELECT json_build_object(
        'orders', count(*),
        'by_status', json_build_object(
          'Funding', count(*) FILTER (WHERE status = 'Funding'),
          'Active', count(*) FILTER (WHERE status = 'Active'),
          'Failed', count(*) FILTER (WHERE status = 'Failed'),
          'Cancelled', count(*) FILTER (WHERE status = 'Cancelled'),
          'Completed', count(*) FILTER (WHERE status = 'Completed'),
          'Resolved', count(*) FILTER (WHERE status = 'Resolved')))
      FROM orders WHERE seller = $1),
    'backer', (SELECT json_build_object(
        'orders', count(*), 'units', coalesce(sum(p.units), 0)::BIGINT,
        'paid', coalesce((SELECT json_agg(json_build_object('chain_id', t.chain_id, 'token', t.token,
              'paid', t.paid::TEXT, 'refunded', t.refunded::TEXT) ORDER BY t.chain_id, t.token)
            FROM (SELECT p2.chain_id, o2.token, sum(p2.paid) AS paid, sum(p2.refunded) AS refunded
                  FROM pledges p2 JOIN orders o2 ON o2.chain_id = p2.chain_id AND o2.order_id = p2.order_id
                  WHERE p2.backer = $1 GROUP BY 1, 2) t), '[]'))
      FROM pledges p WHERE p.backer = $1 AND (p.units > 0 OR p.refunded > 0)),
    'promoter', (SELECT json_build_object(
        'orders', count(*), 'units', coalesce(sum(units), 0)::BIGINT,
        'promoted', coalesce((SELECT json_agg(json_build_object('chain_id', t.chain_id, 'token', t.token,
              'amount', t.amount::TEXT, 'commission_claimed', t.commission::TEXT)
              ORDER BY t.chain_id, t.token)
            FROM (SELECT pr2.chain_id, o2.token, sum(pr2.amount) AS amount, sum(pr2.commission) AS commission
                  FROM promotions pr2 JOIN orders o2 ON o2.chain_id = pr2.chain_id AND o2.order_id = pr2.order_id
                  WHERE pr2.promoter = $1 GROUP BY 1, 2) t), '[]'))
      FROM promotions WHERE promoter = $1 AND units > 0),
    'recipient', json_build_object('orders', (SELECT count(*) FROM orders
      WHERE terms -> 'splits' @> jsonb_build_array(jsonb_build_object('recipient', $1::TEXT)))),
    'arbiter', json_build_object('orders', (SELECT count(*) FROM orders WHERE arbiter = $1),
      'open_disputes', (SELECT count(*) FROM milestones ms JOIN orders o
        ON o.chain_id = ms.chain_id AND o.order_id = ms.order_id
        WHERE o.arbiter = $1 AND ms.state = 'Disputed'))),
  'earnings', coalesce((SELECT json_agg(json_build_object('chain_id', e.chain_id, 'token', e.token,
        'share', e.share::TEXT, 'commission', e.commission::TEXT, 'total', (e.share + e.commission)::TEXT)
        ORDER BY e.chain_id, e.token)
      FROM (SELECT chain_id, token,
              coalesce(sum(amount) FILTER (WHERE kind = 'share'), 0) AS share,
              coalesce(sum(amount) FILTER (WHERE kind = 'commission'), 0) AS commission
            FROM claims WHERE account = $1 GROUP BY 1, 2) e), '[]'),
  'claimable', coalesce((SELECT json_agg(json_build_object('chain_id', b.chain_id, 'token', b.token,
        'credited', b.credited::TEXT, 'withdrawn', b.withdrawn::TEXT,
        'amount', (b.credited - b.withdrawn)::TEXT) ORDER BY b.chain_id, b.token)
      FROM escrow_balances b WHERE b.account = $1), '[]'),
  'reputation', coalesce((SELECT json_agg(json_build_object('chain_id', r.chain_id,
        'completed_orders', r.completed_orders, 'on_time_milestones', r.on_time_milestones,
        'disputes_lost', r.disputes_lost, 'score', r.score) ORDER BY r.chain_id)
      FROM reputation r WHERE r.account = $1), '[]')
)::TEXT";

/// `{address, roles: {seller, backer, promoter, recipient, arbiter}, earnings[], claimable[],
/// reputation[]}`; an address the mirror never saw has zero counts and empty lists.
async fn account(
    State(state): State<AppState>,
    ApiPath(address): ApiPath<String>,
) -> ApiResult<Response> {
    let address = crate::params::address("address", &address)?;
    let body: String = sqlx::query_scalar(ACCOUNT).bind(&address).fetch_one(&state.pool).await?;
    Ok(json_text(body))
}

/// The roles of `/accounts/{address}/orders?role=`.
const ROLES: &[&str] = &["seller", "backer", "promoter", "recipient", "arbiter"];

#[derive(Debug, Deserialize)]
struct OrdersQuery {
    role: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// The account's orders in one role, newest first (order summaries).
async fn orders(
    State(state): State<AppState>,
    ApiPath(address): ApiPath<String>,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> ApiResult<Response> {
    let address = crate::params::address("address", &address)?;
    let role = q.role.as_deref().ok_or_else(|| ApiError::bad("role", "required"))?;
    let role = one_of("role", role, ROLES)?;
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {SUMMARY}::TEXT, {ORDER_KEY} FROM orders o
         LEFT JOIN metadata_documents m ON m.hash = o.metadata_hash WHERE "
    ));
    match role {
        "seller" => sql.push("o.seller = ").push_bind(address),
        "arbiter" => sql.push("o.arbiter = ").push_bind(address),
        "backer" => sql
            .push("EXISTS (SELECT 1 FROM pledges p WHERE p.chain_id = o.chain_id AND p.order_id = o.order_id AND (p.units > 0 OR p.refunded > 0) AND p.backer = ")
            .push_bind(address)
            .push(")"),
        "promoter" => sql
            .push("EXISTS (SELECT 1 FROM promotions p WHERE p.chain_id = o.chain_id AND p.order_id = o.order_id AND p.units > 0 AND p.promoter = ")
            .push_bind(address)
            .push(")"),
        _ => sql
            .push("o.terms -> 'splits' @> jsonb_build_array(jsonb_build_object('recipient', ")
            .push_bind(address)
            .push("::TEXT))"),
    };
    order_keyset(&mut sql, cursor, limit)?;
    fetch_page(&state, sql, limit).await
}
