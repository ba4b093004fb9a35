//! The transparency page, the target of a product's QR code (`/t/{chain}/{id}`): the order's
//! record, price breakdown, story and proof, checked against the chain itself. The page reads
//! `termsHashOf` and `orderState` from the escrow lens through the chain's RPC URL (no
//! wallet), packs the indexer's terms again and hashes them (keccak256 of the packed terms, as
//! the escrow does), hashes the packed terms the indexer kept from `OrderCreated`, and says
//! plainly whether the indexer's record matches the chain.

use alloy_primitives::{B256, U256, hex, keccak256};
use cointent_abi::EscrowLens;
use cointent_domain::{
    OrderStatus, chains::ChainInfo, escape_html, metadata::MetadataDocument,
    transparency::TransparencyRecord,
};
use leptos::prelude::*;

use super::{
    Load, dl_html, error_box, loading,
    order::{breakdown_html, call},
    raw,
};
use crate::{
    api, eth,
    i18n::{t, tf},
    wallet::Wallet,
};

/// What the page found.
struct Check {
    /// The indexer's record and proof.
    record: TransparencyRecord,
    /// `termsHashOf` on chain.
    chain_hash: B256,
    /// keccak256 of the indexer's terms, packed.
    recomputed: Option<B256>,
    /// The order's status on chain.
    chain_status: String,
    /// What does not match, in sentences.
    problems: Vec<String>,
}

async fn check(w: Wallet, chain_id: u64, order_id: String) -> Result<Check, String> {
    let record: TransparencyRecord =
        api::get(&format!("/v1/transparency/{chain_id}/{order_id}")).await?;
    let proof = &record.proof;
    let chains = match w.chains.get_untracked() {
        c if c.is_empty() => api::get::<Vec<ChainInfo>>("/v1/chains").await?,
        c => c,
    };
    let chain = chains
        .iter()
        .find(|c| c.chain_id == chain_id)
        .ok_or_else(|| tf("chain {0} is not served here", &[&chain_id]))?;
    let rpc = &chain.rpc_url;
    let lens = chain.contract("escrow_lens").ok_or_else(|| t("the chain has no escrow lens"))?;
    let lens = eth::addr_hex(&lens);
    let id = U256::from_str_radix(&order_id, 10).map_err(|_| t("the order id must be a number"))?;
    let chain_hash = call(rpc, &lens, EscrowLens::termsHashOfCall { orderId: id })
        .await
        .map_err(|e| tf("cannot read the chain at {0}: {1}", &[&rpc, &e]))?;
    let state = call(rpc, &lens, EscrowLens::orderStateCall { orderId: id }).await?;
    let chain_status = OrderStatus::try_from(state.status).map_or("?", OrderStatus::as_str).into();

    let mut problems = Vec::new();
    let recomputed = match proof.terms.hash() {
        Ok(h) => Some(h),
        Err(e) => {
            problems.push(tf("The indexer's terms cannot be packed: {0}.", &[&e]));
            None
        }
    };
    if chain_hash.is_zero() {
        problems.push(tf("The chain has no order #{0}.", &[&order_id]));
    } else {
        if recomputed.is_some_and(|h| h != chain_hash) {
            problems.push(t("The terms the indexer shows do not hash to the terms hash stored on chain: the price, splits or other terms shown here are not the real ones."));
        }
        if proof.terms_hash != chain_hash {
            problems.push(t("The terms hash the indexer reports differs from the one on chain."));
        }
        if keccak256(&proof.terms_packed) != chain_hash {
            problems
                .push(t("The packed terms in the proof do not hash to the chain's terms hash."));
        }
    }
    Ok(Check { record, chain_hash, recomputed, chain_status, problems })
}

/// The transparency page.
pub(crate) fn page(chain_id: u64, order_id: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let oid = order_id.clone();
    let res = Load::new(move || check(w, chain_id, oid.clone()));
    view! {
        <h1>{tf("Order #{0}: the record", &[&order_id])}</h1>
        {move || res.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(tf("Could not check this record: {0}", &[&e])),
                Some(Ok(c)) => render(w, chain_id, &order_id, c),
            })}
    }
}

fn render(w: Wallet, chain_id: u64, order_id: &str, c: &Check) -> AnyView {
    let ok = c.problems.is_empty();
    let (order, proof) = (&c.record.record, &c.record.proof);
    let meta: Option<MetadataDocument> = order.metadata.as_ref().and_then(api::document);
    let indexer_status = order.summary.status.as_str();
    let status_note = (indexer_status != c.chain_status).then(|| {
        tf(
            "Status: the chain says {0}, the indexer says {1} (it may be a few blocks behind).",
            &[&t(&c.chain_status), &t(indexer_status)],
        )
    });
    let story = meta
        .as_ref()
        .and_then(|m| m.artisan.as_ref().and_then(|a| a.story.clone()).or(m.description.clone()))
        .unwrap_or_default();
    let title = meta.as_ref().map(|m| m.title.clone()).unwrap_or_default();
    let hex_or_dash = |h: Option<B256>| h.map_or_else(|| "—".into(), hex::encode_prefixed);
    let proof_rows: Vec<(String, String)> = vec![
        (t("Chain"), w.chain_name(chain_id)),
        (t("Escrow contract"), proof.contract.map(|a| eth::addr_hex(&a)).unwrap_or_default()),
        (t("Transaction"), hex::encode_prefixed(proof.tx_hash)),
        (t("Block"), format!("{} {}", proof.block_number, hex::encode_prefixed(proof.block_hash))),
        (t("Log index"), proof.log_index.to_string()),
        (t("Terms hash on chain"), hex::encode_prefixed(c.chain_hash)),
        (t("Terms hash (indexer)"), hex::encode_prefixed(proof.terms_hash)),
        (t("Hash of the indexer's terms"), hex_or_dash(c.recomputed)),
        (t("Status on chain"), t(&c.chain_status)),
    ];
    let mut h = if ok {
        format!(
            "<p class=\"verdict ok\" role=\"status\" data-testid=\"verdict\">{t0}</p>",
            t0 = escape_html(&t(
                "✓ Matches the chain: the terms below are exactly those the escrow holds."
            ))
        )
    } else {
        format!(
            "<div class=\"verdict bad\" role=\"alert\" data-testid=\"verdict\"><p><strong>{t0}</strong> {t1}</p><ul>{}</ul></div>",
            c.problems.iter().map(|p| format!("<li>{}</li>", escape_html(p))).collect::<String>(),
            t0 = escape_html(&t("Does not match the chain.")),
            t1 = escape_html(&t("Do not trust this record."))
        )
    };
    if let Some(n) = status_note {
        h += &format!("<p class=\"small\">{}</p>", escape_html(&n));
    }
    if !title.is_empty() {
        h += &format!("<h2>{}</h2>", escape_html(&title));
    }
    h += &breakdown_html(w, chain_id, &proof.terms, meta.as_ref());
    if !story.is_empty() {
        h += &format!(
            "<h2>{t0}</h2><p class=\"story\">{}</p>",
            escape_html(&story),
            t0 = escape_html(&t("The story"))
        );
    }
    h += &format!("<h2>{t0}</h2>", t0 = escape_html(&t("Proof")));
    h += &dl_html("terms proof", &proof_rows);
    h += &format!(
        "<p><img class=\"qr\" src=\"/v1/qr/{chain_id}/{order_id}?format=svg\" alt=\"{alt}\" width=\"160\" height=\"160\"></p><p><a href=\"/orders/{chain_id}/{order_id}\">{t0}</a></p>",
        alt = escape_html(&t("QR code of this page")),
        t0 = escape_html(&t("Open the order"))
    );
    raw(h)
}
