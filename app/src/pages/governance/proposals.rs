//! A proposal's card: what its calls do in words, when voting ends, the tally and quorum in
//! votes, the connected account's ballot or its power at the snapshot, and the actions its
//! state allows (vote with a reason, queue, execute).
//!
//! Voting is offered only to an account with voting power at the proposal's snapshot: the
//! Governor would accept a vote of weight zero, and a "confirmed" vote that moves nothing
//! misleads; the card says why instead, and what to do before the next proposal.

use alloy_primitives::{U256, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::CointentGovernor;
use cointent_domain::{escape_html, governance::VoteSupport};
use leptos::prelude::*;

use super::{
    Names, Typed, block, calls, field,
    read::{Ballot, ChainGov, ProposalView},
    send, who_html,
};
use crate::{
    format::{date, votes},
    i18n::{t, tf},
    wallet::Wallet,
};

/// A choice as people say it.
pub(crate) fn support_word(s: VoteSupport) -> String {
    match s {
        VoteSupport::For => t("For"),
        VoteSupport::Against => t("Against"),
        VoteSupport::Abstain => t("Abstain"),
    }
}

/// A proposal's state (the Governor's name, or the mirror's) as people read it.
fn state_word(state: &str) -> String {
    match state {
        "Pending" => t("Pending"),
        "Active" => t("Active"),
        "Canceled" => t("Canceled"),
        "Defeated" => t("Defeated"),
        "Succeeded" => t("Succeeded"),
        "Queued" => t("Queued"),
        "Expired" => t("Expired"),
        "Executed" => t("Executed"),
        "Created" => t("Created"),
        other => other.to_owned(),
    }
}

/// When voting opens or closes, in the reader's time.
fn time_html(v: &ProposalView, now: u64) -> String {
    let text = if now <= v.snapshot {
        tf("Voting opens {0} and ends {1}.", &[&date(v.snapshot), &date(v.deadline)])
    } else if now <= v.deadline {
        tf("Voting ends {0}.", &[&date(v.deadline)])
    } else {
        tf("Voting ended {0}.", &[&date(v.deadline)])
    };
    let eta = match (v.state, v.p.eta) {
        ("Queued", Some(eta)) if eta > now => tf(" It can be executed after {0}.", &[&date(eta)]),
        _ => String::new(),
    };
    format!("<p class=\"small\" data-testid=\"proposal-time\">{text}{eta}</p>")
}

/// The tally and the quorum.
fn tally_html(v: &ProposalView) -> String {
    let [against, for_, abstain] = v.tally;
    let mut s = format!(
        "<p data-testid=\"tally\">{}</p>",
        escape_html(&tf(
            "For {0} · Against {1} · Abstain {2}",
            &[&votes(for_), &votes(against), &votes(abstain)]
        ))
    );
    if let Some(q) = v.quorum {
        let counted = for_ + abstain;
        let text = if counted >= q {
            tf(
                "Quorum: {0} votes (For and Abstain count); {1} so far: reached.",
                &[&votes(q), &votes(counted)],
            )
        } else {
            tf(
                "Quorum: {0} votes (For and Abstain count); {1} so far: not reached yet.",
                &[&votes(q), &votes(counted)],
            )
        };
        s += &format!("<p class=\"small\" data-testid=\"quorum\">{}</p>", escape_html(&text));
    }
    s
}

/// The connected account's ballot, or what it may do.
fn ballot_html(v: &ProposalView) -> String {
    let (class, text) = match (&v.ballot, v.power) {
        (None, _) => return String::new(),
        (Some(Ballot::Cast(Some(b))), _) => {
            let reason = if b.reason.is_empty() {
                String::new()
            } else {
                format!(": \u{201c}{}\u{201d}", b.reason)
            };
            (
                "ok",
                tf(
                    "You voted {0} with {1} votes{2}.",
                    &[&support_word(b.support), &votes(b.weight.0), &reason],
                ),
            )
        }
        (Some(Ballot::Cast(None)), _) => {
            ("ok", t("You voted on this proposal; your choice shows once the indexer has it."))
        }
        (Some(Ballot::None), None) if v.state == "Pending" => (
            "muted",
            tf(
                "Voting opens {0}: the votes delegated to you by then are the ones that count.",
                &[&date(v.snapshot)],
            ),
        ),
        (Some(Ballot::None), Some(p)) if p.is_zero() => (
            "error",
            tf(
                "You had no voting power when this proposal started (snapshot {0}): delegate before the next one.",
                &[&date(v.snapshot)],
            ),
        ),
        (Some(Ballot::None), Some(p)) if v.state == "Active" => (
            "",
            tf(
                "Your voting power on this proposal: {0} votes (as of its snapshot, {1}).",
                &[&votes(p), &date(v.snapshot)],
            ),
        ),
        _ => return String::new(),
    };
    let testid = if class == "error" { "vote-blocked" } else { "your-vote" };
    format!("<p class=\"{class}\" data-testid=\"{testid}\">{}</p>", escape_html(&text))
}

/// The card's read-only part (HTML).
fn card_html(c: &ChainGov, v: &ProposalView, names: &Names) -> String {
    let p = &v.p;
    let title = p.description.lines().next().unwrap_or_default();
    let mut s = format!(
        "<h3>{}</h3><p class=\"small\"><span class=\"tag\" data-testid=\"proposal-state\">{}</span> {} · {}</p>",
        escape_html(title),
        escape_html(&state_word(v.state)),
        escape_html(&c.chain.name),
        tf("proposed by {0}", &[&who_html(names, &p.proposer)])
    );
    s += &time_html(v, c.now);
    s += "<ul class=\"small\" data-testid=\"proposal-calls\">";
    for (to, d) in p.targets.iter().zip(&p.calldatas) {
        s += &format!("<li>{}</li>", escape_html(&calls::describe(&c.chain, names, to, d)));
    }
    s += "</ul>";
    s += &tally_html(v);
    s + &ballot_html(v)
}

/// One proposal's card with the actions its state allows.
pub(super) fn card(
    w: Wallet,
    typed: Typed,
    c: &ChainGov,
    v: &ProposalView,
    names: &Names,
) -> AnyView {
    let chain = c.chain.chain_id;
    let id = v.p.proposal_id.0;
    let can_vote = v.state == "Active"
        && matches!(v.ballot, Some(Ballot::None))
        && v.power.is_some_and(|p| !p.is_zero());
    let reason_id = format!("reason-{chain}-{id}");
    let vote = |support: u8, label: String, key: &'static str| {
        let (reason_id, name) = (reason_id.clone(), label.clone());
        let on_click = Callback::new(move |()| {
            let reason = typed.get(&reason_id).trim().to_owned();
            let data = CointentGovernor::castVoteWithReasonCall { proposalId: id, support, reason }
                .abi_encode();
            send(w, key, chain, "governor", name.clone(), data);
        });
        (label, key, on_click)
    };
    // Queue and execute take the proposal's calls again; the API does not carry their native
    // values: Co-Intent's proposals send none.
    let p = &v.p;
    let (to, cds, d) =
        (p.targets.clone(), p.calldatas.clone(), keccak256(p.description.as_bytes()));
    let values = vec![U256::ZERO; to.len()];
    let next = match v.state {
        "Succeeded" => Some((
            t("Queue"),
            t("Queue the proposal"),
            "queue",
            CointentGovernor::queueCall { targets: to, values, calldatas: cds, descriptionHash: d }
                .abi_encode(),
        )),
        "Queued" => Some((
            t("Execute"),
            t("Execute the proposal"),
            "execute",
            CointentGovernor::executeCall {
                targets: to,
                values,
                calldatas: cds,
                descriptionHash: d,
            }
            .abi_encode(),
        )),
        _ => None,
    };
    let mut html = card_html(c, v, names);
    let list = if can_vote {
        html += &field(
            typed,
            &t("Your reason (optional, public)"),
            &reason_id,
            &t("Why you vote this way"),
        );
        vec![
            vote(1, t("Vote For"), "vote-for"),
            vote(0, t("Vote Against"), "vote-against"),
            vote(2, t("Abstain"), "vote-abstain"),
        ]
    } else {
        next.map(|(label, what, key, data)| {
            let on_click = Callback::new(move |()| {
                send(w, key, chain, "governor", what.clone(), data.clone())
            });
            vec![(label, key, on_click)]
        })
        .unwrap_or_default()
    };
    block("card", id.to_string(), html, list)
}
