//! The treasury report (`/treasury`), for every chain the indexer serves: balances,
//! allocations in percent, monthly flows as an inline SVG chart with a table of the same
//! numbers, and the distribute action.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cointent_abi::Treasury;
use cointent_domain::{
    chains::ChainInfo,
    escape_html,
    treasury::{TreasuryOverview, TreasuryReport},
};
use leptos::prelude::*;

use super::{Load, error_box, loading, raw};
use crate::{
    api, eth,
    format::{money, percent, short},
    i18n::{t, tf},
    wallet::{TxButton, Wallet},
};

/// One month of the chart: its label, what came in and what went out.
struct Month {
    /// `YYYY-MM`.
    label: String,
    /// Fees and coins received.
    inflow: U256,
    /// Paid out to recipients and spent by governance.
    outflow: U256,
}

/// The report's months for `token` on `chain_id`: inflows (fees in, coins received) and
/// outflows (withdrawn by recipients, spent by governance).
fn months(report: &TreasuryReport, chain_id: u64, token: Address) -> Vec<Month> {
    report
        .months
        .iter()
        .map(|m| {
            let rows = report
                .rows
                .iter()
                .filter(|r| &r.month == m && r.chain_id == chain_id && r.token == token);
            let (mut inflow, mut outflow) = (U256::ZERO, U256::ZERO);
            for r in rows {
                inflow += r.fees_in.0 + r.received.0;
                outflow += r.withdrawn.0 + r.spent.0;
            }
            Month { label: m.clone(), inflow, outflow }
        })
        .collect()
}

/// A bar chart of monthly inflows and outflows, as inline SVG; `amount` labels the bars.
fn flow_chart(months: &[Month], amount: impl Fn(U256) -> String) -> String {
    let height = |x: U256| x.saturating_to::<u128>() as f64;
    let max = months.iter().map(|m| height(m.inflow).max(height(m.outflow))).fold(1.0, f64::max);
    let bw = 24;
    let width = (months.len() * (bw * 2 + 12)).max(200);
    let mut h = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} 140\" role=\"img\" aria-label=\"{}\">",
        escape_html(&t("Monthly treasury inflows (green) and outflows (grey)"))
    );
    for (i, m) in months.iter().enumerate() {
        let x = i * (bw * 2 + 12);
        let hi = (height(m.inflow) / max * 110.0) as u32;
        let ho = (height(m.outflow) / max * 110.0) as u32;
        h += &format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{bw}\" height=\"{hi}\" fill=\"#0b6e4f\"><title>{}</title></rect><rect x=\"{}\" y=\"{}\" width=\"{bw}\" height=\"{ho}\" fill=\"#9aa0a6\"><title>{}</title></rect><text x=\"{x}\" y=\"135\" font-size=\"9\">{l}</text>",
            120 - hi,
            escape_html(&tf("{0}: in {1}", &[&m.label, &amount(m.inflow)])),
            x + bw,
            120 - ho,
            escape_html(&tf("{0}: out {1}", &[&m.label, &amount(m.outflow)])),
            l = escape_html(&m.label)
        );
    }
    h + "</svg>"
}

/// One chain's part of the report (HTML): balances, allocations in percent, and the
/// monthly flows of its main token as a chart with a table of the same numbers.
fn chain_html(w: Wallet, chain: &ChainInfo, ov: &TreasuryOverview, r: &TreasuryReport) -> String {
    let id = chain.chain_id;
    let mut h = format!(
        "<section class=\"chain-report\" data-chain=\"{id}\"><h2>{}</h2><h3>{t0}</h3>",
        escape_html(&w.chain_name(id)),
        t0 = escape_html(&t("Balances"))
    );
    let balances: Vec<_> = ov.balances.iter().filter(|b| b.chain_id == id).collect();
    if balances.is_empty() {
        h += &format!("<p class=\"muted\">{t0}</p>", t0 = escape_html(&t("No fees received yet.")));
    } else {
        h += &format!(
            "<table data-testid=\"treasury-balances\"><thead><tr><th scope=\"col\">{t0}</th><th scope=\"col\">{t1}</th><th scope=\"col\">{t2}</th></tr></thead><tbody>",
            t0 = escape_html(&t("Held")),
            t1 = escape_html(&t("Owed to recipients")),
            t2 = escape_html(&t("Available"))
        );
        for b in &balances {
            let m = |v| escape_html(&money(w, id, &b.token, v));
            h += &format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                m(b.balance),
                m(b.reserved),
                m(b.available)
            );
        }
        h += "</tbody></table>";
    }
    h += &format!("<h3>{t0}</h3>", t0 = escape_html(&t("Allocations")));
    let allocations: Vec<_> = ov.allocations.iter().filter(|a| a.chain_id == id).collect();
    if allocations.is_empty() {
        h += &format!(
            "<p class=\"muted\">{t0}</p>",
            t0 = escape_html(&t("No allocations voted yet: fees stay in the treasury."))
        );
    } else {
        h += &format!(
            "<table data-testid=\"treasury-allocations\"><thead><tr><th scope=\"col\">{t0}</th><th scope=\"col\">{t1}</th><th scope=\"col\">{t2}</th></tr></thead><tbody>",
            t0 = escape_html(&t("Label")),
            t1 = escape_html(&t("Recipient")),
            t2 = escape_html(&t("Share"))
        );
        for a in allocations {
            let label = a
                .label_text()
                .map_or_else(|| alloy_primitives::hex::encode_prefixed(a.label), str::to_owned);
            let who = eth::addr_hex(&a.recipient);
            h += &format!(
                "<tr><td>{}</td><td title=\"{who}\">{}</td><td>{}</td></tr>",
                escape_html(&label),
                short(&who),
                percent(a.bps)
            );
        }
        h += "</tbody></table>";
    }
    h += &format!("<h3>{t0}</h3>", t0 = escape_html(&t("Monthly flows")));
    // The chart is in one token: the stablecoin the fees are paid in, or the first token the
    // report has on this chain.
    let stablecoin = chain.contract("stablecoin");
    let rows = || r.rows.iter().filter(|row| row.chain_id == id);
    let token =
        stablecoin.filter(|s| rows().any(|row| row.token == *s)).or(rows().next().map(|x| x.token));
    let months = token.map(|token| months(r, id, token)).unwrap_or_default();
    if months.iter().all(|m| m.inflow.is_zero() && m.outflow.is_zero()) {
        h += &format!("<p class=\"muted\">{t0}</p>", t0 = escape_html(&t("No flows yet.")));
    } else {
        let token = token.unwrap_or_default();
        let amount = |x| money(w, id, &token, x);
        h += &flow_chart(&months, amount);
        h += &format!(
            "<table class=\"small\" data-testid=\"treasury-months\"><thead><tr><th scope=\"col\">{t0}</th><th scope=\"col\">{t1}</th><th scope=\"col\">{t2}</th></tr></thead><tbody>",
            t0 = escape_html(&t("Month")),
            t1 = escape_html(&t("In")),
            t2 = escape_html(&t("Out"))
        );
        for m in months.iter().filter(|m| !(m.inflow.is_zero() && m.outflow.is_zero())) {
            h += &format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape_html(&m.label),
                escape_html(&amount(m.inflow)),
                escape_html(&amount(m.outflow))
            );
        }
        h += "</tbody></table>";
    }
    h + "</section>"
}

/// The treasury report of every chain the indexer serves: balances, allocations, monthly
/// flows, and the distribute action where fees wait to be shared out.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let res = Load::new(move || {
        w.refresh.track();
        w.live.track();
        async move {
            let t: TreasuryOverview = api::get("/v1/treasury").await?;
            let r: TreasuryReport = api::get("/v1/treasury/report").await?;
            Ok((t, r))
        }
    });
    view! {
        <h1>{t("Treasury")}</h1>
        <p>{t("Platform fees flow to the treasury; token holders vote on how they are allocated. Every flow is an on-chain event.")}</p>
        {move || res.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(tf("Could not load the treasury: {0}", &[&e])),
                Some(Ok((ov, r))) => w.chains.get().into_iter().map(|c| {
                    let id = c.chain_id;
                    let treasury = c.contract("treasury").map(|a| eth::addr_hex(&a));
                    let shared = ov.allocations.iter().any(|a| a.chain_id == id);
                    let due: Vec<(Address, U256)> = ov.balances.iter()
                        .filter(|b| b.chain_id == id && shared && !b.available.0.is_zero())
                        .map(|b| (b.token, b.available.0)).collect();
                    view! {
                        {raw(chain_html(w, &c, ov, r))}
                        {treasury.map(|to| due.into_iter().map(|(token, amount)| {
                            let to = to.clone();
                            let label = tf("Distribute {0} to the allocations", &[&money(w, id, &token, amount)]);
                            let data = Treasury::distributeCall { token }.abi_encode();
                            let on_click = Callback::new(move |()| {
                                let (to, data) = (to.clone(), data.clone());
                                w.run("distribute", async move {
                                    w.send(id, &t("Distribute the fees"), &to, data, U256::ZERO).await;
                                });
                            });
                            view! { <TxButton label testid="distribute" on_click/> }
                        }).collect_view())}
                    }
                }).collect_view().into_any(),
            })}
    }
}
