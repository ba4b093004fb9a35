//! The schemas utoipa derives from the types, against the API's OpenAPI document
//! (`tests/fixtures/openapi-schemas.json`: the hand-written document as it was when this crate
//! was made, with the members Escrow v2 added, removed or extended written in): same members,
//! same required ones, same nullability, compatible types, same enum values. A change to an
//! API type fails here until the document is changed with it, on purpose.

use std::collections::{BTreeMap, BTreeSet};

use cointent_domain::{
    Page, accounts::*, auth::*, catalogue::*, chains::*, error::*, events::*, governance::*,
    keys::*, listings::*, metadata::*, orders::*, pictures::*, transparency::*, treasury::*,
    webhooks::*,
};
use serde_json::{Map, Value, json};
use utoipa::{OpenApi, PartialSchema};

#[derive(OpenApi)]
#[openapi(components(schemas(
    OrderSummary,
    OrderDetail,
    OrderBreakdown,
    OrderPriceBreakdown,
    OrderMilestone,
    OrderPledge,
    OrderPromotion,
    OrderDispute,
    OrderProof,
    cointent_domain::Terms,
    ListingSummary,
    ListingDetail,
    ListingTerms,
    ListingPriceBreakdown,
    ListingPurchase,
    ListingOffer,
    ListingUpdateRequest,
    ListingUpdateTransaction,
    Account,
    CatalogueArtisan,
    CatalogueArtisanDetail,
    CataloguePartner,
    CataloguePartnerDetail,
    CatalogueProduct,
    ChainInfo,
    WalletConnectInfo,
    NativeCurrency,
    Event,
    TransparencyRecord,
    TransparencyOrder,
    TreasuryOverview,
    TreasuryBalance,
    TreasuryAllocation,
    TreasuryFlow,
    TreasuryReport,
    TreasuryReportRow,
    GovernanceProposal,
    GovernanceProposalDetail,
    GovernanceVote,
    GovernanceDelegate,
    AuthNonce,
    AuthVerifyRequest,
    AuthSession,
    AuthSessionList,
    ApiKeyInfo,
    MetadataStored,
    MetadataDocument,
    PictureStored,
    WebhookEventType,
    WebhookCreate,
    Webhook,
    WebhookCreated,
    WebhookList,
    WebhookDelivery,
    WebhookEvent,
    ErrorBody,
)))]
struct Doc;

/// The generated document, with the pages added under the hand-written names.
pub(crate) fn generated() -> Value {
    let mut doc = serde_json::to_value(Doc::openapi()).unwrap();
    let schemas = doc["components"]["schemas"].as_object_mut().unwrap();
    for (name, schema) in [
        ("OrderPage", Page::<OrderSummary>::schema()),
        ("EventPage", Page::<Event>::schema()),
        ("WebhookDeliveryPage", Page::<WebhookDelivery>::schema()),
        ("op:listArtisans", Page::<CatalogueArtisan>::schema()),
        ("op:listPartners", Page::<CataloguePartner>::schema()),
        ("op:listProducts", Page::<CatalogueProduct>::schema()),
        ("op:listListings", Page::<ListingSummary>::schema()),
        ("op:listProposals", Page::<GovernanceProposal>::schema()),
        ("op:listDelegates", Page::<GovernanceDelegate>::schema()),
        ("op:listEvents", Page::<Event>::schema()),
        ("op:listTreasuryFlows", Page::<TreasuryFlow>::schema()),
        ("op:listChains", Vec::<ChainInfo>::schema()),
    ] {
        schemas.insert(name.to_string(), serde_json::to_value(schema).unwrap());
    }
    doc
}

/// A schema reduced to what both documents must agree on.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Any value (a free-form schema).
    Any,
    /// An object with no declared members (free-form).
    AnyObject,
    Object {
        members: BTreeMap<String, (Shape, bool)>,
        required: BTreeSet<String>,
    },
    Map(Box<Shape>),
    Array(Box<Shape>),
    Scalar {
        ty: String,
        values: Option<BTreeSet<String>>,
    },
}

struct Reducer<'a> {
    schemas: &'a Map<String, Value>,
}

impl Reducer<'_> {
    /// The shape of `schema` and whether it admits null.
    fn reduce(&self, schema: &Value, depth: usize) -> (Shape, bool) {
        assert!(depth < 40, "schema too deep: {schema}");
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap();
            let target = self.schemas.get(name).unwrap_or_else(|| panic!("no schema {name}"));
            let (shape, nullable) = self.reduce(target, depth + 1);
            return (shape, nullable || schema["nullable"] == json!(true));
        }
        let mut nullable = schema["nullable"] == json!(true);
        for key in ["oneOf", "anyOf"] {
            if let Some(list) = schema.get(key).and_then(Value::as_array) {
                let parts: Vec<_> = list.iter().filter(|p| p["type"] != json!("null")).collect();
                nullable |= parts.len() < list.len();
                assert_eq!(parts.len(), 1, "a {key} of several shapes: {schema}");
                let (shape, inner) = self.reduce(parts[0], depth + 1);
                return (shape, nullable || inner);
            }
        }
        if let Some(list) = schema.get("allOf").and_then(Value::as_array) {
            let mut members = BTreeMap::new();
            let mut required = BTreeSet::new();
            for part in list {
                match self.reduce(part, depth + 1).0 {
                    Shape::Object { members: m, required: r } => {
                        members.extend(m);
                        required.extend(r);
                    }
                    Shape::AnyObject => {}
                    other => panic!("allOf of a non-object: {other:?}"),
                }
            }
            return (Shape::Object { members, required }, nullable);
        }
        let ty = match &schema["type"] {
            Value::String(t) => t.clone(),
            Value::Array(types) => {
                nullable |= types.contains(&json!("null"));
                let rest: Vec<_> = types.iter().filter(|t| **t != json!("null")).collect();
                assert_eq!(rest.len(), 1, "several types: {schema}");
                rest[0].as_str().unwrap().to_string()
            }
            Value::Null if schema.get("properties").is_some() => "object".into(),
            Value::Null => return (Shape::Any, true),
            other => panic!("type {other}"),
        };
        let shape = match ty.as_str() {
            "object" => match (schema.get("properties"), schema.get("additionalProperties")) {
                (Some(Value::Object(props)), _) => Shape::Object {
                    members: props
                        .iter()
                        .map(|(k, v)| (k.clone(), self.reduce(v, depth + 1)))
                        .collect(),
                    required: schema["required"]
                        .as_array()
                        .map(|r| r.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                        .unwrap_or_default(),
                },
                (_, Some(values @ Value::Object(_))) => {
                    Shape::Map(Box::new(self.reduce(values, depth + 1).0))
                }
                _ => Shape::AnyObject,
            },
            "array" => Shape::Array(Box::new(self.reduce(&schema["items"], depth + 1).0)),
            "number" | "integer" | "string" | "boolean" => Shape::Scalar {
                ty,
                values: schema["enum"].as_array().map(|values| {
                    values.iter().filter(|v| !v.is_null()).map(|v| v.to_string()).collect()
                }),
            },
            other => panic!("type {other}"),
        };
        (shape, nullable)
    }
}

/// Where `mine` differs from `theirs` (the hand-written schema), as readable lines.
fn compare(path: &str, theirs: &Shape, mine: &Shape, out: &mut Vec<String>) {
    match (theirs, mine) {
        (Shape::Any, _)
        | (Shape::AnyObject, Shape::AnyObject | Shape::Object { .. } | Shape::Map(_)) => {}
        (_, Shape::Any) => out.push(format!("{path}: typed {theirs:?} there, any value here")),
        (
            Shape::Object { members: tm, required: tr },
            Shape::Object { members: mm, required: mr },
        ) => {
            for name in tm.keys().chain(mm.keys()).collect::<BTreeSet<_>>() {
                let at = format!("{path}.{name}");
                match (tm.get(name), mm.get(name)) {
                    (Some(_), None) => out.push(format!("{at}: missing here")),
                    (None, Some(_)) => out.push(format!("{at}: not in the document")),
                    (Some((t, tn)), Some((m, mn))) => {
                        if tn != mn {
                            out.push(format!("{at}: nullable {tn} there, {mn} here"));
                        }
                        if tr.contains(name) != mr.contains(name) {
                            let (a, b) = (tr.contains(name), mr.contains(name));
                            out.push(format!("{at}: required {a} there, {b} here"));
                        }
                        compare(&at, t, m, out);
                    }
                    (None, None) => unreachable!(),
                }
            }
        }
        (Shape::Map(t), Shape::Map(m)) | (Shape::Array(t), Shape::Array(m)) => {
            compare(&format!("{path}[]"), t, m, out)
        }
        (Shape::Scalar { ty: tt, values: tv }, Shape::Scalar { ty: mt, values: mv }) => {
            if tt != mt {
                out.push(format!("{path}: {tt} there, {mt} here"));
            }
            if tv.is_some() && tv != mv {
                out.push(format!("{path}: values {tv:?} there, {mv:?} here"));
            }
        }
        _ => out.push(format!("{path}: {theirs:?} there, {mine:?} here")),
    }
}

/// Differences the types keep on purpose, as `compare` words them (none today: the types
/// and the document agree on every member, requirement and nullability).
const KNOWN: &[&str] = &[];

#[test]
fn generated_schemas_match_the_api_document() {
    let fixture: Value =
        serde_json::from_str(include_str!("../fixtures/openapi-schemas.json")).unwrap();
    let theirs = fixture["schemas"].as_object().unwrap();
    let doc = generated();
    let mine = doc["components"]["schemas"].as_object().unwrap();
    let (t, m) = (Reducer { schemas: theirs }, Reducer { schemas: mine });
    let mut diffs = Vec::new();
    for (name, schema) in theirs {
        // Building blocks the types express as field types or patterns.
        if ["Address", "Hash", "Amount", "MetadataAddress", "MetadataUrl"].contains(&name.as_str())
        {
            continue;
        }
        let ours = match mine.get(name) {
            Some(s) => s,
            None => {
                diffs.push(format!("{name}: no schema here"));
                continue;
            }
        };
        let (ts, tn) = t.reduce(schema, 0);
        let (ms, mn) = m.reduce(ours, 0);
        if tn != mn {
            diffs.push(format!("{name}: nullable {tn} there, {mn} here"));
        }
        compare(name, &ts, &ms, &mut diffs);
    }
    let unexpected: Vec<&String> = diffs.iter().filter(|d| !KNOWN.contains(&d.as_str())).collect();
    assert!(
        unexpected.is_empty(),
        "differences:\n{}",
        unexpected.iter().map(|d| d.as_str()).collect::<Vec<_>>().join("\n")
    );
    let stale: Vec<&&str> = KNOWN.iter().filter(|k| !diffs.iter().any(|d| d == *k)).collect();
    assert!(stale.is_empty(), "known differences that no longer occur: {stale:?}");
}

/// `cargo test -p cointent-domain --features openapi --test it print_generated -- --ignored
/// --nocapture` shows what the API's generated document will contain.
#[test]
#[ignore = "prints the generated schemas"]
fn print_generated() {
    println!("{}", serde_json::to_string_pretty(&generated()).unwrap());
}
