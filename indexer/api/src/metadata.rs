//! The `metadata` area of the API: content-addressed metadata documents.
//!
//! A signed-in maker uploads a document; its key is the keccak256 of the exact bytes sent,
//! the hash an order's `Terms.metadataHash` carries. Orders link to a document by that hash,
//! whenever either arrives first.
//!
//! Who may upload what: any signed-in address may upload a document that names no one
//! (`artisan.address` and `partner.address` absent); a document that names an artisan or a
//! partner must name the signed-in address as one of them, so nobody publishes a story in
//! another maker's name. The uploader is recorded as `uploaded_by` either way.
//!
//! Which orders a document describes: an order's metadata hash is public and anyone can put
//! it in their own order's terms, so a document describes (and its artisan or partner is
//! shown on) only the orders whose seller or a split recipient is its uploader or an address
//! it names (storage's `metadata_links`).
//!
//! What the bytes say is what the API shows: a document repeating a member name (JSON
//! parsers disagree on which value wins, and the hash covers both) is refused, and so are
//! the bidirectional override and isolate characters (U+202A-U+202E, U+2066-U+2069), which
//! make a name display as another.

use alloy::primitives::keccak256;
use axum::{
    Json,
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use cointent_domain::{
    error::ErrorBody,
    metadata::{MetadataDocument, MetadataStored},
    time::parse_unix,
};
use cointent_storage::read::metadata::{self as read, NewDocument};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiPath, ApiResult},
    identity::Session,
    params,
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload)).routes(routes!(fetch))
}

/// Store a metadata document under the keccak256 of its exact bytes.
///
/// The body's exact bytes are hashed with keccak256; an order links to the document when its
/// on-chain Terms.metadataHash equals that hash (on any chain, before or after the upload)
/// and its seller or a split recipient is the uploader or an address the document names
/// (`linked_orders` lists them). At most http.metadata_max_bytes (64 KiB by default),
/// Content-Type application/json, schema cointent.metadata/1 (unknown keys are refused; the
/// 400 names the field, e.g. `artisan.address`, `images[2]`; a milestone's `due` must be a
/// real date). Refused too: a member name repeated in one object, and the bidirectional
/// override and isolate characters U+202A-U+202E and U+2066-U+2069 in any string. A document
/// naming `artisan.address` or `partner.address` must name the signed-in address as one of
/// them (403 otherwise); the uploader is recorded either way. 201 when stored now, 200 when
/// it was already stored.
#[utoipa::path(
    post,
    path = "/metadata",
    operation_id = "uploadMetadata",
    tag = "metadata",
    security(("session" = [])),
    request_body = MetadataDocument,
    responses(
        (status = 200, description = "Already stored.", body = MetadataStored),
        (status = 201, description = "Stored.", body = MetadataStored),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, description = "Larger than http.metadata_max_bytes (64 KiB by default).", body = ErrorBody),
        (status = 415, description = "Not application/json.", body = ErrorBody),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn upload(
    State(s): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<MetadataStored>)> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_type {
        return Err(ApiError::UnsupportedMediaType(
            "expected Content-Type: application/json".into(),
        ));
    }
    let max = s.config.http.metadata_max_bytes;
    let too_large = || ApiError::PayloadTooLarge(format!("a document is at most {max} bytes"));
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::bad("body", r.body_text())
        }
    })?;
    if body.len() > max {
        return Err(too_large());
    }
    let document: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad("body", format!("not JSON: {e}")))?;
    unique_keys(&body).map_err(|(field, message)| ApiError::bad(field, message))?;
    validate(&document).map_err(|(field, message)| ApiError::bad(field, message))?;
    let named: Vec<&str> = ["artisan", "partner"]
        .iter()
        .filter_map(|k| document.get(k)?.get("address")?.as_str())
        .collect();
    if !named.is_empty() && !named.iter().any(|a| a.eq_ignore_ascii_case(&session.address)) {
        return Err(ApiError::Forbidden(
            "the document names an artisan or partner: one of them must be the signed-in address"
                .into(),
        ));
    }
    let hash = keccak256(&body);
    let hash_text = format!("{hash:#x}");
    let new = NewDocument {
        hash: &hash_text,
        raw: &body,
        document: &document,
        uploaded_by: &session.address,
    };
    let inserted = read::store(&s.pool, &new).await?;
    if inserted {
        // Lists and details show the document's title, region and craft.
        cointent_storage::read::details::forget_linked(&s.pool, &hash_text).await?;
        crate::cache::changed_here(&s).await;
    }
    let linked_orders = read::linked_orders(&s.pool, &hash_text).await?;
    let status = if inserted { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(MetadataStored { hash, linked_orders })))
}

/// A stored metadata document, byte for byte.
///
/// The exact bytes uploaded: their keccak256 is `hash`.
#[utoipa::path(
    get,
    path = "/metadata/{hash}",
    operation_id = "getMetadata",
    tag = "metadata",
    params(
        ("hash" = cointent_domain::primitives::schema::Hash, Path, description = "The document's keccak256."),
    ),
    responses(
        (status = 200, description = "The document.", body = MetadataDocument),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn fetch(
    State(s): State<AppState>,
    ApiPath(hash): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let hash = params::hash("hash", &hash)?;
    let raw = read::raw(&s.pool, &hash)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("metadata {hash}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            // The bytes can never change for a given hash.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        raw,
    ))
}

type Invalid = (String, String);

fn bad(field: &str, message: impl Into<String>) -> Invalid {
    (field.to_string(), message.into())
}

/// Refuses a document (already known to be JSON) that repeats a member name in an object,
/// naming the repeated field (`title`, `artisan.name`, `milestones[0].title`).
fn unique_keys(bytes: &[u8]) -> Result<(), Invalid> {
    let repeated = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let walked = Unique { path: String::new(), repeated: &repeated }.deserialize(&mut de);
    match (walked, repeated.into_inner()) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(field)) => Err(bad(&field, "appears twice in one object")),
        (Err(e), None) => Err(bad("body", format!("not JSON: {e}"))),
    }
}

/// Walks a JSON value without keeping it, stopping at the first repeated member name.
struct Unique<'a> {
    /// Where the walk is, as [`validate`] names fields.
    path: String,
    /// The repeated member's path, once found.
    repeated: &'a std::cell::RefCell<Option<String>>,
}

impl Unique<'_> {
    fn at(&self, child: String) -> Self {
        Self { path: child, repeated: self.repeated }
    }
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path =
                if self.path.is_empty() { key.clone() } else { format!("{}.{key}", self.path) };
            if !seen.insert(key) {
                *self.repeated.borrow_mut() = Some(path);
                return Err(de::Error::custom("repeated member name"));
            }
            map.next_value_seed(self.at(path))?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq.next_element_seed(self.at(format!("{}[{i}]", self.path)))?.is_some() {
            i += 1;
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Checks a document against `cointent.metadata/1`; the error names the field.
pub(crate) fn validate(doc: &Value) -> Result<(), Invalid> {
    no_nul(doc, "body")?;
    let top = object(doc, "body")?;
    known(
        top,
        "",
        &[
            "schema",
            "kind",
            "title",
            "description",
            "category",
            "images",
            "product",
            "artisan",
            "partner",
            "milestones",
            "splits",
        ],
    )?;
    match top.get("schema") {
        Some(Value::String(s)) if s == "cointent.metadata/1" => {}
        None => return Err(bad("schema", "required: \"cointent.metadata/1\"")),
        _ => return Err(bad("schema", "must be \"cointent.metadata/1\"")),
    }
    match top.get("kind").and_then(Value::as_str) {
        Some("collective" | "sale" | "freelance") => {}
        None if !top.contains_key("kind") => return Err(bad("kind", "required")),
        _ => return Err(bad("kind", "must be collective, sale or freelance")),
    }
    if !top.contains_key("title") {
        return Err(bad("title", "required"));
    }
    text(top, "", "title", 1, 200)?;
    text(top, "", "description", 0, 5000)?;
    text(top, "", "category", 0, 100)?;
    if let Some(images) = top.get("images") {
        let list = array(images, "images", 20)?;
        for (i, image) in list.iter().enumerate() {
            let field = format!("images[{i}]");
            let url = image.as_str().ok_or_else(|| bad(&field, "must be a URL string"))?;
            url_like(&field, url)?;
        }
    }
    if let Some(product) = top.get("product") {
        let p = object(product, "product")?;
        known(p, "product.", &["name", "sku", "materials", "gtin"])?;
        text(p, "product.", "name", 1, 200)?;
        text(p, "product.", "sku", 1, 100)?;
        if let Some(gtin) = p.get("gtin")
            && gtin.as_str().and_then(cointent_domain::metadata::gtin14).is_none()
        {
            return Err(bad(
                "product.gtin",
                "must be a GTIN-8, -12, -13 or -14 (digits, the last one its GS1 check digit)",
            ));
        }
        if let Some(materials) = p.get("materials") {
            for (i, m) in array(materials, "product.materials", 50)?.iter().enumerate() {
                string(m, &format!("product.materials[{i}]"), 1, 100)?;
            }
        }
    }
    for (key, fields) in [
        ("artisan", ["address", "name", "region", "craft", "story"]),
        ("partner", ["address", "name", "city", "url", "story"]),
    ] {
        let Some(value) = top.get(key) else { continue };
        let o = object(value, key)?;
        let prefix = format!("{key}.");
        known(o, &prefix, &fields)?;
        if let Some(a) = o.get("address") {
            address(a, &format!("{key}.address"))?;
        }
        for f in &fields[1..] {
            let max = if *f == "story" { 5000 } else { 200 };
            text(o, &prefix, f, 1, max)?;
        }
        if let Some(url) = o.get("url") {
            url_like(&format!("{key}.url"), url.as_str().unwrap_or_default())?;
        }
    }
    if let Some(milestones) = top.get("milestones") {
        for (i, m) in array(milestones, "milestones", 32)?.iter().enumerate() {
            let field = format!("milestones[{i}]");
            let o = object(m, &field)?;
            let prefix = format!("{field}.");
            known(o, &prefix, &["title", "due"])?;
            if !o.contains_key("title") {
                return Err(bad(&format!("{prefix}title"), "required"));
            }
            text(o, &prefix, "title", 1, 200)?;
            if let Some(due) = o.get("due") {
                let f = format!("{prefix}due");
                let d = due.as_str().ok_or_else(|| bad(&f, "must be a YYYY-MM-DD string"))?;
                if d.len() != 10 || parse_unix(&format!("{d}T00:00:00Z")).is_err() {
                    return Err(bad(&f, "must be a date YYYY-MM-DD"));
                }
            }
        }
    }
    if let Some(splits) = top.get("splits") {
        for (i, s) in array(splits, "splits", 16)?.iter().enumerate() {
            let field = format!("splits[{i}]");
            let o = object(s, &field)?;
            let prefix = format!("{field}.");
            known(o, &prefix, &["recipient", "label"])?;
            let recipient =
                o.get("recipient").ok_or_else(|| bad(&format!("{prefix}recipient"), "required"))?;
            address(recipient, &format!("{prefix}recipient"))?;
            text(o, &prefix, "label", 1, 200)?;
        }
    }
    Ok(())
}

fn object<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>, Invalid> {
    v.as_object().ok_or_else(|| bad(field, "must be an object"))
}

fn array<'a>(v: &'a Value, field: &str, max: usize) -> Result<&'a Vec<Value>, Invalid> {
    let list = v.as_array().ok_or_else(|| bad(field, "must be an array"))?;
    if list.len() > max {
        return Err(bad(field, format!("at most {max} entries")));
    }
    Ok(list)
}

fn known(o: &Map<String, Value>, prefix: &str, allowed: &[&str]) -> Result<(), Invalid> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(bad(&format!("{prefix}{k}"), "unknown key")),
        None => Ok(()),
    }
}

/// The bidirectional override and isolate characters: text after them displays reordered,
/// so a name can read as another.
fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Postgres text and JSONB cannot hold U+0000, and bidirectional controls disguise names:
/// refuse them anywhere, naming where.
fn no_nul(v: &Value, field: &str) -> Result<(), Invalid> {
    match v {
        Value::String(s) if s.contains('\0') => Err(bad(field, "must not contain U+0000")),
        Value::String(s) if s.chars().any(bidi_control) => Err(bad(
            field,
            "must not contain bidirectional override or isolate characters \
             (U+202A-U+202E, U+2066-U+2069)",
        )),
        Value::Array(items) => {
            items.iter().enumerate().try_for_each(|(i, v)| no_nul(v, &format!("{field}[{i}]")))
        }
        Value::Object(members) => members.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                return Err(bad(field, "member names must not contain U+0000"));
            }
            let path = if field == "body" { k.clone() } else { format!("{field}.{k}") };
            no_nul(v, &path)
        }),
        _ => Ok(()),
    }
}

fn string(v: &Value, field: &str, min: usize, max: usize) -> Result<(), Invalid> {
    let s = v.as_str().ok_or_else(|| bad(field, "must be a string"))?;
    let n = s.chars().count();
    if n < min || n > max {
        return Err(bad(field, format!("must be {min} to {max} characters")));
    }
    Ok(())
}

/// An optional string member `key` of `o`.
fn text(
    o: &Map<String, Value>,
    prefix: &str,
    key: &str,
    min: usize,
    max: usize,
) -> Result<(), Invalid> {
    match o.get(key) {
        Some(v) => string(v, &format!("{prefix}{key}"), min, max),
        None => Ok(()),
    }
}

fn address(v: &Value, field: &str) -> Result<(), Invalid> {
    let s = v.as_str().ok_or_else(|| bad(field, "must be a 0x address string"))?;
    params::address(field, s).map(drop).map_err(|_| bad(field, "not a 20-byte 0x-hex address"))
}

fn url_like(field: &str, url: &str) -> Result<(), Invalid> {
    let ok = ["https://", "http://", "ipfs://"].iter().any(|p| url.starts_with(p))
        && url.len() <= 2048
        && !url.contains(char::is_whitespace);
    if ok { Ok(()) } else { Err(bad(field, "must be an http(s):// or ipfs:// URL")) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schema_errors_name_the_field() {
        let good = json!({
            "schema": "cointent.metadata/1", "kind": "sale", "title": "Bowl",
            "images": ["https://x/y.png"],
            "product": {"name": "Bowl", "materials": ["clay"]},
            "artisan": {"address": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "craft": "pottery"},
            "milestones": [{"title": "ship", "due": "2026-12-01"}],
            "splits": [{"recipient": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "label": "shop"}]
        });
        validate(&good).unwrap();
        let cases = [
            ("/schema", json!("other"), "schema"),
            ("/kind", json!("gift"), "kind"),
            ("/title", json!(""), "title"),
            ("/images/0", json!("ftp://x"), "images[0]"),
            ("/artisan/address", json!("0x12"), "artisan.address"),
            ("/milestones/0/due", json!("2026-13-01"), "milestones[0].due"),
            // Impossible dates are refused too (the hand-written parser took any day 1-31).
            ("/milestones/0/due", json!("2026-02-30"), "milestones[0].due"),
            ("/milestones/0/due", json!("2025-02-29"), "milestones[0].due"),
            ("/milestones/0/due", json!("2026-04-31"), "milestones[0].due"),
            ("/product/colour", json!("red"), "product.colour"),
            ("/bogus", json!(1), "bogus"),
            ("/splits/0/recipient", json!(7), "splits[0].recipient"),
            ("/title", json!("a\u{0}b"), "title"),
            ("/product/materials/0", json!("\u{0}"), "product.materials[0]"),
            ("/artisan/name", json!("Aiko\u{202E}"), "artisan.name"),
            ("/title", json!("\u{2067}Bowl"), "title"),
            ("/splits/0/label", json!("shop\u{2069}"), "splits[0].label"),
        ];
        for (pointer, value, field) in cases {
            let mut doc = good.clone();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let target = doc.pointer_mut(parent).unwrap();
            match target {
                Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
                Value::Object(o) => {
                    o.insert(key.to_string(), value);
                }
                _ => unreachable!(),
            }
            assert_eq!(validate(&doc).unwrap_err().0, field, "{pointer}");
        }
        let mut leap = good.clone();
        leap["milestones"][0]["due"] = json!("2028-02-29");
        validate(&leap).unwrap();
        let mut doc = good.clone();
        doc.as_object_mut().unwrap().remove("title");
        assert_eq!(validate(&doc).unwrap_err().0, "title");
        // Right-to-left text is not refused, only the controls that reorder it.
        let mut rtl = good.clone();
        rtl["title"] = json!("\u{200F}وعاء");
        validate(&rtl).unwrap();
    }

    #[test]
    fn repeated_member_names_are_refused_naming_them() {
        for (text, field) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (r#"{"a":{"b":[1,{"c":1,"c":1}]}}"#, "a.b[1].c"),
            (r#"{"artisan":{"name":"x","name":"y"}}"#, "artisan.name"),
            (r#"[{"x":null},{"x":true,"x":false}]"#, "[1].x"),
        ] {
            assert_eq!(unique_keys(text.as_bytes()).unwrap_err().0, field, "{text}");
        }
        unique_keys(br#"{"a":{"a":{"a":[{"a":1},{"a":2}]}},"b":"\u0061"}"#).unwrap();
        // Names equal once unescaped are the same name.
        assert_eq!(unique_keys(br#"{"a":1,"\u0061":2}"#).unwrap_err().0, "a");
    }
}
