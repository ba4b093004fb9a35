//! The pages, one module each, and the small pieces they share.

pub(crate) mod browse;
pub(crate) mod create;
pub(crate) mod more;
pub(crate) mod order;
pub(crate) mod transparency;

use leptos::prelude::*;

/// A message for a load that failed.
pub(crate) fn error_box(msg: String) -> AnyView {
    view! { <p class="error" role="alert">{msg}</p> }.into_any()
}

/// "Loading…" for suspended parts.
pub(crate) fn loading() -> AnyView {
    view! { <p class="muted" aria-busy="true">"Loading…"</p> }.into_any()
}

use crate::{eth, wallet::Wallet};
use alloy_primitives::U256;

/// Symbol and decimals of a payment token: the native coin, the chain's demo stablecoin, or
/// another ERC-20 (shown by address, 18 decimals).
pub(crate) fn token_meta(w: Wallet, chain_id: u64, token: &str) -> (String, u8) {
    let token = token.to_lowercase();
    if token.trim_start_matches("0x").chars().all(|c| c == '0') {
        return ("ETH".into(), 18);
    }
    let stable = w.chains.with(|cs| {
        cs.iter()
            .find(|c| eth::u64_of(&c["chain_id"]) == Some(chain_id))
            .and_then(|c| c["contracts"]["stablecoin"].as_str().map(str::to_lowercase))
    });
    if stable.as_deref() == Some(token.as_str()) {
        ("dUSD".into(), 6)
    } else {
        (eth::short(&token), 18)
    }
}

/// An amount (decimal string in the API) with its token.
pub(crate) fn money(w: Wallet, chain_id: u64, token: &str, raw: &serde_json::Value) -> String {
    let (sym, dec) = token_meta(w, chain_id, token);
    format!("{} {sym}", eth::fmt_units(eth::u256(raw).unwrap_or(U256::ZERO), dec))
}

/// A funding bar: units pledged against the goal and the cap.
pub(crate) fn funding_bar(pledged: u64, min: u64, max: u64) -> AnyView {
    let pct = if max == 0 { 0 } else { (pledged * 100 / max).min(100) };
    let goal = if max == 0 { 0 } else { (min * 100 / max).min(100) };
    view! {
        <div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax=max.to_string()
            aria-valuenow=pledged.to_string()
            aria-label=format!("{pledged} of {max} units pledged, goal {min}")>
            <div class="fill" style=format!("width:{pct}%")></div>
            <div class="goal" style=format!("left:{goal}%")></div>
        </div>
        <p class="small">{format!("{pledged} of {max} units pledged · goal {min}")}</p>
    }
    .into_any()
}
