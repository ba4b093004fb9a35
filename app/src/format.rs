//! Amounts and dates for people.
//!
//! Amounts: base units with the token's decimals and symbol, through
//! `cointent_domain::amount` (the same formatting the server and the tests use). The symbol
//! and decimals come from the chain's payment-token allowlist (`/v1/chains`); a token it does
//! not name is shown by its address (18 decimals).
//!
//! Dates are formatted by the browser's own `Date` and `Intl` (through `js-sys`), not by a
//! date crate: the browser already carries the time-zone database and the reader's time
//! zone is the browser's, while a date crate with its zone data would add tens of kilobytes
//! to the WASM the first page loads. In English the layout is fixed to British English
//! (`02/12/2026, 15:34:19`), as the app has always shown it; in Hindi it is the browser's
//! `hi-IN` long form (`2 दिसंबर 2026, 15:34`), and amounts are grouped in lakhs and crores.

use alloy_primitives::{Address, U256};
use cointent_domain::{
    DateTime,
    amount::{Grouping, format_amount, format_units},
};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::{
    eth::addr_hex,
    i18n::{Lang, lang, t, tf},
    net::object,
    wallet::Wallet,
};
pub(crate) use cointent_domain::short;

/// How amounts are grouped for the reader: as the app always showed them in English (no
/// separators), in lakhs and crores in Hindi.
fn grouping() -> Grouping {
    match lang() {
        Lang::En => Grouping::None,
        Lang::Hi => Grouping::Indian,
    }
}

/// Symbol and decimals of a payment token on `chain_id`, as the chain's allowlist in
/// `/v1/chains` names it; a token it does not name is shown by its address, 18 decimals.
pub(crate) fn token_meta(w: Wallet, chain_id: u64, token: &Address) -> (String, u8) {
    let known = w.chains.with(|cs| {
        let t = cs
            .iter()
            .find(|c| c.chain_id == chain_id)?
            .payment_tokens
            .iter()
            .find(|t| t.address == *token)?;
        Some((t.symbol.clone()?, t.decimals?))
    });
    match known {
        Some(k) => k,
        None if token.is_zero() => ("ETH".into(), 18),
        None => (short(&addr_hex(token)), 18),
    }
}

/// An amount of `token` with its symbol: `28.5 dUSD`.
pub(crate) fn money(w: Wallet, chain_id: u64, token: &Address, amount: impl Into<U256>) -> String {
    let (symbol, decimals) = token_meta(w, chain_id, token);
    format_amount(amount.into(), decimals, &symbol, grouping())
}

/// An amount with `decimals` places, without a symbol: `28.5`.
pub(crate) fn units(amount: U256, decimals: u8) -> String {
    format_units(amount, decimals, grouping())
}

/// Votes (the governance token's 18 decimals), grouped in thousands (`9,800,000`), in lakhs
/// and crores in Hindi (`98,00,000`).
pub(crate) fn votes(amount: U256) -> String {
    let grouping = match lang() {
        Lang::En => Grouping::Thousands,
        Lang::Hi => Grouping::Indian,
    };
    format_units(amount, 18, grouping)
}

/// Unix seconds as a date and time for people, in the reader's time zone.
pub(crate) fn date(unix: u64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(unix as f64 * 1000.0));
    match lang() {
        Lang::En => d.to_locale_string("en-GB", &JsValue::UNDEFINED).into(),
        // A 24-hour clock: Hindi's "am"/"pm" are written in Latin letters.
        Lang::Hi => {
            let options = object(&[
                ("dateStyle", "long".into()),
                ("timeStyle", "short".into()),
                ("hourCycle", "h23".into()),
            ]);
            d.to_locale_string("hi-IN", &options).into()
        }
    }
}

/// An API time (RFC 3339) as a date and time for people; empty when it is not a time.
pub(crate) fn date_time(t: &DateTime) -> String {
    let ms = js_sys::Date::parse(t.as_str());
    if ms.is_nan() { String::new() } else { date((ms / 1000.0) as u64) }
}

/// A period in seconds for people: `3 days`, `1 day 6 h`, `12 h`, `30 min`.
pub(crate) fn period(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let mut parts = Vec::new();
    if d == 1 {
        parts.push(t("1 day"));
    } else if d > 0 {
        parts.push(tf("{0} days", &[&d]));
    }
    if h > 0 {
        parts.push(tf("{0} h", &[&h]));
    }
    if m > 0 || parts.is_empty() {
        parts.push(tf("{0} min", &[&m]));
    }
    parts.join(" ")
}

/// Basis points as a percentage: `5%`, `12.5%`.
pub(crate) fn percent(bps: u16) -> String {
    match bps % 100 {
        0 => format!("{}%", bps / 100),
        r if r % 10 == 0 => format!("{}.{}%", bps / 100, r / 10),
        r => format!("{}.{r:02}%", bps / 100),
    }
}
