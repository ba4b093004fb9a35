//! The `listings` area of the API: the Shop's open listings, `GET /v1/listings`
//! ([`Page`](crate::Page) of [`ListingSummary`]) and `GET /v1/listings/{chain_id}/{listing_id}`
//! ([`ListingDetail`]).
//!
//! A listing is a product an artisan sells from stock, by itself or through a partner shop
//! (`IShop.Listing`); each purchase becomes an ordinary Escrow order of its own, whose terms
//! are the listing's terms template with the purchase's fields filled in
//! ([`purchase_terms`], as the Shop's `termsOf` view builds them). What a buyer gets per
//! purchase is [`ListingTerms`]; where one unit's price goes, [`ListingPriceBreakdown`].
//!
//! ```
//! use cointent_domain::{Address, Amount, Split, listings::ListingPriceBreakdown};
//! // 2 000 000 a unit, the fee in force 1 %, 5 % to promoters, 10 % to a partner shop.
//! let splits = [Split { bps: 1_000, recipient: Address::repeat_byte(5) }];
//! let price = Amount::from(2_000_000_u64);
//! let b = ListingPriceBreakdown::of(Address::repeat_byte(1), price, 100, 500, &splits);
//! assert_eq!(b.per_unit_direct.platform_fee, Amount::from(20_000_u64));
//! assert_eq!(b.per_unit_direct.splits[0].amount, Amount::from(198_000_u64));
//! assert_eq!(b.per_unit.promoter_pool, Amount::from(99_000_u64));
//! ```

use alloy_primitives::{Address, B256, Bytes};
use serde::{Deserialize, Serialize};

use crate::{
    Amount, DateTime, ListingId, Milestone, OrderId, Split, Terms,
    flatten::flattened,
    metadata::MetadataJson,
    orders::OrderBreakdown,
    payout::{self, PayoutTerms},
};

/// One listing as lists show it: the mirrored listing, its figures, and a few fields of its
/// linked metadata document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingSummary {
    /// The chain the Shop is on.
    pub chain_id: u64,
    /// The Shop's listing id.
    pub listing_id: ListingId,
    /// The artisan: seller of every purchase's order.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub seller: Address,
    /// The partner shop the seller named for this listing; null when it sells directly.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub partner: Option<Address>,
    /// Payment token; the zero address for the native coin.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// The token's symbol, when known (the token's `symbol()`, the chain's native currency).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub token_symbol: Option<String>,
    /// The token's decimals, when known.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub token_decimals: Option<u8>,
    /// Price of one unit now, in base units.
    pub unit_price: Amount,
    /// Units left for sale.
    pub stock: u64,
    /// Units bought so far.
    pub sold: u64,
    /// Purchases made so far (each its own Escrow order).
    pub purchases: u64,
    /// Whether nothing is left to buy (`stock` is 0: sold out, or delisted by its seller).
    pub sold_out: bool,
    /// Promoters' commission of each purchase, in bps.
    pub promoter_bps: u16,
    /// Milestones of each purchase's delivery schedule.
    pub milestone_count: u32,
    /// keccak256 of the product's metadata document.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub metadata_hash: B256,
    /// The time of the block that listed it.
    pub listed_at: DateTime,
    /// The block that listed it.
    pub listed_block: u64,
    /// The time of its last change of price, stock or figures.
    pub updated_at: DateTime,
    /// From the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub title: Option<String>,
    /// From the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub category: Option<String>,
    /// The artisan's region, from the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub region: Option<String>,
    /// The artisan's craft, from the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub craft: Option<String>,
    /// The document's first image URL.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub image: Option<String>,
}

/// What a buyer gets with each purchase: the terms template of the listing, as every
/// purchase's order will have it (the Escrow's `Terms`, without the per-purchase fields).
// Fields in alphabetical order, as the API's other terms types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingTerms {
    /// Rules on disputes within the ruling period.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub arbiter: Address,
    /// Dispute bond, in bps of the disputed milestone's amount.
    pub bond_bps: u16,
    /// The platform fee a purchase made now pays, in bps: the fee in force, which the Shop
    /// writes into each purchase's terms; null until the mirror has seen it (a `FeeBpsSet`,
    /// or any order created on the chain).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub fee_bps: Option<u16>,
    /// The delivery schedule of each purchase: each milestone's share and the seconds the
    /// seller has to deliver it (the first from the purchase, each next one from the
    /// settlement of the one before).
    pub milestones: Vec<Milestone>,
    /// Promoters' commission, in bps of the released amount after the fee, for units bought
    /// through a promoter.
    pub promoter_bps: u16,
    /// Seconds the buyer has to approve or dispute a delivered milestone before anyone may
    /// release it.
    pub review_period: u32,
    /// Seconds the arbiter has to rule on a dispute.
    pub ruling_period: u32,
    /// The split table: the artisan's partners, the partner shop, ...
    pub splits: Vec<Split>,
    /// The template as the Shop's `Listed` emitted it: the Escrow's packed terms layout with
    /// the buyer, the units, the funding deadline and the fee zero.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::HexBytes))]
    pub template_packed: Bytes,
}

impl ListingTerms {
    /// The view of a listing's `template` (unpacked from `template_packed`), with the fee in
    /// force.
    pub fn of(template: &Terms, template_packed: Bytes, fee_bps: Option<u16>) -> Self {
        Self {
            arbiter: template.arbiter,
            bond_bps: template.bond_bps,
            fee_bps,
            milestones: template.milestones.clone(),
            promoter_bps: template.promoter_bps,
            review_period: template.review_period,
            ruling_period: template.ruling_period,
            splits: template.splits.clone(),
            template_packed,
        }
    }
}

/// The terms of the order that `buyer` buying `units` of a listing creates, as the Shop
/// builds them (`Shop._terms`, the `termsOf` view): the listing's `template` with the price
/// paid, the buyer as sole buyer, `units` as both minimum and maximum, the funding deadline
/// (the purchase's block time plus one second) and the fee in force.
pub fn purchase_terms(
    template: &Terms,
    unit_price: Amount,
    buyer: Address,
    units: u32,
    funding_deadline_unix: u64,
    fee_bps: u16,
) -> Terms {
    Terms {
        unit_price,
        sole_buyer: buyer,
        min_units: units,
        max_units: units,
        funding_deadline: DateTime::from_unix_seconds(funding_deadline_unix),
        funding_deadline_unix,
        fee_bps,
        ..template.clone()
    }
}

/// Where the price of one unit goes, by the Escrow's cascade (`payout::breakdown`) with the
/// fee in force: bought directly, and bought through a promoter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingPriceBreakdown {
    /// How the promoter share applies, in a sentence.
    pub note: String,
    /// One unit bought through a promoter: the promoter share at its full rate.
    pub per_unit: OrderBreakdown,
    /// One unit bought without a promoter: no promoter pool.
    pub per_unit_direct: OrderBreakdown,
}

impl ListingPriceBreakdown {
    /// The breakdown of one unit at `unit_price` of a listing by `seller` with `splits`,
    /// `promoter_bps` and the fee in force `fee_bps`.
    pub fn of(
        seller: Address,
        unit_price: Amount,
        fee_bps: u16,
        promoter_bps: u16,
        splits: &[Split],
    ) -> Self {
        let terms = PayoutTerms { seller, fee_bps, promoter_bps, splits: splits.to_vec() };
        let note = if promoter_bps == 0 {
            "No promoter share: the listing sets promoter_bps to 0.".to_string()
        } else {
            format!(
                "The promoter share ({promoter_bps} bps of the amount after the fee) applies \
                 only to units bought through a promoter: per_unit shows it, per_unit_direct \
                 a unit bought without one."
            )
        };
        Self {
            note,
            per_unit: payout::breakdown(&terms, unit_price.0, 1, 1),
            per_unit_direct: payout::breakdown(&terms, unit_price.0, 0, 1),
        }
    }
}

/// One purchase of a listing: its own Escrow order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingPurchase {
    /// The purchase's Escrow order (`GET /v1/orders/{chain_id}/{order_id}`).
    pub order_id: OrderId,
    /// The buyer: sole buyer and only backer of the order.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub buyer: Address,
    /// Units bought.
    pub units: u64,
    /// Price paid per unit.
    pub unit_price: Amount,
    /// What the buyer paid: `units * unit_price`.
    pub amount: Amount,
    /// The listing's stock right after this purchase.
    pub stock_left: u64,
    /// The block of the purchase.
    pub block_number: u64,
    /// The purchase's transaction.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub tx_hash: B256,
    /// The time of the purchase's block.
    pub purchased_at: DateTime,
}

/// A listing of the same product (the same seller and metadata document) on the same chain:
/// the partner shops offering it, and the artisan's own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingOffer {
    /// The listing.
    pub listing_id: ListingId,
    /// The partner shop offering it; null for the artisan's own listing.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub partner: Option<Address>,
    /// The shop's name, from the newest metadata document naming it that the shop itself or
    /// the seller uploaded; null when none does.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub partner_name: Option<String>,
    /// Its price now.
    pub unit_price: Amount,
    /// Its units left.
    pub stock: u64,
}

/// One listing in full: the summary, what a buyer gets per purchase, one unit's price
/// breakdown, the metadata document, its recent purchases and every offer of the product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingDetail {
    /// The listing.
    #[serde(flatten)]
    pub summary: ListingSummary,
    /// What each purchase's order promises.
    pub terms: ListingTerms,
    /// One unit's price broken down; null until the mirror knows the fee in force.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub price_breakdown: Option<ListingPriceBreakdown>,
    /// The linked metadata document (cointent.metadata/1), or null when none is uploaded.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::metadata::MetadataDocument>, required = true)
    )]
    pub metadata: Option<MetadataJson>,
    /// The latest purchases, newest first (at most [`ListingDetail::MAX_PURCHASES`]).
    pub recent_purchases: Vec<ListingPurchase>,
    /// Every listing of the same product on this chain (this one included), by listing id:
    /// the partner shops offering it and the artisan's own.
    pub offers: Vec<ListingOffer>,
    /// The transaction that listed it.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub listed_tx: B256,
}

impl ListingDetail {
    /// The most purchases a detail shows.
    pub const MAX_PURCHASES: usize = 50;
}

flattened!(ListingDetail {
    summary: ListingSummary;
    terms: ListingTerms,
    price_breakdown: Option<ListingPriceBreakdown>,
    metadata: Option<MetadataJson>,
    recent_purchases: Vec<ListingPurchase>,
    offers: Vec<ListingOffer>,
    listed_tx: B256,
});

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;

    fn template() -> Terms {
        let json = r#"{"arbiter":"0x0606060606060606060606060606060606060606","bond_bps":500,
          "fee_bps":0,"funding_deadline":"1970-01-01T00:00:00Z","funding_deadline_unix":0,
          "max_units":0,"metadata_hash":"0x4242424242424242424242424242424242424242424242424242424242424242",
          "milestones":[{"bps":10000,"delivery_period":604800}],"min_units":0,"promoter_bps":500,
          "review_period":86400,"ruling_period":86400,
          "seller":"0x0404040404040404040404040404040404040404",
          "sole_buyer":"0x0000000000000000000000000000000000000000",
          "splits":[{"bps":1000,"recipient":"0x0505050505050505050505050505050505050505"}],
          "token":"0x0909090909090909090909090909090909090909","unit_price":"2000000"}"#;
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_purchase_fills_the_template_as_the_shop_does() {
        let t = template();
        let buyer = Address::repeat_byte(7);
        let p = purchase_terms(&t, Amount::from(2_500_000_u64), buyer, 3, 1_700_000_001, 100);
        assert_eq!((p.min_units, p.max_units, p.sole_buyer, p.fee_bps), (3, 3, buyer, 100));
        assert_eq!(p.unit_price, Amount::from(2_500_000_u64));
        assert_eq!(p.funding_deadline.as_str(), "2023-11-14T22:13:21Z");
        // Everything else is the template's, so the packed form differs only in those fields.
        assert_eq!((p.splits.clone(), p.milestones.clone()), (t.splits.clone(), t.milestones));
        assert_eq!(p.check(1_700_000_000), Ok(()), "the Escrow would accept it");
        assert_eq!(p.kind(), crate::OrderKind::Sale);
    }

    #[test]
    fn one_unit_breaks_down_with_and_without_a_promoter() {
        let t = template();
        let b = ListingPriceBreakdown::of(t.seller, t.unit_price, 100, t.promoter_bps, &t.splits);
        for part in [&b.per_unit, &b.per_unit_direct] {
            assert_eq!(part.amount, t.unit_price);
            assert_eq!(part.parts_sum(), U256::from(2_000_000));
            assert_eq!(part.platform_fee, Amount::from(20_000_u64));
        }
        assert_eq!(b.per_unit_direct.promoter_pool, Amount::ZERO);
        assert_eq!(b.per_unit.promoter_pool, Amount::from(99_000_u64));
        assert_eq!(b.per_unit.splits[0].amount, Amount::from(188_100_u64));
        assert!(b.note.contains("500 bps"));
        let terms = ListingTerms::of(&t, Bytes::new(), Some(100));
        assert_eq!((terms.fee_bps, terms.splits.len()), (Some(100), 1));
    }
}

/// `POST /v1/listings/{chain_id}/{listing_id}/updates`: a new price and stock for a listing,
/// with its artisan's signature (the Shop's EIP-712 `Update`, as its `updateDigest` view
/// computes it with the artisan's current nonce).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListingUpdateRequest {
    /// The new price of one unit, in the payment token's base units (decimal, 1 to 2^96 - 1).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{1,29}$"))]
    pub unit_price: String,
    /// The new stock.
    pub stock: u32,
    /// Unix seconds after which the signature is void; must be in the future.
    pub deadline: u64,
    /// The artisan's signature of the update's digest, as hex (`0x` optional, at most 8 KiB):
    /// a key's 65 bytes, a contract wallet's (EIP-1271), or ERC-6492 wrapped.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(0x)?([0-9a-fA-F]{2}){1,8192}$"))]
    pub signature: String,
}

/// The checked update as the transaction that makes it: anyone (the partner shop's system)
/// may send it; the Shop checks the artisan's signature again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingUpdateTransaction {
    /// The chain to send it on.
    pub chain_id: u64,
    /// The Shop.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub to: Address,
    /// `updateFor(listingId, unitPrice, stock, deadline, signature)` calldata, `0x` hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^0x([0-9a-f]{2})*$"))]
    pub data: Bytes,
    /// The artisan's nonce the signature is for; the update is void once another of the
    /// artisan's signed actions uses it.
    pub nonce: Amount,
    /// The EIP-712 digest the artisan signed.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub digest: B256,
}
