//! QR codes and labels, for `/v1/qr`: whether an order or a listing exists, and what an
//! order's printable label shows.

use sqlx::PgPool;

/// Order `order_id` (decimal) of chain `chain_id`, if the mirror has it, with the GTIN of
/// its linked document's product (`product.gtin`), if any.
#[tracing::instrument(skip(pool))]
pub async fn order_gtin(
    pool: &PgPool,
    chain_id: i64,
    order_id: &str,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar!(
        r#"SELECT m.document #>> '{product,gtin}' AS gtin
        FROM orders o LEFT JOIN metadata_documents m
          ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
        WHERE o.chain_id = $1 AND o.order_id = $2::TEXT::NUMERIC"#,
        chain_id,
        order_id,
    )
    .fetch_optional(pool)
    .await
}

/// Whether the mirror has listing `listing_id` (decimal) of chain `chain_id`.
#[tracing::instrument(skip(pool))]
pub async fn listing_exists(pool: &PgPool, chain_id: i64, listing_id: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM listings
                          WHERE chain_id = $1 AND listing_id = $2::TEXT::NUMERIC) AS "found!""#,
        chain_id,
        listing_id,
    )
    .fetch_one(pool)
    .await
}

/// What an order's printable label shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLabel {
    /// The seller, lower-case `0x` hex.
    pub seller: String,
    /// The payment token, lower-case `0x` hex.
    pub token: String,
    /// The unit price in base units, decimal.
    pub unit_price: String,
    /// The order's status.
    pub status: String,
    /// The order's kind.
    pub kind: String,
    /// The linked document's title.
    pub title: Option<String>,
    /// The linked document's artisan's name.
    pub artisan: Option<String>,
    /// The artisan's craft.
    pub craft: Option<String>,
    /// The artisan's region.
    pub region: Option<String>,
    /// The token's symbol, when the mirror read it.
    pub symbol: Option<String>,
    /// The token's decimals, when the mirror read them.
    pub decimals: Option<i32>,
    /// The linked document's product's GTIN.
    pub gtin: Option<String>,
}

/// The label of order `order_id` (decimal) of chain `chain_id`; `None` when the mirror does
/// not have it.
#[tracing::instrument(skip(pool))]
pub async fn label(
    pool: &PgPool,
    chain_id: i64,
    order_id: &str,
) -> sqlx::Result<Option<OrderLabel>> {
    sqlx::query_as!(
        OrderLabel,
        r#"SELECT o.seller, o.token, o.unit_price::TEXT AS "unit_price!", o.status, o.kind,
            m.document ->> 'title' AS title, m.document #>> '{artisan,name}' AS artisan,
            m.craft AS "craft?", m.region AS "region?", t.symbol AS "symbol?",
            t.decimals AS "decimals?", m.document #>> '{product,gtin}' AS gtin
        FROM orders o LEFT JOIN metadata_documents m
          ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
        LEFT JOIN token_metadata t ON t.chain_id = o.chain_id AND t.token = o.token
        WHERE o.chain_id = $1 AND o.order_id = $2::TEXT::NUMERIC"#,
        chain_id,
        order_id,
    )
    .fetch_optional(pool)
    .await
}
