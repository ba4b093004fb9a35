//! HTTP from the browser through `fetch`, and JSON-RPC to a chain's public RPC URL.
//!
//! JSON-RPC answers (blocks, receipts) are the node's, not the API's: they stay
//! `serde_json::Value`, read for the one or two members the app needs.

use alloy_primitives::hex;
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

/// `fetch`es `url`; the status and the body's text.
pub(crate) async fn fetch_text(
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
    let out =
        rpc(url, "eth_call", json!([{"to": to, "data": hex::encode_prefixed(data)}, "latest"]))
            .await?;
    hex::decode(out.as_str().unwrap_or_default()).map_err(|_| "bad eth_call result".into())
}

/// The latest block's timestamp: the chain's clock, which deadlines are checked against.
pub(crate) async fn chain_time(url: &str) -> Result<u64, String> {
    let block = rpc(url, "eth_getBlockByNumber", json!(["latest", false])).await?;
    quantity(&block["timestamp"]).ok_or_else(|| "the RPC node sent a block without a time".into())
}

/// A JSON-RPC quantity (`"0x1a"`; a plain number from lenient wallets) as a number.
pub(crate) fn quantity(v: &Value) -> Option<u64> {
    match v.as_str() {
        Some(s) => u64::from_str_radix(s.strip_prefix("0x")?, 16).ok(),
        None => v.as_u64(),
    }
}

/// Percent-encodes a query value.
pub(crate) fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
