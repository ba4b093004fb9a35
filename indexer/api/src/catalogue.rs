//! The catalogue (see `indexer/api/openapi/catalogue.json`): artisans, partner shops and products
//! as the makers describe them in their metadata documents. Only documents linked to at least
//! one mirrored order count: the catalogue shows what is on chain, not every upload.

use axum::{Router, extract::State, response::Response, routing::get};
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::{cursor_text, fetch_page, json_text, page_query},
    params::{chain_id, text_query},
    sql::{ORDER_KEY, SUMMARY, metadata_filters, order_keyset},
    state::AppState,
};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/artisans", get(artisans))
        .route("/artisans/{address}", get(artisan))
        .route("/partners", get(partners))
        .route("/partners/{address}", get(partner))
        .route("/products", get(products))
}

/// Who a profile is about: the document member and the fields shown.
#[derive(Clone, Copy)]
struct Profile {
    member: &'static str,
    fields: &'static [&'static str],
}

const ARTISAN: Profile =
    Profile { member: "artisan", fields: &["name", "region", "craft", "story"] };
const PARTNER: Profile = Profile { member: "partner", fields: &["name", "city", "url", "story"] };

impl Profile {
    /// `SELECT item JSON, address` over the profiles of linked documents, grouped by address;
    /// the caller appends conditions on `m` and then [`Profile::finish`].
    fn select(self) -> String {
        let member = self.member;
        let fields: String = self
            .fields
            .iter()
            .map(|f| format!("'{f}', (array_agg(m.document #>> '{{{member},{f}}}' ORDER BY m.uploaded_at DESC))[1], "))
            .collect();
        format!(
            "SELECT json_build_object('address', lower(m.document #>> '{{{member},address}}'), {fields}
                 'products', count(DISTINCT m.hash) FILTER (WHERE m.document ? 'product'),
                 'orders', count(*))::TEXT,
               lower(m.document #>> '{{{member},address}}')
             FROM metadata_documents m JOIN orders o ON o.metadata_hash = m.hash
             WHERE m.document #>> '{{{member},address}}' IS NOT NULL"
        )
    }

    fn key(self) -> String {
        format!("lower(m.document #>> '{{{},address}}')", self.member)
    }
}

#[derive(Debug, Deserialize)]
struct ProfilesQuery {
    region: Option<String>,
    craft: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn profiles(state: &AppState, profile: Profile, q: ProfilesQuery) -> ApiResult<Response> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(1)?);
    let mut sql = QueryBuilder::<Postgres>::new(profile.select());
    metadata_filters(&mut sql, q.region.as_deref(), None, q.craft.as_deref())?;
    if let Some(text) = text_query(q.q.as_deref())? {
        sql.push(" AND m.search @@ websearch_to_tsquery('simple', ").push_bind(text).push(")");
    }
    if let Some(c) = cursor {
        let after = cursor_text(&c[0])?;
        sql.push(format!(" AND {} > ", profile.key())).push_bind(after);
    }
    sql.push(" GROUP BY 2 ORDER BY 2 LIMIT ").push_bind(i64::from(limit) + 1);
    fetch_page(state, sql, limit).await
}

async fn profile_detail(state: &AppState, profile: Profile, address: &str) -> ApiResult<Response> {
    let address = crate::params::address("address", address)?;
    let sql = format!(
        "WITH p(item, address) AS ({select} AND {key} = $1 GROUP BY 2)
         SELECT (p.item::jsonb || jsonb_build_object('items', coalesce((
             SELECT jsonb_agg(x.s ORDER BY x.created_block DESC, x.chain_id DESC, x.order_id DESC)
             FROM (SELECT {SUMMARY}::jsonb AS s, o.created_block, o.chain_id, o.order_id
                   FROM metadata_documents m JOIN orders o ON o.metadata_hash = m.hash
                   WHERE {key} = $1
                   ORDER BY o.created_block DESC, o.chain_id DESC, o.order_id DESC LIMIT 200) x),
           '[]'::jsonb)))::TEXT
         FROM p",
        select = profile.select(),
        key = profile.key(),
    );
    let body: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&address)
        .fetch_optional(&state.pool)
        .await?;
    body.map(json_text).ok_or_else(|| ApiError::not_found(format!("{} {address}", profile.member)))
}

/// Artisans named by linked documents, by address: `{address, name, region, craft, story,
/// products, orders}` (the newest document's description wins).
async fn artisans(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProfilesQuery>,
) -> ApiResult<Response> {
    profiles(&state, ARTISAN, q).await
}

/// One artisan with their orders (`items`, newest first, at most 200).
async fn artisan(
    State(state): State<AppState>,
    ApiPath(address): ApiPath<String>,
) -> ApiResult<Response> {
    profile_detail(&state, ARTISAN, &address).await
}

/// Partner shops named by linked documents: `{address, name, city, url, story, products,
/// orders}`.
async fn partners(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProfilesQuery>,
) -> ApiResult<Response> {
    profiles(&state, PARTNER, q).await
}

/// One partner shop with its orders.
async fn partner(
    State(state): State<AppState>,
    ApiPath(address): ApiPath<String>,
) -> ApiResult<Response> {
    profile_detail(&state, PARTNER, &address).await
}

#[derive(Debug, Deserialize)]
struct ProductsQuery {
    chain_id: Option<u64>,
    region: Option<String>,
    craft: Option<String>,
    category: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Orders whose document describes a product: the order summary with `product`, `artisan`
/// and `partner` from the document; newest first.
async fn products(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProductsQuery>,
) -> ApiResult<Response> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT ({SUMMARY}::jsonb || jsonb_build_object('product', m.document -> 'product',
             'artisan', m.document -> 'artisan', 'partner', m.document -> 'partner'))::TEXT,
           {ORDER_KEY}
         FROM orders o JOIN metadata_documents m ON m.hash = o.metadata_hash
         WHERE m.document ? 'product'"
    ));
    if let Some(c) = q.chain_id {
        sql.push(" AND o.chain_id = ").push_bind(chain_id("chain_id", c)?);
    }
    metadata_filters(&mut sql, q.region.as_deref(), q.category.as_deref(), q.craft.as_deref())?;
    if let Some(text) = text_query(q.q.as_deref())? {
        sql.push(" AND m.search @@ websearch_to_tsquery('simple', ").push_bind(text).push(")");
    }
    order_keyset(&mut sql, cursor, limit)?;
    fetch_page(&state, sql, limit).await
}
