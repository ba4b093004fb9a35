//! The transparency page, the target of a product's QR code (`/t/{chain}/{id}`): the order's
//! record, price breakdown, story and proof, checked against the chain itself. The page reads
//! `termsHashOf` and `orderState` from the escrow through the chain's RPC URL (no wallet),
//! recomputes keccak256(abi.encode(terms)) from the indexer's terms, and says plainly whether
//! the indexer's record matches the chain.

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolCall;
use cointent_abi::Escrow;
use leptos::prelude::*;
use serde_json::Value;

use super::{dl_html, error_box, esc, loading, order::breakdown_html, raw};
use crate::{eth, net, wallet::Wallet};

/// What the page found.
#[derive(Clone)]
struct Check {
    record: Value,
    chain_hash: B256,
    recomputed: Option<B256>,
    indexer_hash: Option<B256>,
    chain_status: String,
    problems: Vec<String>,
}

fn hash_of(v: &Value) -> Option<B256> {
    v.as_str()?.parse().ok()
}

async fn check(w: Wallet, chain_id: u64, order_id: String) -> Result<Check, String> {
    let record = net::get(&format!("/v1/transparency/{chain_id}/{order_id}")).await?;
    let proof = if record["proof"].is_object() { record["proof"].clone() } else { record.clone() };
    let chains = match w.chains.get_untracked() {
        c if c.is_empty() => net::get("/v1/chains").await?.as_array().cloned().unwrap_or_default(),
        c => c,
    };
    let chain = chains
        .iter()
        .find(|c| eth::u64_of(&c["chain_id"]) == Some(chain_id))
        .ok_or_else(|| format!("chain {chain_id} is not served here"))?;
    let rpc =
        chain["rpc_url"].as_str().or(proof["rpc_url"].as_str()).unwrap_or_default().to_owned();
    let escrow = chain["contracts"]["escrow"]
        .as_str()
        .or(proof["contract"].as_str())
        .unwrap_or_default()
        .to_owned();
    let id = U256::from_str_radix(&order_id, 10)
        .map_err(|_| "the order id must be a number".to_owned())?;
    let out = net::eth_call(&rpc, &escrow, &Escrow::termsHashOfCall { orderId: id }.abi_encode())
        .await
        .map_err(|e| format!("cannot read the chain at {rpc}: {e}"))?;
    let chain_hash =
        Escrow::termsHashOfCall::abi_decode_returns(&out).map_err(|e| e.to_string())?;
    let state =
        net::eth_call(&rpc, &escrow, &Escrow::orderStateCall { orderId: id }.abi_encode()).await?;
    let state = Escrow::orderStateCall::abi_decode_returns(&state).map_err(|e| e.to_string())?;
    let chain_status = eth::STATUSES.get(state.status as usize).unwrap_or(&"?").to_string();

    let terms_json = [&proof["terms"], &record["record"]["terms"], &record["terms"]]
        .into_iter()
        .find(|t| t.is_object())
        .cloned()
        .unwrap_or(Value::Null);
    let mut problems = Vec::new();
    let recomputed = match eth::terms_from_json(&terms_json) {
        Ok(t) => Some(eth::terms_hash(&t)),
        Err(e) => {
            problems.push(format!("The indexer's terms cannot be read: {e}."));
            None
        }
    };
    let indexer_hash = hash_of(&proof["terms_hash"]).or_else(|| hash_of(&record["terms_hash"]));
    if chain_hash.is_zero() {
        problems.push(format!("The chain has no order #{order_id}."));
    } else {
        if recomputed.is_some_and(|h| h != chain_hash) {
            problems.push("The terms the indexer shows do not hash to the terms hash stored on chain: the price, splits or other terms shown here are not the real ones.".into());
        }
        if indexer_hash.is_some_and(|h| h != chain_hash) {
            problems
                .push("The terms hash the indexer reports differs from the one on chain.".into());
        }
    }
    if let Some(abi) = proof["terms_abi"].as_str().and_then(net::unhex)
        && alloy_primitives::keccak256(&abi) != chain_hash
        && !chain_hash.is_zero()
    {
        problems
            .push("The encoded terms in the proof do not hash to the chain's terms hash.".into());
    }
    Ok(Check { record, chain_hash, recomputed, indexer_hash, chain_status, problems })
}

/// The transparency page.
pub(crate) fn page(chain_id: u64, order_id: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let oid = order_id.clone();
    let res = LocalResource::new(move || check(w, chain_id, oid.clone()));
    view! {
        <h1>{format!("Order #{order_id}: the record")}</h1>
        {move || (res.get().map(|r| match r {
                Err(e) => error_box(format!("Could not check this record: {e}")),
                Ok(c) => render(w, chain_id, &order_id, c),
            })).unwrap_or_else(loading)}
    }
}

fn render(w: Wallet, chain_id: u64, order_id: &str, c: Check) -> AnyView {
    let ok = c.problems.is_empty();
    let r = &c.record;
    let order = [&r["record"], &r["order"]]
        .into_iter()
        .find(|x| x.is_object())
        .cloned()
        .unwrap_or_else(|| r.clone());
    let proof = if r["proof"].is_object() { r["proof"].clone() } else { r.clone() };
    let meta =
        if r["metadata"].is_object() { r["metadata"].clone() } else { order["metadata"].clone() };
    let terms = [&proof["terms"], &order["terms"]]
        .into_iter()
        .find(|t| t.is_object())
        .and_then(|t| eth::terms_from_json(t).ok());
    let indexer_status = order["status"].as_str().unwrap_or_default().to_owned();
    let status_note = (!indexer_status.is_empty() && indexer_status != c.chain_status).then(|| {
        format!("Status: the chain says {}, the indexer says {indexer_status} (it may be a few blocks behind).", c.chain_status)
    });
    let hex = |h: Option<B256>| h.map(|h| net::hex(h.as_slice())).unwrap_or_else(|| "—".into());
    let story = meta["artisan"]["story"]
        .as_str()
        .or(meta["description"].as_str())
        .unwrap_or_default()
        .to_owned();
    let title = meta["title"].as_str().unwrap_or_default().to_owned();
    let proof_rows: Vec<(&str, String)> = vec![
        ("Chain", w.chain_name(chain_id)),
        ("Escrow contract", eth::num_text(&proof["contract"])),
        ("Transaction", eth::num_text(&proof["tx_hash"])),
        (
            "Block",
            format!(
                "{} {}",
                eth::num_text(&proof["block_number"]),
                eth::num_text(&proof["block_hash"])
            ),
        ),
        ("Log index", eth::num_text(&proof["log_index"])),
        ("Terms hash on chain", net::hex(c.chain_hash.as_slice())),
        ("Terms hash (indexer)", hex(c.indexer_hash)),
        ("Hash of the indexer's terms", hex(c.recomputed)),
        ("Status on chain", c.chain_status.clone()),
    ];
    let mut h = if ok {
        "<p class=\"verdict ok\" role=\"status\" data-testid=\"verdict\">✓ Matches the chain: the terms below are exactly those the escrow holds.</p>".to_owned()
    } else {
        format!(
            "<div class=\"verdict bad\" role=\"alert\" data-testid=\"verdict\"><p><strong>Does not match the chain.</strong> Do not trust this record.</p><ul>{}</ul></div>",
            c.problems.iter().map(|p| format!("<li>{}</li>", esc(p))).collect::<String>()
        )
    };
    if let Some(n) = status_note {
        h += &format!("<p class=\"small\">{}</p>", esc(&n));
    }
    if !title.is_empty() {
        h += &format!("<h2>{}</h2>", esc(&title));
    }
    if let Some(t) = terms {
        h += &breakdown_html(w, chain_id, &t);
    }
    if !story.is_empty() {
        h += &format!("<h2>The story</h2><p class=\"story\">{}</p>", esc(&story));
    }
    h += "<h2>Proof</h2>";
    h += &dl_html("terms proof", &proof_rows);
    h += &format!(
        "<p><img class=\"qr\" src=\"/v1/qr/{chain_id}/{order_id}?format=svg\" alt=\"QR code of this page\" width=\"160\" height=\"160\"></p><p><a href=\"/orders/{chain_id}/{order_id}\">Open the order</a></p>"
    );
    raw(h)
}
