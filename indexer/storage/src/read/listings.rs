//! Listings, for `/v1/listings`: the Shop's listings with their filters and full-text
//! search, and one listing in full (what each purchase promises, one unit's price
//! breakdown, its metadata, its recent purchases and every offer of the same product).
//!
//! A listing's metadata document links as an order's does (`metadata_links`, migration
//! 0013, over the listing's seller and its template's splits), so the order filters
//! ([`MetadataFilter`]) apply unchanged. The fee a purchase pays is the fee in force: the
//! last `FeeBpsSet` the mirror saw, else the fee of the chain's newest order (the Escrow
//! emits no event for the fee it was deployed with).

use cointent_domain::{
    B256, Bytes, ListingId, Page, Terms,
    listings::{
        ListingDetail, ListingOffer, ListingPriceBreakdown, ListingPurchase, ListingSummary,
        ListingTerms,
    },
    metadata::MetadataJson,
    page::encode_cursor,
};
use serde::Deserialize;
use sqlx::{PgPool, Postgres, QueryBuilder, types::Json};

use super::{
    keyset::{BadCursor, KeyType, Keyset},
    orders::{MetadataFilter, PageError, bad_column, int, parse},
};

/// A listing summary as `api_listing_summary(l, m, t)` (migration 0017) writes it: uint256
/// values and times as text, exactly as the API shows them.
#[derive(Debug, Clone, sqlx::Type, Deserialize)]
#[sqlx(type_name = "api_listing_summary")]
pub(crate) struct ListingRow {
    chain_id: i64,
    listing_id: String,
    seller: String,
    partner: Option<String>,
    token: String,
    token_symbol: Option<String>,
    token_decimals: Option<i32>,
    unit_price: String,
    stock: i64,
    sold: i64,
    purchases: i64,
    promoter_bps: i32,
    milestone_count: i32,
    metadata_hash: String,
    listed_at: String,
    listed_block: i64,
    updated_at: String,
    title: Option<String>,
    category: Option<String>,
    region: Option<String>,
    craft: Option<String>,
    image: Option<String>,
}

impl TryFrom<ListingRow> for ListingSummary {
    type Error = sqlx::Error;

    fn try_from(r: ListingRow) -> sqlx::Result<Self> {
        let stock = int("stock", r.stock)?;
        Ok(Self {
            chain_id: int("chain_id", r.chain_id)?,
            listing_id: parse("listing_id", &r.listing_id)?,
            seller: parse("seller", &r.seller)?,
            partner: r.partner.map(|p| parse("partner", &p)).transpose()?,
            token: parse("token", &r.token)?,
            token_symbol: r.token_symbol,
            token_decimals: r.token_decimals.map(|d| int("token_decimals", d)).transpose()?,
            unit_price: parse("unit_price", &r.unit_price)?,
            stock,
            sold: int("sold", r.sold)?,
            purchases: int("purchases", r.purchases)?,
            sold_out: stock == 0,
            promoter_bps: int("promoter_bps", r.promoter_bps)?,
            milestone_count: int("milestone_count", r.milestone_count)?,
            metadata_hash: parse("metadata_hash", &r.metadata_hash)?,
            listed_at: cointent_domain::DateTime::new_unchecked(r.listed_at),
            listed_block: int("listed_block", r.listed_block)?,
            updated_at: cointent_domain::DateTime::new_unchecked(r.updated_at),
            title: r.title,
            category: r.category,
            region: r.region,
            craft: r.craft,
            image: r.image,
        })
    }
}

/// Listing lists run newest first: `(listed_block, chain_id, listing_id)` descending, over
/// `listings l`.
const NEWEST: Keyset<'static> = Keyset {
    columns: &[
        ("l.listed_block", KeyType::BigInt),
        ("l.chain_id", KeyType::BigInt),
        ("l.listing_id", KeyType::Numeric),
    ],
    descending: true,
};

/// The cursor after `listing` in a newest-first list.
fn newest_cursor(listing: &ListingSummary) -> String {
    encode_cursor(&[
        &listing.listed_block.to_string(),
        &listing.chain_id.to_string(),
        &listing.listing_id.to_string(),
    ])
}

/// The listing list's filters; `None` (or `false`) is no filter. Addresses are lower-case
/// `0x` hex, as the mirror stores them.
#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Only this seller's (artisan's) listings.
    pub seller: Option<String>,
    /// Only listings naming this partner shop.
    pub partner: Option<String>,
    /// Only listings priced in this token.
    pub token: Option<String>,
    /// Only listings with units left.
    pub in_stock: bool,
    /// Filters over the linked metadata.
    pub metadata: MetadataFilter,
}

/// A page of the listing list, newest first, after `cursor` (a previous page's sort key).
#[tracing::instrument(skip(pool))]
pub async fn list(
    pool: &PgPool,
    filter: &ListingFilter,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<Page<ListingSummary>, PageError> {
    // The listing id of a cursor must be a uint256, as every listing id is.
    if let Some(parts) = cursor
        && parts.get(2).is_some_and(|id| id.parse::<ListingId>().is_err())
    {
        return Err(BadCursor.into());
    }
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT api_listing_summary(l, m, t) FROM listings l
         LEFT JOIN metadata_documents m
           ON m.hash = l.metadata_hash AND metadata_links(m.uploaded_by, m.document, l.seller, l.terms)
         LEFT JOIN token_metadata t ON t.chain_id = l.chain_id AND t.token = l.token
         WHERE true",
    );
    if let Some(c) = filter.chain_id {
        sql.push(" AND l.chain_id = ").push_bind(c);
    }
    if let Some(s) = &filter.seller {
        sql.push(" AND l.seller = ").push_bind(s.clone());
    }
    if let Some(p) = &filter.partner {
        sql.push(" AND l.partner = ").push_bind(p.clone());
    }
    if let Some(t) = &filter.token {
        sql.push(" AND l.token = ").push_bind(t.clone());
    }
    if filter.in_stock {
        sql.push(" AND l.stock > 0");
    }
    filter.metadata.push(&mut sql);
    NEWEST.push(&mut sql, cursor, limit)?;
    let rows: Vec<ListingRow> = sql.build_query_scalar().fetch_all(pool).await?;
    let items = rows.into_iter().map(ListingSummary::try_from).collect::<sqlx::Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit as usize, newest_cursor))
}

/// What the detail query returns: the summary, the template, the fee in force, and the
/// nested parts in the API's own shape.
struct DetailRow {
    summary: ListingRow,
    template_packed: String,
    listed_tx: String,
    fee_bps: Option<i32>,
    metadata: Option<serde_json::Value>,
    purchases: Json<Vec<ListingPurchase>>,
    offers: Json<Vec<ListingOffer>>,
}

/// Listing `listing_id` (decimal) of chain `chain_id` in full, in one round trip; `None`
/// when the mirror does not have it.
#[tracing::instrument(skip(pool))]
pub async fn detail(
    pool: &PgPool,
    chain_id: i64,
    listing_id: &str,
) -> sqlx::Result<Option<ListingDetail>> {
    // Offers name their shop from documents the shop itself or the seller uploaded: anyone
    // may upload a document naming an address, not speak for it.
    let row = sqlx::query_as!(
        DetailRow,
        r#"SELECT
            api_listing_summary(l, m, t) AS "summary!: ListingRow",
            l.template_packed, l.listed_tx,
            coalesce(p.fee_bps,
                     (SELECT o.fee_bps FROM orders o WHERE o.chain_id = l.chain_id
                      ORDER BY o.created_block DESC, o.order_id DESC LIMIT 1)) AS "fee_bps?",
            m.document AS "metadata?",
            coalesce((SELECT json_agg(json_build_object(
                  'order_id', x.order_id::TEXT, 'buyer', x.buyer, 'units', x.units,
                  'unit_price', x.unit_price::TEXT, 'amount', (x.units * x.unit_price)::TEXT,
                  'stock_left', x.stock_left, 'block_number', x.block_number,
                  'tx_hash', x.tx_hash, 'purchased_at', x.at)
                  ORDER BY x.block_number DESC, x.log_index DESC)
                FROM (SELECT * FROM purchases pu
                      WHERE pu.chain_id = l.chain_id AND pu.listing_id = l.listing_id
                      ORDER BY pu.block_number DESC, pu.log_index DESC LIMIT $3) x), '[]')
              AS "purchases!: Json<Vec<ListingPurchase>>",
            coalesce((SELECT json_agg(json_build_object(
                  'listing_id', o.listing_id::TEXT,
                  'partner', nullif(o.partner, '0x0000000000000000000000000000000000000000'),
                  'partner_name', (SELECT d.document #>> '{partner,name}' FROM metadata_documents d
                                   WHERE lower(d.document #>> '{partner,address}') = o.partner
                                     AND d.uploaded_by IN (o.partner, o.seller)
                                   ORDER BY d.uploaded_at DESC LIMIT 1),
                  'unit_price', o.unit_price::TEXT, 'stock', o.stock) ORDER BY o.listing_id)
                FROM listings o WHERE o.metadata_hash = l.metadata_hash
                 AND o.chain_id = l.chain_id AND o.seller = l.seller
                 -- No document, no product to compare: only the listing itself.
                 AND (o.listing_id = l.listing_id
                      OR l.metadata_hash <> '0x0000000000000000000000000000000000000000000000000000000000000000')), '[]')
              AS "offers!: Json<Vec<ListingOffer>>"
        FROM listings l
        LEFT JOIN metadata_documents m
          ON m.hash = l.metadata_hash AND metadata_links(m.uploaded_by, m.document, l.seller, l.terms)
        LEFT JOIN token_metadata t ON t.chain_id = l.chain_id AND t.token = l.token
        LEFT JOIN escrow_params p ON p.chain_id = l.chain_id
        WHERE l.chain_id = $1 AND l.listing_id = $2::TEXT::NUMERIC"#,
        chain_id,
        listing_id,
        ListingDetail::MAX_PURCHASES as i64,
    )
    .fetch_optional(pool)
    .await?;
    row.map(ListingDetail::try_from).transpose()
}

/// The template unpacked into what a buyer gets, and one unit's breakdown with the fee in
/// force.
impl TryFrom<DetailRow> for ListingDetail {
    type Error = sqlx::Error;

    fn try_from(r: DetailRow) -> sqlx::Result<Self> {
        let packed: Bytes = parse("template_packed", &r.template_packed)?;
        let template = Terms::unpack(&packed).map_err(|e| bad_column("template_packed", e))?;
        let fee_bps = r.fee_bps.map(|f| int::<u16, _>("fee_bps", f)).transpose()?;
        let summary = ListingSummary::try_from(r.summary)?;
        let price_breakdown = fee_bps.map(|fee| {
            ListingPriceBreakdown::of(
                summary.seller,
                summary.unit_price,
                fee,
                template.promoter_bps,
                &template.splits,
            )
        });
        Ok(Self {
            terms: ListingTerms::of(&template, packed, fee_bps),
            price_breakdown,
            metadata: r.metadata.map(MetadataJson),
            recent_purchases: r.purchases.0,
            offers: r.offers.0,
            listed_tx: parse::<B256>("listed_tx", &r.listed_tx)?,
            summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row() -> ListingRow {
        serde_json::from_value(json!({
            "chain_id": 31337, "listing_id": "3", "seller": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            "partner": null, "token": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "token_symbol": "dUSD", "token_decimals": 6, "unit_price": "2000000", "stock": 0,
            "sold": 4, "purchases": 2, "promoter_bps": 500, "milestone_count": 1,
            "metadata_hash": format!("0x{}", "42".repeat(32)),
            "listed_at": "2026-12-01T10:00:00+00:00", "listed_block": 12,
            "updated_at": "2026-12-01T11:00:00+00:00", "title": "Ajrakh stole",
            "category": "textiles", "region": "Kutch", "craft": "Ajrakh", "image": null
        }))
        .unwrap()
    }

    #[test]
    fn listing_rows_become_the_api_json_and_its_cursor() {
        let summary = ListingSummary::try_from(row()).unwrap();
        assert!(summary.sold_out, "no stock left");
        assert_eq!((summary.sold, summary.purchases, summary.token_decimals), (4, 2, Some(6)));
        let back = serde_json::to_value(&summary).unwrap();
        assert_eq!(back["listing_id"], "3");
        assert_eq!(back["partner"], serde_json::Value::Null);
        assert_eq!(newest_cursor(&summary), encode_cursor(&["12", "31337", "3"]));
        let mut bad = row();
        bad.seller = "me".into();
        let err = ListingSummary::try_from(bad).unwrap_err();
        assert!(matches!(err, sqlx::Error::ColumnDecode { ref index, .. } if index == "seller"));
    }
}
