//! The catalogue area of the API: artisans, partner shops and products as the makers describe
//! them in their metadata documents (`GET /v1/artisans`, `/v1/artisans/{address}`,
//! `/v1/partners`, `/v1/partners/{address}`, `/v1/products`). Only documents linked to a
//! mirrored order or Shop listing count.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::{flatten::flattened, metadata::MetadataJson, orders::OrderSummary};

/// An arbiter that orders name, with how much it has been trusted and tried
/// (`GET /v1/arbiters`): what a maker picking an arbiter wants to see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueArbiter {
    /// The chain.
    pub chain_id: u64,
    /// The arbiter's address (lower-case).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// Orders naming it.
    pub orders: u64,
    /// Disputes it ruled on itself (not the default ruling).
    pub rulings: u64,
    /// Disputes that went to the default ruling because it did not rule in time.
    pub missed: u64,
    /// Disputes waiting for its ruling now.
    pub open_disputes: u64,
}

/// An artisan named by linked documents (the newest document's description wins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueArtisan {
    /// The artisan's address (lower-case).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// Their name.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: Option<String>,
    /// Their region.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub region: Option<String>,
    /// Their craft.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub craft: Option<String>,
    /// Their story.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub story: Option<String>,
    /// Linked documents describing a product.
    pub products: u64,
    /// Orders linked to the artisan's documents.
    pub orders: u64,
    /// Shop listings linked to the artisan's documents.
    pub listings: u64,
}

/// One artisan with their orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueArtisanDetail {
    /// The artisan.
    #[serde(flatten)]
    pub artisan: CatalogueArtisan,
    /// Their orders, newest first (at most 200).
    pub items: Vec<OrderSummary>,
}

flattened!(CatalogueArtisanDetail { artisan: CatalogueArtisan; items: Vec<OrderSummary> });

/// A partner shop named by linked documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CataloguePartner {
    /// The shop's address (lower-case).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: Option<String>,
    /// Its city.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub city: Option<String>,
    /// Its web site.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub url: Option<String>,
    /// Its story.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub story: Option<String>,
    /// Linked documents describing a product.
    pub products: u64,
    /// Orders linked to the shop's documents.
    pub orders: u64,
    /// Shop listings linked to the shop's documents (naming it as their partner shop, or in
    /// their splits).
    pub listings: u64,
}

/// One partner shop with its orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CataloguePartnerDetail {
    /// The shop.
    #[serde(flatten)]
    pub partner: CataloguePartner,
    /// Its orders, newest first (at most 200).
    pub items: Vec<OrderSummary>,
}

flattened!(CataloguePartnerDetail { partner: CataloguePartner; items: Vec<OrderSummary> });

/// An order whose document describes a product: the summary with the document's `product`,
/// `artisan` and `partner` members as in the document.
// `MetadataJson::parse` gives their typed views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueProduct {
    /// The order.
    #[serde(flatten)]
    pub summary: OrderSummary,
    /// The document's product.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::metadata::MetadataProduct>, required = true)
    )]
    pub product: Option<MetadataJson>,
    /// The document's artisan.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::metadata::MetadataArtisan>, required = true)
    )]
    pub artisan: Option<MetadataJson>,
    /// The document's partner shop.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::metadata::MetadataPartner>, required = true)
    )]
    pub partner: Option<MetadataJson>,
}

flattened!(CatalogueProduct {
    summary: OrderSummary;
    product: Option<MetadataJson>,
    artisan: Option<MetadataJson>,
    partner: Option<MetadataJson>,
});

/// One value of a facet (a region, a craft or a category) with what the catalogue holds
/// under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facet {
    /// The value as the newest documents spell it.
    pub value: String,
    /// Artisans with it.
    pub artisans: u64,
    /// Products (documents describing one) with it.
    pub products: u64,
    /// Shop listings with it.
    pub listings: u64,
    /// Orders with it.
    pub orders: u64,
}

/// The catalogue's regions, crafts and categories with their counts
/// (`GET /v1/catalogue/facets`), most used first: what a region explorer or a craft
/// browser lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueFacets {
    /// The artisans' regions (`artisan.region`).
    pub regions: Vec<Facet>,
    /// The artisans' crafts (`artisan.craft`).
    pub crafts: Vec<Facet>,
    /// The documents' categories (`category`).
    pub categories: Vec<Facet>,
}
