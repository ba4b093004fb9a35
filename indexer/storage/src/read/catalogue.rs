//! The catalogue, for `/v1/artisans`, `/v1/partners` and `/v1/products`: artisans, partner
//! shops and products as the makers describe them in their metadata documents. Only
//! documents linked to at least one mirrored order or Shop listing count (`catalogue_links`,
//! migration 0018): the catalogue shows what is on chain, not every upload.
//!
//! A profile (artisan or partner) is grouped by the lower-cased `address` of its document
//! member, and the newest document's description wins. A profile counts and lists an order
//! (or counts a listing) only when its address is a party to it (the seller or a split
//! recipient: `order_party`, migration 0013; a partner also as the partner shop a listing
//! names): copying someone's metadata hash, or naming them in one's own document, puts no
//! order on their profile.

use cointent_domain::{
    Page,
    catalogue::{
        CatalogueArtisan, CatalogueArtisanDetail, CataloguePartner, CataloguePartnerDetail,
        CatalogueProduct,
    },
    metadata::MetadataJson,
    orders::OrderSummary,
    page::encode_cursor,
};
use sqlx::{PgPool, Postgres, QueryBuilder, types::Json};

use super::{
    keyset::{KeyType, Keyset},
    orders::{MetadataFilter, PageError, SummaryRow, bad_column, int, newest_cursor, push_newest},
};

/// Profile lists run by address, ascending, over the grouped rows `p`.
const BY_ADDRESS: Keyset<'static> =
    Keyset { columns: &[("p.address", KeyType::Text)], descending: false };

/// The artisans of linked documents, grouped by address, as `p`; the caller appends the
/// filters on `m` and then `GROUP BY 1) p WHERE true`.
const ARTISANS: &str = "SELECT p.* FROM (
    SELECT lower(m.document #>> '{artisan,address}') AS address,
        (array_agg(m.document #>> '{artisan,name}' ORDER BY m.uploaded_at DESC))[1] AS name,
        (array_agg(m.document #>> '{artisan,region}' ORDER BY m.uploaded_at DESC))[1] AS region,
        (array_agg(m.document #>> '{artisan,craft}' ORDER BY m.uploaded_at DESC))[1] AS craft,
        (array_agg(m.document #>> '{artisan,story}' ORDER BY m.uploaded_at DESC))[1] AS story,
        count(DISTINCT m.hash) FILTER (WHERE m.document ? 'product') AS products,
        count(*) FILTER (WHERE NOT o.listing) AS orders,
        count(*) FILTER (WHERE o.listing) AS listings
    FROM metadata_documents m JOIN catalogue_links o ON o.metadata_hash = m.hash
        AND order_party(m.document #>> '{artisan,address}', o.seller, o.terms)
    WHERE true";

/// As [`ARTISANS`], for partner shops.
const PARTNERS: &str = "SELECT p.* FROM (
    SELECT lower(m.document #>> '{partner,address}') AS address,
        (array_agg(m.document #>> '{partner,name}' ORDER BY m.uploaded_at DESC))[1] AS name,
        (array_agg(m.document #>> '{partner,city}' ORDER BY m.uploaded_at DESC))[1] AS city,
        (array_agg(m.document #>> '{partner,url}' ORDER BY m.uploaded_at DESC))[1] AS url,
        (array_agg(m.document #>> '{partner,story}' ORDER BY m.uploaded_at DESC))[1] AS story,
        count(DISTINCT m.hash) FILTER (WHERE m.document ? 'product') AS products,
        count(*) FILTER (WHERE NOT o.listing) AS orders,
        count(*) FILTER (WHERE o.listing) AS listings
    FROM metadata_documents m JOIN catalogue_links o ON o.metadata_hash = m.hash
        AND (order_party(m.document #>> '{partner,address}', o.seller, o.terms)
             OR lower(m.document #>> '{partner,address}') = o.partner)
    WHERE true";

#[derive(sqlx::FromRow)]
struct ArtisanRow {
    address: String,
    name: Option<String>,
    region: Option<String>,
    craft: Option<String>,
    story: Option<String>,
    products: i64,
    orders: i64,
    listings: i64,
}

impl TryFrom<ArtisanRow> for CatalogueArtisan {
    type Error = sqlx::Error;

    fn try_from(r: ArtisanRow) -> sqlx::Result<Self> {
        Ok(Self {
            address: r.address.parse().map_err(|e| bad_column("address", e))?,
            name: r.name,
            region: r.region,
            craft: r.craft,
            story: r.story,
            products: int("products", r.products)?,
            orders: int("orders", r.orders)?,
            listings: int("listings", r.listings)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PartnerRow {
    address: String,
    name: Option<String>,
    city: Option<String>,
    url: Option<String>,
    story: Option<String>,
    products: i64,
    orders: i64,
    listings: i64,
}

impl TryFrom<PartnerRow> for CataloguePartner {
    type Error = sqlx::Error;

    fn try_from(r: PartnerRow) -> sqlx::Result<Self> {
        Ok(Self {
            address: r.address.parse().map_err(|e| bad_column("address", e))?,
            name: r.name,
            city: r.city,
            url: r.url,
            story: r.story,
            products: int("products", r.products)?,
            orders: int("orders", r.orders)?,
            listings: int("listings", r.listings)?,
        })
    }
}

/// Runs a profile list: `select` is [`ARTISANS`] or [`PARTNERS`]; `address` is a profile's
/// address, its sort key.
async fn profiles<R, T>(
    pool: &PgPool,
    select: &'static str,
    filter: &MetadataFilter,
    cursor: Option<&[String]>,
    limit: u32,
    address: fn(&T) -> cointent_domain::Address,
) -> Result<Page<T>, PageError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    T: TryFrom<R, Error = sqlx::Error>,
{
    let mut sql = QueryBuilder::<Postgres>::new(select);
    filter.push(&mut sql);
    sql.push(" GROUP BY 1) p WHERE true");
    BY_ADDRESS.push(&mut sql, cursor, limit)?;
    let rows: Vec<R> = sql.build_query_as().fetch_all(pool).await?;
    let items = rows.into_iter().map(T::try_from).collect::<sqlx::Result<Vec<T>>>()?;
    // Lower-case hex, as the list compares addresses.
    Ok(Page::from_rows(items, limit as usize, |last| {
        encode_cursor(&[&format!("{:#x}", address(last))])
    }))
}

/// A page of the artisans of linked documents, by address; `filter`'s category is not used.
#[tracing::instrument(skip(pool))]
pub async fn artisans(
    pool: &PgPool,
    filter: &MetadataFilter,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<Page<CatalogueArtisan>, PageError> {
    profiles::<ArtisanRow, CatalogueArtisan>(pool, ARTISANS, filter, cursor, limit, |a| a.address)
        .await
}

/// A page of the partner shops of linked documents, by address; `filter`'s region and
/// craft are the artisan's, as for orders; its category is not used.
#[tracing::instrument(skip(pool))]
pub async fn partners(
    pool: &PgPool,
    filter: &MetadataFilter,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<Page<CataloguePartner>, PageError> {
    profiles::<PartnerRow, CataloguePartner>(pool, PARTNERS, filter, cursor, limit, |p| p.address)
        .await
}

struct ArtisanDetailRow {
    address: String,
    name: Option<String>,
    region: Option<String>,
    craft: Option<String>,
    story: Option<String>,
    products: i64,
    orders: i64,
    listings: i64,
    items: Json<Vec<SummaryRow>>,
}

/// One artisan (by lower-case `0x` address) with their orders, newest first (at most 200);
/// `None` when no document linked to an order or a listing names them.
#[tracing::instrument(skip(pool))]
pub async fn artisan(pool: &PgPool, address: &str) -> sqlx::Result<Option<CatalogueArtisanDetail>> {
    let row = sqlx::query_as!(
        ArtisanDetailRow,
        r#"SELECT lower(m.document #>> '{artisan,address}') AS "address!",
            (array_agg(m.document #>> '{artisan,name}' ORDER BY m.uploaded_at DESC))[1] AS name,
            (array_agg(m.document #>> '{artisan,region}' ORDER BY m.uploaded_at DESC))[1] AS region,
            (array_agg(m.document #>> '{artisan,craft}' ORDER BY m.uploaded_at DESC))[1] AS craft,
            (array_agg(m.document #>> '{artisan,story}' ORDER BY m.uploaded_at DESC))[1] AS story,
            count(DISTINCT m.hash) FILTER (WHERE m.document ? 'product') AS "products!",
            count(*) FILTER (WHERE NOT o.listing) AS "orders!",
            count(*) FILTER (WHERE o.listing) AS "listings!",
            (SELECT coalesce(json_agg(x.summary
                  ORDER BY x.created_block DESC, x.chain_id DESC, x.order_id DESC), '[]')
              FROM (SELECT api_order_summary(o2, m2) AS summary, o2.created_block, o2.chain_id,
                      o2.order_id
                    FROM metadata_documents m2 JOIN orders o2 ON o2.metadata_hash = m2.hash
                      AND order_party(m2.document #>> '{artisan,address}', o2.seller, o2.terms)
                    WHERE lower(m2.document #>> '{artisan,address}') = $1
                    ORDER BY o2.created_block DESC, o2.chain_id DESC, o2.order_id DESC
                    LIMIT 200) x) AS "items!: Json<Vec<SummaryRow>>"
        FROM metadata_documents m JOIN catalogue_links o ON o.metadata_hash = m.hash
          AND order_party(m.document #>> '{artisan,address}', o.seller, o.terms)
        WHERE lower(m.document #>> '{artisan,address}') = $1
        GROUP BY 1"#,
        address,
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let artisan = CatalogueArtisan::try_from(ArtisanRow {
        address: r.address,
        name: r.name,
        region: r.region,
        craft: r.craft,
        story: r.story,
        products: r.products,
        orders: r.orders,
        listings: r.listings,
    })?;
    let items = summaries(r.items)?;
    Ok(Some(CatalogueArtisanDetail { artisan, items }))
}

struct PartnerDetailRow {
    address: String,
    name: Option<String>,
    city: Option<String>,
    url: Option<String>,
    story: Option<String>,
    products: i64,
    orders: i64,
    listings: i64,
    items: Json<Vec<SummaryRow>>,
}

/// One partner shop (by lower-case `0x` address) with its orders, newest first (at most
/// 200); `None` when no document linked to an order or a listing names it.
#[tracing::instrument(skip(pool))]
pub async fn partner(pool: &PgPool, address: &str) -> sqlx::Result<Option<CataloguePartnerDetail>> {
    let row = sqlx::query_as!(
        PartnerDetailRow,
        r#"SELECT lower(m.document #>> '{partner,address}') AS "address!",
            (array_agg(m.document #>> '{partner,name}' ORDER BY m.uploaded_at DESC))[1] AS name,
            (array_agg(m.document #>> '{partner,city}' ORDER BY m.uploaded_at DESC))[1] AS city,
            (array_agg(m.document #>> '{partner,url}' ORDER BY m.uploaded_at DESC))[1] AS url,
            (array_agg(m.document #>> '{partner,story}' ORDER BY m.uploaded_at DESC))[1] AS story,
            count(DISTINCT m.hash) FILTER (WHERE m.document ? 'product') AS "products!",
            count(*) FILTER (WHERE NOT o.listing) AS "orders!",
            count(*) FILTER (WHERE o.listing) AS "listings!",
            (SELECT coalesce(json_agg(x.summary
                  ORDER BY x.created_block DESC, x.chain_id DESC, x.order_id DESC), '[]')
              FROM (SELECT api_order_summary(o2, m2) AS summary, o2.created_block, o2.chain_id,
                      o2.order_id
                    FROM metadata_documents m2 JOIN orders o2 ON o2.metadata_hash = m2.hash
                      AND order_party(m2.document #>> '{partner,address}', o2.seller, o2.terms)
                    WHERE lower(m2.document #>> '{partner,address}') = $1
                    ORDER BY o2.created_block DESC, o2.chain_id DESC, o2.order_id DESC
                    LIMIT 200) x) AS "items!: Json<Vec<SummaryRow>>"
        FROM metadata_documents m JOIN catalogue_links o ON o.metadata_hash = m.hash
          AND (order_party(m.document #>> '{partner,address}', o.seller, o.terms)
               OR lower(m.document #>> '{partner,address}') = o.partner)
        WHERE lower(m.document #>> '{partner,address}') = $1
        GROUP BY 1"#,
        address,
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let partner = CataloguePartner::try_from(PartnerRow {
        address: r.address,
        name: r.name,
        city: r.city,
        url: r.url,
        story: r.story,
        products: r.products,
        orders: r.orders,
        listings: r.listings,
    })?;
    let items = summaries(r.items)?;
    Ok(Some(CataloguePartnerDetail { partner, items }))
}

fn summaries(rows: Json<Vec<SummaryRow>>) -> sqlx::Result<Vec<OrderSummary>> {
    rows.0.into_iter().map(OrderSummary::try_from).collect()
}

/// The product list's filters; `None` is no filter.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Filters over the linked metadata.
    pub metadata: MetadataFilter,
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    summary: SummaryRow,
    product: Option<serde_json::Value>,
    artisan: Option<serde_json::Value>,
    partner: Option<serde_json::Value>,
}

/// A page of the orders whose document describes a product, newest first, with the
/// document's `product`, `artisan` and `partner` members.
#[tracing::instrument(skip(pool))]
pub async fn products(
    pool: &PgPool,
    filter: &ProductFilter,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<Page<CatalogueProduct>, PageError> {
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT api_order_summary(o, m) AS summary, m.document -> 'product' AS product,
             m.document -> 'artisan' AS artisan, m.document -> 'partner' AS partner
         FROM orders o JOIN metadata_documents m
           ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
         WHERE m.document ? 'product'",
    );
    if let Some(c) = filter.chain_id {
        sql.push(" AND o.chain_id = ").push_bind(c);
    }
    filter.metadata.push(&mut sql);
    push_newest(&mut sql, cursor, limit)?;
    let rows: Vec<ProductRow> = sql.build_query_as().fetch_all(pool).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(CatalogueProduct {
                summary: r.summary.try_into()?,
                product: r.product.map(MetadataJson),
                artisan: r.artisan.map(MetadataJson),
                partner: r.partner.map(MetadataJson),
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit as usize, |last| newest_cursor(&last.summary)))
}

/// The arbiters orders name (on `chain_id`, or every chain), most named first, at most
/// `limit`, with their rulings, missed rulings and open disputes.
#[tracing::instrument(skip(pool))]
pub async fn arbiters(
    pool: &PgPool,
    chain_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<cointent_domain::catalogue::CatalogueArbiter>> {
    let rows = sqlx::query!(
        r#"SELECT o.chain_id AS "chain_id!", o.arbiter AS "arbiter!", count(*) AS "orders!",
              coalesce(sum(d.rulings), 0)::BIGINT AS "rulings!",
              coalesce(sum(d.missed), 0)::BIGINT AS "missed!",
              coalesce(sum(d.open), 0)::BIGINT AS "open!"
           FROM orders o
           LEFT JOIN LATERAL (
              SELECT count(*) FILTER (WHERE ms.ruling IS NOT NULL AND ms.ruling <> 'ByDefault') AS rulings,
                     count(*) FILTER (WHERE ms.ruling = 'ByDefault') AS missed,
                     count(*) FILTER (WHERE ms.state = 'Disputed') AS open
              FROM milestones ms
              WHERE ms.chain_id = o.chain_id AND ms.order_id = o.order_id
                AND ms.disputed_by IS NOT NULL) d ON true
           WHERE $1::BIGINT IS NULL OR o.chain_id = $1
           GROUP BY o.chain_id, o.arbiter
           ORDER BY count(*) DESC, o.chain_id, o.arbiter
           LIMIT $2"#,
        chain_id,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(cointent_domain::catalogue::CatalogueArbiter {
                chain_id: u64::try_from(r.chain_id).ok()?,
                address: r.arbiter.parse().ok()?,
                orders: u64::try_from(r.orders).unwrap_or_default(),
                rulings: u64::try_from(r.rulings).unwrap_or_default(),
                missed: u64::try_from(r.missed).unwrap_or_default(),
                open_disputes: u64::try_from(r.open).unwrap_or_default(),
            })
        })
        .collect())
}

/// How many values of each facet [`facets`] lists.
const FACET_VALUES: usize = 100;

/// The regions, crafts and categories of linked documents (on `chain_id`, or every chain),
/// each with its artisans, products, listings and orders, most used first, at most
/// [`FACET_VALUES`] of each. A document counts under an order or listing only through
/// `metadata_links`, as everywhere else; values are grouped as written, blanks left out.
#[tracing::instrument(skip(pool))]
pub async fn facets(
    pool: &PgPool,
    chain_id: Option<i64>,
) -> sqlx::Result<cointent_domain::catalogue::CatalogueFacets> {
    use cointent_domain::catalogue::{CatalogueFacets, Facet};
    let rows = sqlx::query!(
        r#"WITH linked AS (
              SELECT m.hash, m.region, m.craft, m.category, k.listing,
                     lower(m.document #>> '{artisan,address}') AS artisan,
                     m.document ? 'product' AS product
              FROM (SELECT chain_id, metadata_hash, seller, terms, false AS listing FROM orders
                    UNION ALL
                    SELECT chain_id, metadata_hash, seller, terms, true FROM listings) k
              JOIN metadata_documents m ON m.hash = k.metadata_hash
                AND metadata_links(m.uploaded_by, m.document, k.seller, k.terms)
              WHERE $1::BIGINT IS NULL OR k.chain_id = $1)
           SELECT f.facet AS "facet!", f.value AS "value!",
              count(DISTINCT l.artisan) AS "artisans!",
              count(DISTINCT l.hash) FILTER (WHERE l.product) AS "products!",
              count(*) FILTER (WHERE l.listing) AS "listings!",
              count(*) FILTER (WHERE NOT l.listing) AS "orders!"
           FROM linked l,
              LATERAL (VALUES ('region', l.region), ('craft', l.craft), ('category', l.category))
                 AS f(facet, value)
           WHERE btrim(f.value) <> ''
           GROUP BY f.facet, f.value
           ORDER BY f.facet, count(*) DESC, f.value"#,
        chain_id,
    )
    .fetch_all(pool)
    .await?;
    let mut facets =
        CatalogueFacets { regions: Vec::new(), crafts: Vec::new(), categories: Vec::new() };
    for r in rows {
        let list = match r.facet.as_str() {
            "region" => &mut facets.regions,
            "craft" => &mut facets.crafts,
            _ => &mut facets.categories,
        };
        if list.len() < FACET_VALUES {
            let n = |v: i64| u64::try_from(v).unwrap_or_default();
            list.push(Facet {
                value: r.value,
                artisans: n(r.artisans),
                products: n(r.products),
                listings: n(r.listings),
                orders: n(r.orders),
            });
        }
    }
    Ok(facets)
}
