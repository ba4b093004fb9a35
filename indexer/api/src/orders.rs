//! The `orders` area of the API: the order list with its filters and full-text search, and
//! one order in full (terms, funding, pledges, milestones, disputes, the price breakdown,
//! metadata and the on-chain proof).
//!
//! JSON is built by Postgres (`json_build_object`) and sent as it comes, so a request costs
//! one round trip and no re-encoding.

use axum::{Router, extract::State, response::Response, routing::get};
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};

use crate::{
    error::{ApiPath, ApiQuery, ApiResult},
    page::{fetch_page, json_text, page_query},
    params::{address, chain_id, chain_segment, one_of, text_query},
    record::OrderRecord,
    sql::{KINDS, ORDER_KEY, STATUSES, SUMMARY, metadata_filters, order_keyset},
    state::AppState,
};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/orders", get(list)).route("/orders/{chain_id}/{order_id}", get(detail))
}
#[derive(Debug, Deserialize)]
struct ListQuery {
    chain_id: Option<u64>,
    kind: Option<String>,
    status: Option<String>,
    seller: Option<String>,
    token: Option<String>,
    region: Option<String>,
    category: Option<String>,
    craft: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let page = page_query(q.limit, q.cursor.clone());
    let limit = page.limit()?;
    let cursor = page.cursor(3)?;
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {SUMMARY}::TEXT, {ORDER_KEY} FROM orders o
         LEFT JOIN metadata_documents m ON m.hash = o.metadata_hash WHERE true"
    ));
    if let Some(c) = q.chain_id {
        sql.push(" AND o.chain_id = ").push_bind(chain_id("chain_id", c)?);
    }
    if let Some(k) = &q.kind {
        sql.push(" AND o.kind = ").push_bind(one_of("kind", k, KINDS)?.to_string());
    }
    if let Some(s) = &q.status {
        sql.push(" AND o.status = ").push_bind(one_of("status", s, STATUSES)?.to_string());
    }
    if let Some(s) = &q.seller {
        sql.push(" AND o.seller = ").push_bind(address("seller", s)?);
    }
    if let Some(t) = &q.token {
        sql.push(" AND o.token = ").push_bind(address("token", t)?);
    }
    metadata_filters(&mut sql, q.region.as_deref(), q.category.as_deref(), q.craft.as_deref())?;
    if let Some(text) = text_query(q.q.as_deref())? {
        sql.push(" AND m.search @@ websearch_to_tsquery('simple', ").push_bind(text).push(")");
    }
    order_keyset(&mut sql, cursor, limit)?;
    fetch_page(&state, sql, limit).await
}

async fn detail(
    State(state): State<AppState>,
    ApiPath((chain, order)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let chain = chain_segment("chain_id", &chain)?;
    let detail = OrderRecord::load(&state, chain, &order).await?;
    Ok(json_text(detail.detail_json()))
}
