//! Governance (`/governance`): delegate, the proposals with the Governor's own state, vote,
//! queue and execute.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::{CointentGovernor, Token};
use cointent_domain::{
    Page,
    amount::{Grouping, format_units},
    governance::{GovernanceProposal, ProposalState},
};
use leptos::prelude::*;

use super::{Load, error_box, loading};
use crate::{api, eth, net, wallet::Wallet};

/// Sends `data` to deployment `contract` (`governor`, `token`) on `chain_id`.
fn gov_send(w: Wallet, chain_id: u64, contract: &'static str, label: &'static str, data: Vec<u8>) {
    let Some(to) = w.contract(chain_id, contract) else { return };
    w.run(label, async move {
        w.send(chain_id, label, &to, data, U256::ZERO).await;
    });
}

/// Targets, values, calldatas and description hash: the arguments of queue and execute.
type ProposalCalls = (Vec<Address>, Vec<U256>, Vec<Bytes>, B256);

/// The arguments of queue and execute for a proposal. The API does not carry the calls'
/// native values: Co-Intent's proposals send none, so they are zeros.
fn proposal_calls(p: &GovernanceProposal) -> ProposalCalls {
    let values = vec![U256::ZERO; p.targets.len()];
    (p.targets.clone(), values, p.calldatas.clone(), keccak256(p.description.as_bytes()))
}

/// The Governor's `ProposalState`, by index.
const GOV_STATES: [&str; 8] =
    ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

/// The state the mirror recorded, when the Governor cannot be asked.
fn recorded_state(s: ProposalState) -> &'static str {
    match s {
        ProposalState::Created => "Created",
        ProposalState::Queued => "Queued",
        ProposalState::Executed => "Executed",
        ProposalState::Canceled => "Canceled",
    }
}

/// Votes (18 decimals) for people.
fn votes(v: U256) -> String {
    format_units(v, 18, Grouping::None)
}

/// Governance: delegate, proposals with their state, vote, queue, execute.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    // The Governor's own `state()` is read from each chain: it knows Succeeded, Defeated and
    // Expired, which depend on the clock rather than on events.
    let res = Load::new(move || {
        w.refresh.track();
        w.live.track();
        let chains = w.chains.get();
        async move {
            let page: Page<GovernanceProposal> = api::get("/v1/governance/proposals").await?;
            let mut list = Vec::with_capacity(page.items.len());
            for p in page.items {
                let mut state = recorded_state(p.state);
                if let Some(c) = chains.iter().find(|c| c.chain_id == p.chain_id)
                    && let Some(gov) = c.contract("governor")
                    && let Ok(out) = net::eth_call(
                        &c.rpc_url,
                        &eth::addr_hex(&gov),
                        &CointentGovernor::stateCall { proposalId: p.proposal_id.0 }.abi_encode(),
                    )
                    .await
                    && let Some(&b) = out.last()
                {
                    state = GOV_STATES.get(b as usize).copied().unwrap_or("Unknown");
                }
                list.push((p, state));
            }
            Ok::<_, String>(list)
        }
    });
    let delegate = move |_| {
        let Some(me) = w.account.get_untracked().and_then(|a| eth::parse_addr(&a)) else {
            return w.connect();
        };
        let chain = w
            .chain_id
            .get_untracked()
            .or_else(|| w.chains.with_untracked(|c| c.first().map(|c| c.chain_id)))
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
        <button prop:disabled=move || w.flow.get().is_some() data-testid="delegate" on:click=delegate>"Delegate my votes to myself"</button>
        <h2>"Proposals"</h2>
        {move || res.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(format!("Could not load the proposals: {e}")),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No proposals yet."</p> }.into_any(),
                Some(Ok(list)) => view! { <ul class="cards">{list.iter().map(|(p, state)| {
                        let state = *state;
                        let chain = p.chain_id;
                        let id = p.proposal_id.0;
                        let desc = p.description.lines().next().unwrap_or_default().to_owned();
                        let (t, v, c, d) = proposal_calls(p);
                        let tally = format!("For {} · Against {} · Abstain {}",
                            votes(p.for_votes.0), votes(p.against_votes.0), votes(p.abstain_votes.0));
                        let vote = move |support: u8, label: &'static str| {
                            move |_| gov_send(w, chain, "governor", label, CointentGovernor::castVoteCall { proposalId: id, support }.abi_encode())
                        };
                        let queue = CointentGovernor::queueCall { targets: t.clone(), values: v.clone(), calldatas: c.clone(), descriptionHash: d }.abi_encode();
                        let execute = CointentGovernor::executeCall { targets: t, values: v, calldatas: c, descriptionHash: d }.abi_encode();
                        view! {
                            <li class="card" data-testid="proposal">
                                <h3>{desc}</h3>
                                <p class="small"><span class="tag" data-testid="proposal-state">{state}</span>" "{w.chain_name(chain)}</p>
                                <p class="small">{tally}</p>
                                <div class="buttons">
                                    <Show when=move || state == "Active">
                                        <button prop:disabled=move || w.flow.get().is_some() data-testid="vote-for" on:click=vote(1, "Vote for")>"Vote for"</button>
                                        <button prop:disabled=move || w.flow.get().is_some() on:click=vote(0, "Vote against")>"Vote against"</button>
                                        <button prop:disabled=move || w.flow.get().is_some() on:click=vote(2, "Abstain")>"Abstain"</button>
                                    </Show>
                                    {(state == "Succeeded").then(|| view! {
                                        <button prop:disabled=move || w.flow.get().is_some() data-testid="queue" on:click=move |_| gov_send(w, chain, "governor", "Queue the proposal", queue.clone())>"Queue"</button>
                                    })}
                                    {(state == "Queued").then(|| view! {
                                        <button prop:disabled=move || w.flow.get().is_some() data-testid="execute" on:click=move |_| gov_send(w, chain, "governor", "Execute the proposal", execute.clone())>"Execute"</button>
                                    })}
                                </div>
                            </li>
                        }
                    }).collect_view()}</ul> }.into_any(),
            })}
    }
}
