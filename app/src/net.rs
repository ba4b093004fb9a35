//! HTTP from the browser: the indexer's API (same origin) and JSON-RPC to a chain's public
//! RPC URL, both through `fetch`, with JSON as `serde_json::Value` (lenient about extra
//! fields, and smaller than a derive per response shape).

use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// Error text from a JS exception or value.
pub(crate) fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| "network error".into())
}

async fn fetch_text(
    url: &str,
    method: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<(u16, String), String> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(js_err)?;
    if let Some(body) = body {
        headers.set("Content-Type", "application/json").map_err(js_err)?;
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(token) = bearer {
        headers.set("Authorization", &format!("Bearer {token}")).map_err(js_err)?;
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or("no window")?;
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| format!("cannot reach {url}: {}", js_err(e)))?
        .unchecked_into();
    let text = JsFuture::from(resp.text().map_err(js_err)?).await.map_err(js_err)?;
    Ok((resp.status(), text.as_string().unwrap_or_default()))
}

fn api_result(status: u16, text: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|_| format!("the server answered {status} with something that is not JSON"))?;
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(value["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("the server answered {status}")))
    }
}

/// GET an API path (e.g. `/v1/orders?kind=sale`).
pub(crate) async fn get(path: &str) -> Result<Value, String> {
    let (status, text) = fetch_text(path, "GET", None, None).await?;
    api_result(status, &text)
}

/// POST a JSON body (sent byte for byte) to an API path, with an optional session token.
pub(crate) async fn post(path: &str, body: &str, bearer: Option<&str>) -> Result<Value, String> {
    let (status, text) = fetch_text(path, "POST", Some(body), bearer).await?;
    api_result(status, &text)
}

/// A JSON-RPC call to a chain's RPC URL.
pub(crate) async fn rpc(url: &str, method: &str, params: Value) -> Result<Value, String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let (status, text) = fetch_text(url, "POST", Some(&body), None).await?;
    let v: Value =
        serde_json::from_str(&text).map_err(|_| format!("the RPC node answered {status}"))?;
    if let Some(err) = v.get("error") {
        return Err(err["message"].as_str().unwrap_or("RPC error").to_owned());
    }
    Ok(v["result"].clone())
}

/// `eth_call` on `to` with calldata, returning the return data.
pub(crate) async fn eth_call(url: &str, to: &str, data: &[u8]) -> Result<Vec<u8>, String> {
    let out = rpc(url, "eth_call", json!([{"to": to, "data": hex(data)}, "latest"])).await?;
    unhex(out.as_str().unwrap_or_default()).ok_or_else(|| "bad eth_call result".into())
}

/// 0x-prefixed lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// Bytes from 0x hex (the prefix is optional); `None` when malformed.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Percent-encodes a query value.
pub(crate) fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
