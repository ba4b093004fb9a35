//! The indexer's HTTP API, same origin. Every answer is deserialized into its
//! `cointent-domain` type (the types the API serializes), so a renamed or reshaped field
//! fails here, with the path in the message, instead of rendering a blank.

use cointent_domain::error::ErrorBody;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::net::fetch_text;

mod de;

pub(crate) use de::from_value;

/// The JSON answer of `path` for a 2xx, the API's error message otherwise. Not generic, so
/// the request code exists once however many types are read.
async fn request(
    path: &str,
    method: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<Value, String> {
    let (status, text) = fetch_text(path, method, body, bearer).await?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|_| format!("the server answered {status} with something that is not JSON"))?;
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(from_value::<ErrorBody>(value)
            .map(|b| b.error.message)
            .unwrap_or_else(|_| format!("the server answered {status}")))
    }
}

/// The answer of `path` as `T`.
fn decode<T: DeserializeOwned>(path: &str, value: Value) -> Result<T, String> {
    from_value(value)
        .map_err(|e| format!("the server's answer to {path} is not what the app expects: {e}"))
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
