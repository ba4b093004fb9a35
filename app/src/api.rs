//! The indexer's HTTP API, same origin. Every answer is deserialized into its
//! `cointent-domain` type (the types the API serializes), so a renamed or reshaped field
//! fails here, with the path in the message, instead of rendering a blank.

use cointent_domain::{
    error::ErrorBody,
    metadata::{MetadataDocument, MetadataJson},
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasm_bindgen::JsValue;

use crate::{i18n::tf, net::fetch_json};

mod de;

/// The JSON answer of `path` for a 2xx, the API's error message otherwise. Not generic, so
/// the request code exists once however many types are read.
async fn request(
    path: &str,
    method: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<JsValue, String> {
    answer(fetch_json(path, method, body, bearer).await?)
}

/// A 2xx answer's JSON, or the API's error message.
fn answer((status, value): (u16, Option<JsValue>)) -> Result<JsValue, String> {
    let value = value
        .ok_or_else(|| tf("the server answered {0} with something that is not JSON", &[&status]))?;
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(de::from_json::<ErrorBody, _>(value)
            .map(|b| b.error.message)
            .unwrap_or_else(|_| tf("the server answered {0}", &[&status])))
    }
}

/// The answer of `path` as `T`.
fn decode<T: DeserializeOwned>(path: &str, value: JsValue) -> Result<T, String> {
    de::from_json(value).map_err(|e| {
        tf("the server's answer to {0} is not what the app expects: {1}", &[&path, &e])
    })
}

/// GET an API path (e.g. `/v1/orders?kind=sale`).
pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    decode(path, request(path, "GET", None, None).await?)
}

/// POST a JSON body (sent byte for byte) to an API path, with an optional session token.
pub(crate) async fn post<T: DeserializeOwned>(
    path: &str,
    body: &str,
    bearer: Option<&str>,
) -> Result<T, String> {
    decode(path, request(path, "POST", Some(body), bearer).await?)
}

/// Uploads a picture the person chose (`POST /v1/pictures`, the file as its body with its
/// own type): the stored picture, or the server's message (413 over the size limit, 415 for
/// a type it does not take).
pub(crate) async fn upload_picture(
    file: &web_sys::File,
    bearer: &str,
) -> Result<cointent_domain::pictures::PictureStored, String> {
    let path = "/v1/pictures";
    let body = Some((file.as_ref(), file.type_()));
    let (status, value) = crate::net::fetch_body(
        path,
        "POST",
        body.as_ref().map(|(b, t)| (*b, t.as_str())),
        Some(bearer),
    )
    .await?;
    decode(path, answer((status, value))?)
}

/// A stored metadata document (an order's `metadata`), typed; `None` when it does not have
/// the `cointent.metadata/1` shape.
pub(crate) fn document(json: &MetadataJson) -> Option<MetadataDocument> {
    de::from_json(to_js(&json.0)).ok()
}

/// `serde_json`'s tree (how the domain types hold a stored document) as the browser's.
fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => n.as_f64().unwrap_or_default().into(),
        Value::String(s) => s.into(),
        Value::Array(a) => a.iter().map(to_js).collect::<js_sys::Array>().into(),
        Value::Object(m) => {
            let o = js_sys::Object::new();
            for (k, v) in m {
                let _ = js_sys::Reflect::set(&o, &k.into(), &to_js(v));
            }
            o.into()
        }
    }
}
