//! The OpenAPI document, assembled from one fragment per area (`indexer/api/openapi/*.json`),
//! served at `/v1/openapi.json`; the docs page renders it at `/docs`.

use std::sync::LazyLock;

use axum::{
    Router,
    http::header,
    response::{Html, IntoResponse},
    routing::get,
};
use serde_json::{Map, Value};

use crate::state::AppState;

const BASE: &str = include_str!("../openapi/base.json");

/// Each area's fragment: `{"paths": {...}, "components": {...}}`.
const FRAGMENTS: [(&str, &str); 13] = [
    ("orders", include_str!("../openapi/orders.json")),
    ("accounts", include_str!("../openapi/accounts.json")),
    ("catalogue", include_str!("../openapi/catalogue.json")),
    ("treasury", include_str!("../openapi/treasury.json")),
    ("governance", include_str!("../openapi/governance.json")),
    ("chains", include_str!("../openapi/chains.json")),
    ("transparency", include_str!("../openapi/transparency.json")),
    ("events", include_str!("../openapi/events.json")),
    ("qr", include_str!("../openapi/qr.json")),
    ("metadata", include_str!("../openapi/metadata.json")),
    ("auth", include_str!("../openapi/auth.json")),
    ("keys", include_str!("../openapi/keys.json")),
    ("webhooks", include_str!("../openapi/webhooks.json")),
];

const DOCS: &str = include_str!("../openapi/docs.html");

static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| assemble().unwrap_or_else(|e| panic!("OpenAPI fragments: {e}")));

/// The assembled document.
pub fn document() -> &'static Value {
    &DOCUMENT
}

/// Merges the fragments into the base; a path or component defined twice is an error.
fn assemble() -> Result<Value, String> {
    let mut doc: Value = serde_json::from_str(BASE).map_err(|e| format!("base.json: {e}"))?;
    for (name, text) in FRAGMENTS {
        let fragment: Value =
            serde_json::from_str(text).map_err(|e| format!("{name}.json: {e}"))?;
        let Value::Object(fragment) = fragment else {
            return Err(format!("{name}.json is not an object"));
        };
        for (key, value) in fragment {
            match key.as_str() {
                "paths" => merge(&mut doc["paths"], value, &format!("{name}.json paths"))?,
                "components" => {
                    let Value::Object(kinds) = value else {
                        return Err(format!("{name}.json components is not an object"));
                    };
                    for (kind, entries) in kinds {
                        let slot = &mut doc["components"][&kind];
                        if slot.is_null() {
                            *slot = Value::Object(Map::new());
                        }
                        merge(slot, entries, &format!("{name}.json components.{kind}"))?;
                    }
                }
                "tags" => {
                    let tags = doc["tags"].as_array().cloned().unwrap_or_default();
                    let more = value.as_array().cloned().unwrap_or_default();
                    doc["tags"] = Value::Array([tags, more].concat());
                }
                other => return Err(format!("{name}.json: unexpected top-level key {other:?}")),
            }
        }
    }
    Ok(doc)
}

fn merge(into: &mut Value, from: Value, what: &str) -> Result<(), String> {
    let (Value::Object(into), Value::Object(from)) = (into, from) else {
        return Err(format!("{what} is not an object"));
    };
    for (key, value) in from {
        if into.insert(key.clone(), value).is_some() {
            return Err(format!("{what}: {key} is defined twice"));
        }
    }
    Ok(())
}

pub(crate) fn routes() -> Router<AppState> {
    static TEXT: LazyLock<String> = LazyLock::new(|| document().to_string());
    Router::new().route(
        "/openapi.json",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], TEXT.as_str()) }),
    )
}

/// The docs page (served at `/docs`, outside `/v1`).
pub async fn docs_page() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-cache")], Html(DOCS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn fragments_assemble_and_every_ref_resolves() {
        let doc = assemble().expect("assembles");
        let mut found = Vec::new();
        refs(&doc, &mut found);
        for r in found {
            let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external ref {r}"));
            assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
        }
        for (path, item) in doc["paths"].as_object().unwrap() {
            assert!(path.starts_with("/v1/"), "{path} is outside /v1");
            for (method, op) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                assert!(op.get("responses").is_some(), "{method} {path} has no responses");
                assert!(op.get("operationId").is_some(), "{method} {path} has no operationId");
            }
        }
    }
}
