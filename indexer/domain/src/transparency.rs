//! The `transparency` area of the API: `GET /v1/transparency/{chain_id}/{order_id}`, an
//! order's record with the proof a browser needs to check it against the chain itself
//! ([`TransparencyRecord`]).

use serde::{Deserialize, Serialize};

use crate::{
    Terms,
    flatten::flattened,
    metadata::MetadataJson,
    orders::{OrderMilestone, OrderPriceBreakdown, OrderProof, OrderSummary},
};

/// An order's record and its proof: `keccak256(proof.terms_packed)` is the terms hash the
/// Escrow stores (the lens's `termsHashOf`), and the `OrderCreated` event sits at the given
/// block and log index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransparencyRecord {
    /// What the mirror says about the order.
    pub record: TransparencyOrder,
    /// Where to check it on chain.
    pub proof: OrderProof,
}

/// The order part of a transparency record: the summary with the terms, milestones, price
/// breakdown and metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransparencyOrder {
    /// The fields lists show.
    #[serde(flatten)]
    pub summary: OrderSummary,
    /// The on-chain terms.
    pub terms: Terms,
    /// Every milestone of the terms, in order.
    pub milestones: Vec<OrderMilestone>,
    /// Where the money goes.
    pub price_breakdown: OrderPriceBreakdown,
    /// The linked metadata document (cointent.metadata/1), or null when none is uploaded.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::metadata::MetadataDocument>, required = true)
    )]
    pub metadata: Option<MetadataJson>,
}

flattened!(TransparencyOrder {
    summary: OrderSummary;
    terms: Terms,
    milestones: Vec<OrderMilestone>,
    price_breakdown: OrderPriceBreakdown,
    metadata: Option<MetadataJson>,
});
