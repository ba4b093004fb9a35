//! The treasury report (`/treasury`): balances, allocations, and monthly flows as an inline
//! SVG chart, for the first chain the indexer serves.

use alloy_primitives::{Address, U256};
use cointent_domain::{
    escape_html,
    treasury::{TreasuryOverview, TreasuryReport},
};
use leptos::prelude::*;

use super::{Load, error_box, loading, raw};
use crate::{
    api, eth,
    format::{money, short},
    wallet::Wallet,
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

/// The report's months for `token`: inflows (fees in, coins received) and outflows
/// (withdrawn by recipients, spent by governance).
fn months(report: &TreasuryReport, token: Address) -> Vec<Month> {
    report
        .months
        .iter()
        .map(|m| {
            let rows = report.rows.iter().filter(|r| &r.month == m && r.token == token);
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
        "<svg class=\"chart\" viewBox=\"0 0 {width} 140\" role=\"img\" aria-label=\"Monthly treasury inflows (green) and outflows (grey)\">"
    );
    for (i, m) in months.iter().enumerate() {
        let x = i * (bw * 2 + 12);
        let hi = (height(m.inflow) / max * 110.0) as u32;
        let ho = (height(m.outflow) / max * 110.0) as u32;
        h += &format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{bw}\" height=\"{hi}\" fill=\"#0b6e4f\"><title>{l}: in {}</title></rect><rect x=\"{}\" y=\"{}\" width=\"{bw}\" height=\"{ho}\" fill=\"#9aa0a6\"><title>{l}: out {}</title></rect><text x=\"{x}\" y=\"135\" font-size=\"9\">{l}</text>",
            120 - hi,
            escape_html(&amount(m.inflow)),
            x + bw,
            120 - ho,
            escape_html(&amount(m.outflow)),
            l = escape_html(&m.label)
        );
    }
    h + "</svg>"
}

/// The treasury report: balances, allocations, monthly flows.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let res = Load::new(move || {
        let chain = w.chains.get().first().map(|c| (c.chain_id, c.contract("stablecoin")));
        async move {
            let Some((c, stablecoin)) = chain else { return Err("no chain".to_owned()) };
            let t: TreasuryOverview = api::get(&format!("/v1/treasury?chain_id={c}")).await?;
            let r: Option<TreasuryReport> =
                api::get(&format!("/v1/treasury/report?chain_id={c}")).await.ok();
            Ok((c, stablecoin, t, r))
        }
    });
    view! {
        <h1>"Treasury"</h1>
        <p>"Platform fees flow to the treasury; token holders vote on how they are allocated. Every flow is an on-chain event."</p>
        {move || res.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(format!("Could not load the treasury: {e}")),
                Some(Ok((chain, stablecoin, t, report))) => {
                    let (chain, stablecoin) = (*chain, *stablecoin);
                    let mut h = String::from("<section><h2>Balances</h2><ul class=\"plain\">");
                    for b in &t.balances {
                        h += &format!("<li>{}</li>", escape_html(&money(w, chain, &b.token, b.balance)));
                    }
                    h += "</ul></section><section><h2>Allocations</h2><table><thead><tr><th scope=\"col\">Label</th><th scope=\"col\">Recipient</th><th scope=\"col\">Share</th></tr></thead><tbody>";
                    for a in &t.allocations {
                        let label = a.label_text().map_or_else(|| alloy_primitives::hex::encode_prefixed(a.label), str::to_owned);
                        h += &format!("<tr><td>{}</td><td>{}</td><td>{} bps</td></tr>", escape_html(&label), short(&eth::addr_hex(&a.recipient)), a.bps);
                    }
                    h += "</tbody></table></section><section><h2>Monthly flows</h2>";
                    // The chart is in one token: the stablecoin the fees are paid in, or the
                    // first token the report has.
                    let token = report.as_ref().and_then(|r| {
                        stablecoin.filter(|s| r.rows.iter().any(|row| row.token == *s)).or(r.rows.first().map(|row| row.token))
                    });
                    let months = match (report, token) {
                        (Some(r), Some(token)) => months(r, token),
                        _ => Vec::new(),
                    };
                    h += &if months.is_empty() {
                        "<p class=\"muted\">No flows yet.</p>".to_owned()
                    } else {
                        flow_chart(&months, |x| money(w, chain, &token.unwrap_or_default(), x))
                    };
                    h += "</section>";
                    raw(h)
                }
            })}
    }
}
