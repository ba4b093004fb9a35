//! HTTP from the browser through `fetch`, JSON-RPC to a chain's public RPC URL, and the few
//! helpers that read and build JSON as the browser holds it (`JsValue`).
//!
//! Answers are parsed by the browser (`Response.json()`), and request bodies written by it
//! (`JSON.stringify`), so the WASM carries no JSON parser or writer. JSON-RPC answers
//! (blocks, receipts) are the node's, not the API's: they are read for the one or two members
//! the app needs.

use alloy_primitives::hex;
use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

use crate::i18n::{t, tf};

/// Error text from a JS exception or value.
pub(crate) fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| member(&e, "message").as_string())
        .unwrap_or_else(|| t("network error"))
}

/// `v[key]`: undefined when `v` has no such member (or is not an object).
pub(crate) fn member(v: &JsValue, key: &str) -> JsValue {
    if v.is_object() {
        Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// An object with `members`, in order.
pub(crate) fn object(members: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in members {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// An array of `items`.
pub(crate) fn array(items: &[JsValue]) -> JsValue {
    items.iter().collect::<Array>().into()
}

/// `v` as JSON text (`JSON.stringify`); empty when it cannot be written.
pub(crate) fn stringify(v: &JsValue) -> String {
    JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// Whether a JSON answer is null (or absent).
pub(crate) fn is_null(v: &JsValue) -> bool {
    v.is_null() || v.is_undefined()
}

/// `fetch`es `url`; the status and the body as the browser parsed it, or `None` when the body
/// is not JSON.
pub(crate) async fn fetch_json(
    url: &str,
    method: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<(u16, Option<JsValue>), String> {
    let body = body.map(|b| (JsValue::from_str(b), "application/json"));
    fetch_body(url, method, body.as_ref().map(|(b, t)| (b, *t)), bearer).await
}

/// As [`fetch_json`], with any body the browser can send (a `File`, say) and its type.
pub(crate) async fn fetch_body(
    url: &str,
    method: &str,
    body: Option<(&JsValue, &str)>,
    bearer: Option<&str>,
) -> Result<(u16, Option<JsValue>), String> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(js_err)?;
    if let Some((body, content_type)) = body {
        headers.set("Content-Type", content_type).map_err(js_err)?;
        init.set_body(body);
    }
    if let Some(token) = bearer {
        headers.set("Authorization", &format!("Bearer {token}")).map_err(js_err)?;
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| t("no window"))?;
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| tf("cannot reach {0}: {1}", &[&url, &js_err(e)]))?
        .unchecked_into();
    let json = JsFuture::from(resp.json().map_err(js_err)?).await.ok();
    Ok((resp.status(), json))
}

/// A JSON-RPC call to a chain's RPC URL.
pub(crate) async fn rpc(url: &str, method: &str, params: JsValue) -> Result<JsValue, String> {
    let body = stringify(&object(&[
        ("jsonrpc", "2.0".into()),
        ("id", 1.into()),
        ("method", method.into()),
        ("params", params),
    ]));
    let (status, answer) = fetch_json(url, "POST", Some(&body), None).await?;
    let answer = answer.ok_or_else(|| tf("the RPC node answered {0}", &[&status]))?;
    if answer.is_object() && Reflect::has(&answer, &"error".into()).unwrap_or(false) {
        let message = member(&member(&answer, "error"), "message").as_string();
        return Err(message.unwrap_or_else(|| t("RPC error")));
    }
    Ok(member(&answer, "result"))
}

/// `eth_call` on `to` with calldata, returning the return data.
pub(crate) async fn eth_call(url: &str, to: &str, data: &[u8]) -> Result<Vec<u8>, String> {
    let call = object(&[("to", to.into()), ("data", hex::encode_prefixed(data).into())]);
    let out = rpc(url, "eth_call", array(&[call, "latest".into()])).await?;
    hex::decode(out.as_string().unwrap_or_default()).map_err(|_| t("bad eth_call result"))
}

/// An `eth_call` the node refused: its message, and the revert data when it sent some.
#[derive(Debug, Clone)]
pub(crate) struct CallError {
    /// The node's message.
    pub(crate) message: String,
    /// The revert data (a custom error, `Error(string)`), when the node passed it on.
    pub(crate) data: Option<Vec<u8>>,
}

/// `eth_call`s sent to a node as JSON-RPC batches, one round trip for many reads (the
/// governance page reads a dozen values per proposal).
#[derive(Default)]
pub(crate) struct Calls(Vec<JsValue>);

impl Calls {
    /// Adds a call of `data` to `to`, sent by `from` when given (a simulation as that
    /// account); returns its index in the answers of [`Self::run`].
    pub(crate) fn add(&mut self, from: Option<&str>, to: &str, data: &[u8]) -> usize {
        let call = object(&[("to", to.into()), ("data", hex::encode_prefixed(data).into())]);
        if let Some(from) = from {
            let _ = Reflect::set(&call, &"from".into(), &from.into());
        }
        self.0.push(call);
        self.0.len() - 1
    }

    /// Sends the calls against the latest block, in batches of at most [`BATCH`] (what public
    /// nodes accept): each call's return data or its error, in the order they were added.
    pub(crate) async fn run(self, url: &str) -> Result<Vec<Result<Vec<u8>, CallError>>, String> {
        let mut out = Vec::with_capacity(self.0.len());
        for chunk in self.0.chunks(BATCH) {
            let requests: Array = chunk
                .iter()
                .enumerate()
                .map(|(i, call)| {
                    object(&[
                        ("jsonrpc", "2.0".into()),
                        ("id", (i as u32).into()),
                        ("method", "eth_call".into()),
                        ("params", array(&[call.clone(), "latest".into()])),
                    ])
                })
                .collect();
            let (status, answer) =
                fetch_json(url, "POST", Some(&stringify(&requests)), None).await?;
            let answer = answer.filter(Array::is_array).ok_or_else(|| {
                tf("the RPC node answered {0} to a batch of calls, not a list", &[&status])
            })?;
            let mut answers: Vec<Result<Vec<u8>, CallError>> = (0..chunk.len())
                .map(|_| Err(CallError { message: t("no answer"), data: None }))
                .collect();
            for a in answer.unchecked_ref::<Array>().iter() {
                let Some(slot) =
                    quantity(&member(&a, "id")).and_then(|i| answers.get_mut(i as usize))
                else {
                    continue;
                };
                let error = member(&a, "error");
                *slot = if is_null(&error) {
                    hex::decode(member(&a, "result").as_string().unwrap_or_default())
                        .map_err(|_| CallError { message: t("bad eth_call result"), data: None })
                } else {
                    Err(CallError {
                        message: member(&error, "message").as_string().unwrap_or_default(),
                        data: revert_data(&member(&error, "data")),
                    })
                };
            }
            out.extend(answers);
        }
        Ok(out)
    }
}

/// The most calls sent in one JSON-RPC batch.
const BATCH: usize = 50;

/// Revert data carried in an error's `data`, if any: the first `0x` string of at least four
/// bytes, members searched in name order (nodes and wallets nest it differently).
pub(crate) fn revert_data(v: &JsValue) -> Option<Vec<u8>> {
    fn find(v: &JsValue) -> Option<String> {
        if let Some(s) = v.as_string() {
            return (s.starts_with("0x") && s.len() >= 10).then_some(s);
        }
        if Array::is_array(v) {
            return v.unchecked_ref::<Array>().iter().find_map(|x| find(&x));
        }
        if !v.is_object() {
            return None;
        }
        Object::keys(v.unchecked_ref::<Object>())
            .sort()
            .iter()
            .find_map(|k| find(&Reflect::get(v, &k).unwrap_or(JsValue::UNDEFINED)))
    }
    find(v).and_then(|s| hex::decode(s).ok())
}

/// The latest block's timestamp: the chain's clock, which deadlines are checked against.
pub(crate) async fn chain_time(url: &str) -> Result<u64, String> {
    let block = rpc(url, "eth_getBlockByNumber", array(&["latest".into(), false.into()])).await?;
    quantity(&member(&block, "timestamp"))
        .ok_or_else(|| t("the RPC node sent a block without a time"))
}

/// A JSON-RPC quantity (`"0x1a"`; a plain number from lenient wallets) as a number.
pub(crate) fn quantity(v: &JsValue) -> Option<u64> {
    match v.as_string() {
        Some(s) => u64::from_str_radix(s.strip_prefix("0x")?, 16).ok(),
        None => v.as_f64().filter(|n| *n >= 0.0 && n.trunc() == *n).map(|n| n as u64),
    }
}

/// Percent-encodes a query value.
pub(crate) fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
