//! Dashboards (maker, backer, promoter), artisan and partner profiles, governance and the
//! treasury report with inline SVG charts.

use alloy_primitives::{Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::{CointentGovernor, Token};
use leptos::{prelude::*, task::spawn_local};
use serde_json::Value;

use super::{browse::cards, dl_html, error_box, esc, loading, money, raw};
use crate::{eth, net, wallet::Wallet};

fn items(v: &Value) -> Vec<Value> {
    v.as_array().or(v["items"].as_array()).cloned().unwrap_or_default()
}

/// A JSON object shown as a definition list (nested objects flattened one level).
fn facts(v: &Value) -> AnyView {
    let rows: Vec<(String, String)> = v
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, x)| !x.is_array() && !x.is_null())
                .map(|(k, x)| {
                    let text = match x {
                        Value::Object(o) => o
                            .iter()
                            .map(|(k2, v2)| format!("{k2}: {}", eth::num_text(v2)))
                            .collect::<Vec<_>>()
                            .join(", "),
                        other => eth::num_text(other),
                    };
                    (k.replace('_', " "), text)
                })
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<(&str, String)> = rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    raw(dl_html("terms", &rows))
}

fn order_list(w: Wallet, path: String, empty: &'static str) -> impl IntoView {
    let res = LocalResource::new(move || {
        w.refresh.track();
        let p = path.clone();
        async move { net::get(&p).await }
    });
    view! {
        {move || (res.get().map(|r| match r {
                Err(e) => error_box(e),
                Ok(v) => {
                    let list = items(&v);
                    if list.is_empty() { view! { <p class="muted">{empty}</p> }.into_any() }
                    else { cards(w, &list) }
                }
            })).unwrap_or_else(loading)}
    }
}

/// The dashboard of the connected account: maker, backer and promoter views.
pub(crate) fn dashboard() -> impl IntoView {
    let w = expect_context::<Wallet>();
    move || match w.account.get() {
        None => view! {
            <h1>"Dashboard"</h1>
            <p>"Connect a wallet to see your orders, pledges and earnings."</p>
            <button class="primary" on:click=move |_| w.connect()>"Connect wallet"</button>
        }
        .into_any(),
        Some(a) => {
            let path = format!("/v1/accounts/{a}");
            let account = LocalResource::new(move || {
                let p = path.clone();
                w.refresh.track();
                async move { net::get(&p).await }
            });
            let origin =
                web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
            view! {
                <h1>"Dashboard"</h1>
                {move || (account.get().map(|r| match r {
                        Ok(v) => view! { <section aria-label="Earnings"><h2>"Roles and earnings"</h2>{facts(&v)}</section> }.into_any(),
                        Err(e) => error_box(e),
                    })).unwrap_or_else(loading)}
                <div class="grid2">
                    <section><h2>"As maker"</h2>{order_list(w, format!("/v1/accounts/{a}/orders?role=seller"), "You have no orders as a maker.")}</section>
                    <section><h2>"As backer"</h2>
                        <p class="small">"Failed or cancelled orders list a refund on their page."</p>
                        {order_list(w, format!("/v1/accounts/{a}/orders?role=backer"), "You have not pledged yet.")}</section>
                </div>
                <section>
                    <h2>"As promoter"</h2>
                    <p>"Share any order with your referral code: backers who come through it earn you the order's promoter share."</p>
                    <label for="reflink">"Your referral link (add it to an order's address)"</label>
                    <input id="reflink" readonly prop:value=format!("{origin}/orders/<chain>/<id>?ref={a}") />
                    {order_list(w, format!("/v1/accounts/{a}/orders?role=promoter"), "No order was pledged through your link yet.")}
                </section>
            }
            .into_any()
        }
    }
}

/// An artisan's or partner's profile with their story.
pub(crate) fn profile(kind: &'static str, address: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let path = format!("/v1/{kind}/{address}");
    let address_q = net::enc(&address);
    let res = LocalResource::new(move || {
        let p = path.clone();
        async move { net::get(&p).await }
    });
    let what = if kind == "artisans" { "Artisan" } else { "Partner shop" };
    view! {
        {move || (res.get().map(|r| match r {
                Err(e) => error_box(format!("Could not load this profile: {e}")),
                Ok(v) => {
                    let name = v["name"].as_str().unwrap_or(what).to_owned();
                    let place = [&v["craft"], &v["region"], &v["city"]].iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(" · ");
                    let story = v["story"].as_str().unwrap_or_default().to_owned();
                    let mut h = format!(
                        "<h1>{}</h1><p class=\"muted\">{what} · {} · {} orders · {} products</p>",
                        esc(&name), esc(&place), eth::num_text(&v["orders"]), eth::num_text(&v["products"])
                    );
                    if !story.is_empty() {
                        h += &format!("<h2>Story</h2><p class=\"story\">{}</p>", esc(&story));
                    }
                    let list = if kind == "artisans" {
                        format!("/v1/orders?seller={}", address_q)
                    } else {
                        format!("/v1/accounts/{}/orders?role=recipient", address_q)
                    };
                    view! { {raw(h)} {facts(&v["reputation"])} <h2>"Orders"</h2> {order_list(w, list, "No orders yet.")} }.into_any()
                }
            })).unwrap_or_else(loading)}
    }
}

fn gov_send(w: Wallet, chain_id: u64, contract: &'static str, label: &'static str, data: Vec<u8>) {
    let Some(to) =
        w.chain(chain_id).and_then(|c| c["contracts"][contract].as_str().map(str::to_owned))
    else {
        return;
    };
    spawn_local(async move {
        w.send(chain_id, label, &to, data, U256::ZERO).await;
    });
}

/// Targets, values, calldatas and description hash: the arguments of queue and execute.
type ProposalCalls =
    (Vec<alloy_primitives::Address>, Vec<U256>, Vec<Bytes>, alloy_primitives::B256);

/// Calldata of queue/execute from a proposal record (targets, values, calldatas, description).
fn proposal_parts(p: &Value) -> Option<ProposalCalls> {
    let targets = p["targets"].as_array()?.iter().map(eth::addr).collect::<Option<Vec<_>>>()?;
    // The native value of each call; the index does not carry it for proposals without value.
    let values = match p["values"].as_array() {
        Some(v) => v.iter().map(eth::u256).collect::<Option<Vec<_>>>()?,
        None => vec![U256::ZERO; targets.len()],
    };
    let calldatas = p["calldatas"]
        .as_array()?
        .iter()
        .map(|c| c.as_str().and_then(net::unhex).map(Bytes::from))
        .collect::<Option<Vec<_>>>()?;
    let desc = p["description"].as_str()?;
    Some((targets, values, calldatas, keccak256(desc.as_bytes())))
}

/// The Governor's `ProposalState`, by index.
const GOV_STATES: [&str; 8] =
    ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

/// Governance: delegate, proposals with their state, vote, queue, execute.
pub(crate) fn governance() -> impl IntoView {
    let w = expect_context::<Wallet>();
    // The Governor's own `state()` is read from each chain: it knows Succeeded, Defeated and
    // Expired, which depend on the clock rather than on events.
    let res = LocalResource::new(move || {
        w.refresh.track();
        let chains = w.chains.get();
        async move {
            let mut v = net::get("/v1/governance/proposals").await?;
            if let Some(list) = v["items"].as_array_mut() {
                for p in list {
                    let chain = chains.iter().find(|c| c["chain_id"] == p["chain_id"]);
                    let (Some(c), Some(id)) = (chain, eth::u256(&p["proposal_id"])) else {
                        continue;
                    };
                    let (rpc, gov) = (
                        c["rpc_url"].as_str().unwrap_or_default(),
                        c["contracts"]["governor"].as_str().unwrap_or_default(),
                    );
                    if let Ok(out) = net::eth_call(
                        rpc,
                        gov,
                        &CointentGovernor::stateCall { proposalId: id }.abi_encode(),
                    )
                    .await
                        && let Some(&b) = out.last()
                    {
                        p["state"] =
                            Value::from(GOV_STATES.get(b as usize).copied().unwrap_or("Unknown"));
                    }
                }
            }
            Ok::<Value, String>(v)
        }
    });
    let delegate = move |_| {
        let Some(me) = w.account.get_untracked().and_then(|a| eth::parse_addr(&a)) else {
            return w.connect();
        };
        let chain = w
            .chain_id
            .get_untracked()
            .or_else(|| {
                w.chains.with_untracked(|c| c.first().and_then(|c| eth::u64_of(&c["chain_id"])))
            })
            .unwrap_or(31337);
        gov_send(
            w,
            chain,
            "token",
            "Delegate your votes to yourself",
            Token::delegateCall { delegatee: me }.abi_encode(),
        );
    };
    view! {
        <h1>"Governance"</h1>
        <p>"Token holders decide how the treasury's fees are allocated and set the protocol's parameters. Votes count once delegated."</p>
        <button data-testid="delegate" on:click=delegate>"Delegate my votes to myself"</button>
        <h2>"Proposals"</h2>
        {move || (res.get().map(|r| match r {
                Err(e) => error_box(format!("Could not load the proposals: {e}")),
                Ok(v) => {
                    let list = items(&v);
                    if list.is_empty() { return view! { <p class="muted">"No proposals yet."</p> }.into_any(); }
                    view! { <ul class="cards">{list.into_iter().map(|p| {
                        let chain = eth::u64_of(&p["chain_id"]).unwrap_or_default();
                        let id = eth::u256(&p["proposal_id"]).unwrap_or_default();
                        let state = p["state"].as_str().unwrap_or_default().to_owned();
                        let desc = p["description"].as_str().unwrap_or_default().lines().next().unwrap_or_default().to_owned();
                        let parts = proposal_parts(&p);
                        let votes = format!("For {} · Against {} · Abstain {}",
                            money(w, chain, "0x1", &p["for_votes"]), money(w, chain, "0x1", &p["against_votes"]), money(w, chain, "0x1", &p["abstain_votes"]));
                        let vote = move |support: u8, label: &'static str| {
                            move |_| gov_send(w, chain, "governor", label, CointentGovernor::castVoteCall { proposalId: id, support }.abi_encode())
                        };
                        let p2 = parts.clone();
                        view! {
                            <li class="card" data-testid="proposal">
                                <h3>{desc}</h3>
                                <p class="small"><span class="tag" data-testid="proposal-state">{state.clone()}</span>" "{w.chain_name(chain)}</p>
                                <p class="small">{votes}</p>
                                <div class="buttons">
                                    <Show when={let s = state.clone(); move || s == "Active"}>
                                        <button data-testid="vote-for" on:click=vote(1, "Vote for")>"Vote for"</button>
                                        <button on:click=vote(0, "Vote against")>"Vote against"</button>
                                        <button on:click=vote(2, "Abstain")>"Abstain"</button>
                                    </Show>
                                    {(state == "Succeeded").then(|| parts.clone().map(|(t, v, c, d)| view! {
                                        <button data-testid="queue" on:click=move |_| gov_send(w, chain, "governor", "Queue the proposal",
                                            CointentGovernor::queueCall { targets: t.clone(), values: v.clone(), calldatas: c.clone(), descriptionHash: d }.abi_encode())>"Queue"</button>
                                    }))}
                                    {(state == "Queued").then(|| p2.clone().map(|(t, v, c, d)| view! {
                                        <button data-testid="execute" on:click=move |_| gov_send(w, chain, "governor", "Execute the proposal",
                                            CointentGovernor::executeCall { targets: t.clone(), values: v.clone(), calldatas: c.clone(), descriptionHash: d }.abi_encode())>"Execute"</button>
                                    }))}
                                </div>
                            </li>
                        }
                    }).collect_view()}</ul> }.into_any()
                }
            })).unwrap_or_else(loading)}
    }
}

/// A bytes32 label as text (the Treasury stores labels as bytes32).
fn label_text(l: &str) -> String {
    match net::unhex(l) {
        Some(b) if l.len() == 66 => String::from_utf8_lossy(&b).trim_end_matches('\0').to_owned(),
        _ => l.to_owned(),
    }
}

/// A bar chart of monthly inflows and outflows, as inline SVG.
fn flow_chart(months: &[(String, f64, f64)]) -> String {
    let max = months.iter().map(|m| m.1.max(m.2)).fold(1.0, f64::max);
    let bw = 24;
    let width = (months.len() * (bw * 2 + 12)).max(200);
    let mut h = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} 140\" role=\"img\" aria-label=\"Monthly treasury inflows (green) and outflows (grey)\">"
    );
    for (i, (label, inflow, outflow)) in months.iter().enumerate() {
        let x = i * (bw * 2 + 12);
        let hi = (inflow / max * 110.0) as u32;
        let ho = (outflow / max * 110.0) as u32;
        h += &format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{bw}\" height=\"{hi}\" fill=\"#0b6e4f\"><title>{l}: in {}</title></rect><rect x=\"{}\" y=\"{}\" width=\"{bw}\" height=\"{ho}\" fill=\"#9aa0a6\"><title>{l}: out {}</title></rect><text x=\"{x}\" y=\"135\" font-size=\"9\">{l}</text>",
            120 - hi,
            *inflow as u64,
            x + bw,
            120 - ho,
            *outflow as u64,
            l = esc(label)
        );
    }
    h + "</svg>"
}

/// The treasury report: balances, allocations, monthly flows.
pub(crate) fn treasury() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let res = LocalResource::new(move || {
        let chain = w.chains.get().first().map(|c| eth::num_text(&c["chain_id"]));
        async move {
            let Some(c) = chain else { return Err("no chain".to_owned()) };
            let t = net::get(&format!("/v1/treasury?chain_id={c}")).await?;
            let r =
                net::get(&format!("/v1/treasury/report?chain_id={c}")).await.unwrap_or(Value::Null);
            Ok((c.parse::<u64>().unwrap_or_default(), t, r))
        }
    });
    view! {
        <h1>"Treasury"</h1>
        <p>"Platform fees flow to the treasury; token holders vote on how they are allocated. Every flow is an on-chain event."</p>
        {move || (res.get().map(|r| match r {
                Err(e) => error_box(format!("Could not load the treasury: {e}")),
                Ok((chain, t, report)) => {
                    let allocations = items(&t["allocations"]);
                    let balances = items(&t["balances"]);
                    let months: Vec<(String, f64, f64)> = items(if report["months"].is_array() { &report["months"] } else { &report })
                        .iter()
                        .map(|m| {
                            let n = |k: &str| eth::num_text(&m[k]).parse::<f64>().unwrap_or(0.0) / 1e6;
                            (m["month"].as_str().unwrap_or_default().chars().take(7).collect(), n("inflow").max(n("received")), n("outflow").max(n("distributed")))
                        })
                        .collect();
                    let mut h = String::from("<section><h2>Balances</h2><ul class=\"plain\">");
                    for b in &balances {
                        h += &format!("<li>{}</li>", esc(&money(w, chain, b["token"].as_str().unwrap_or_default(), &b["balance"])));
                    }
                    h += "</ul></section><section><h2>Allocations</h2><table><thead><tr><th scope=\"col\">Label</th><th scope=\"col\">Recipient</th><th scope=\"col\">Share</th></tr></thead><tbody>";
                    for a in &allocations {
                        h += &format!("<tr><td>{}</td><td>{}</td><td>{} bps</td></tr>", esc(&label_text(a["label"].as_str().unwrap_or_default())), esc(&eth::short(a["recipient"].as_str().unwrap_or_default())), esc(&eth::num_text(&a["bps"])));
                    }
                    h += "</tbody></table></section><section><h2>Monthly flows</h2>";
                    h += &if months.is_empty() { "<p class=\"muted\">No flows yet.</p>".to_owned() } else { flow_chart(&months) };
                    h += "</section>";
                    raw(h)
                }
            })).unwrap_or_else(loading)}
    }
}
