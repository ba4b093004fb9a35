//! The `metadata` area of the API: content-addressed order metadata documents
//! (`POST /v1/metadata`, answered with [`MetadataStored`]; `GET /v1/metadata/{hash}`, the
//! exact bytes uploaded).
//!
//! A document's hash is the keccak256 of its exact bytes, so where the API hands a stored
//! document on (an order's `metadata`, a product's `product`, `artisan` and `partner`) it
//! stays JSON, [`MetadataJson`], which keeps every member as stored. [`MetadataDocument`] and
//! its parts are the typed view of `cointent.metadata/1` ([`MetadataJson::parse`]), and what
//! the app builds a new document from. Addresses inside a document stay text: rewriting their
//! case would change the document's bytes and so its hash.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::{OrderId, OrderKind};

/// A stored metadata document, or one of its members, as JSON (kept as stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MetadataJson(pub serde_json::Value);

impl MetadataJson {
    /// The typed view: [`MetadataDocument`] for a whole document, [`MetadataProduct`],
    /// [`MetadataArtisan`] or [`MetadataPartner`] for a product's members. Fails when the
    /// JSON does not have that shape.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.0)
    }

    /// The whole document, typed.
    pub fn document(&self) -> Result<MetadataDocument, serde_json::Error> {
        self.parse()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for MetadataJson {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .description(Some("A metadata document (cointent.metadata/1), or one of its members."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for MetadataJson {}

/// Schemas of a document's text members that the API checks beyond their type.
#[cfg(feature = "openapi")]
pub mod schema {
    use std::borrow::Cow;

    use utoipa::{
        PartialSchema, ToSchema,
        openapi::{ObjectBuilder, RefOr, schema::Schema, schema::Type},
    };

    /// A URL a document may carry: `http(s)://` or `ipfs://`, no whitespace, at most 2048
    /// characters.
    pub struct MetadataUrl;

    impl PartialSchema for MetadataUrl {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^(https?|ipfs)://\S+$"))
                .max_length(Some(2048))
                .description(Some("An http(s):// or ipfs:// URL."))
                .examples(["ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"])
                .into()
        }
    }

    impl ToSchema for MetadataUrl {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("MetadataUrl")
        }
    }

    /// A product's material: 1 to 100 characters.
    pub struct Material;

    impl PartialSchema for Material {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(100))
                .description(Some("A material, 1 to 100 characters."))
                .examples(["clay"])
                .into()
        }
    }

    impl ToSchema for Material {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("MetadataMaterial")
        }
    }
}

/// The schema version of a metadata document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MetadataSchema {
    /// `cointent.metadata/1`.
    #[default]
    #[serde(rename = "cointent.metadata/1")]
    V1,
}

/// A metadata document, `cointent.metadata/1`: what an order's `Terms.metadataHash` commits
/// to. The API refuses unknown members and checks the lengths given here; absent members are
/// left out when serialized.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetadataDocument {
    /// Always `cointent.metadata/1`.
    pub schema: MetadataSchema,
    /// The kind of trade.
    pub kind: OrderKind,
    /// 1 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: String,
    /// At most 5000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 5000))]
    pub description: Option<String>,
    /// At most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 100))]
    pub category: Option<String>,
    /// Image URLs (`http(s)://` or `ipfs://`), at most 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, max_items = 20, value_type = Option<Vec<schema::MetadataUrl>>)
    )]
    pub images: Option<Vec<String>>,
    /// The product sold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub product: Option<MetadataProduct>,
    /// The artisan who makes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub artisan: Option<MetadataArtisan>,
    /// The partner shop that sells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub partner: Option<MetadataPartner>,
    /// What each milestone delivers, at most 32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_items = 32))]
    pub milestones: Option<Vec<MetadataMilestone>>,
    /// Labels of the split recipients, at most 16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_items = 16))]
    pub splits: Option<Vec<MetadataSplit>>,
}

impl MetadataDocument {
    /// A document of `kind` titled `title`, with nothing else.
    pub fn new(kind: OrderKind, title: impl Into<String>) -> Self {
        Self {
            schema: MetadataSchema::V1,
            kind,
            title: title.into(),
            description: None,
            category: None,
            images: None,
            product: None,
            artisan: None,
            partner: None,
            milestones: None,
            splits: None,
        }
    }
}

/// A document's product.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetadataProduct {
    /// 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// 1 to 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 100))]
    pub sku: Option<String>,
    /// Each 1 to 100 characters, at most 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, max_items = 50, value_type = Option<Vec<schema::Material>>)
    )]
    pub materials: Option<Vec<String>>,
    /// Its GS1 trade item number (GTIN-8, -12, -13 or -14, with its check digit): a sale of
    /// it gets a GS1 Digital Link QR code (`/01/<GTIN>/21/<serial>`) that retail scanners
    /// read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, pattern = "^([0-9]{8}|[0-9]{12,14})$")
    )]
    pub gtin: Option<String>,
}

/// `text` as a GTIN-14 (zero-padded on the left), when it is a GTIN-8, -12, -13 or -14 whose
/// last digit is its GS1 check digit: from the right, the other digits weigh 3, 1, 3, ...,
/// and the check digit brings the sum to a multiple of ten.
pub fn gtin14(text: &str) -> Option<String> {
    if !matches!(text.len(), 8 | 12 | 13 | 14) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 =
        body.iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
    ((10 - sum % 10) % 10 == check[0]).then(|| format!("{text:0>14}"))
}

/// A document's artisan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetadataArtisan {
    /// `0x` hex address; when set, it must be the uploader's (or the partner's must be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, value_type = Option<crate::primitives::schema::Address>)
    )]
    pub address: Option<String>,
    /// 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 200))]
    pub region: Option<String>,
    /// 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 200))]
    pub craft: Option<String>,
    /// 1 to 5000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 5000))]
    pub story: Option<String>,
}

/// A document's partner shop.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetadataPartner {
    /// `0x` hex address; when set, it must be the uploader's (or the artisan's must be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, value_type = Option<crate::primitives::schema::Address>)
    )]
    pub address: Option<String>,
    /// 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 200))]
    pub city: Option<String>,
    /// Its web site (`http(s)://` or `ipfs://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, value_type = Option<schema::MetadataUrl>)
    )]
    pub url: Option<String>,
    /// 1 to 5000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 5000))]
    pub story: Option<String>,
}

/// What one milestone delivers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetadataMilestone {
    /// 1 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: String,
    /// The date it is due, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, format = Date))]
    pub due: Option<String>,
}

/// A label for a split recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetadataSplit {
    /// `0x` hex address of the split's recipient.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub recipient: String,
    /// 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, min_length = 1, max_length = 200))]
    pub label: Option<String>,
}

/// The answer to an upload: the document's hash and the orders already linked to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetadataStored {
    /// keccak256 of the exact bytes uploaded.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub hash: alloy_primitives::B256,
    /// Orders whose terms carry that hash (at most 1000).
    pub linked_orders: Vec<LinkedOrder>,
}

/// An order linked to a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedOrder {
    /// The chain.
    pub chain_id: u64,
    /// The order.
    pub order_id: OrderId,
}

#[cfg(test)]
mod tests {
    use super::gtin14;

    #[test]
    fn gtins_are_checked_and_padded_to_fourteen_digits() {
        // GS1's own examples: a GTIN-13, -12, -8 and -14.
        assert_eq!(gtin14("4006381333931").as_deref(), Some("04006381333931"));
        assert_eq!(gtin14("036000291452").as_deref(), Some("00036000291452"));
        assert_eq!(gtin14("96385074").as_deref(), Some("00000096385074"));
        assert_eq!(gtin14("10614141000415").as_deref(), Some("10614141000415"));
        // A wrong check digit, a wrong length, not digits.
        for bad in ["4006381333932", "40063813339", "400638133393a", "", "123456789012345"] {
            assert_eq!(gtin14(bad), None, "{bad}");
        }
    }
}
