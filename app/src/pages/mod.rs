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

/// HTML-escapes text for the read-only fragments below. Display-only parts of the pages are
/// rendered as HTML strings (`inner_html`): far less WASM than a `view!` tree per fragment,
/// which matters for the first page's size. Links in them are routed like any other.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Rows as an escaped `<dl>`.
pub(crate) fn dl_html(class: &str, rows: &[(&str, String)]) -> String {
    let mut s = format!("<dl class=\"{class}\">");
    for (k, v) in rows {
        s.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(v)));
    }
    s.push_str("</dl>");
    s
}

/// A fragment of trusted (escaped) HTML.
pub(crate) fn raw(html: String) -> AnyView {
    view! { <div inner_html=html></div> }.into_any()
}

/// The funding bar as HTML.
pub(crate) fn funding_html(pledged: u64, min: u64, max: u64) -> String {
    let pct = (pledged * 100).checked_div(max).unwrap_or(0).min(100);
    let goal = (min * 100).checked_div(max).unwrap_or(0).min(100);
    format!(
        "<div class=\"bar\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"{max}\" aria-valuenow=\"{pledged}\" aria-label=\"{pledged} of {max} units pledged, goal {min}\"><div class=\"fill\" style=\"width:{pct}%\"></div><div class=\"goal\" style=\"left:{goal}%\"></div></div><p class=\"small\">{pledged} of {max} units pledged · goal {min}</p>"
    )
}
