//! Create an order: a form per kind, the metadata document uploaded after sign-in with
//! Ethereum (EIP-4361), a review of the terms with their hash, then `createOrder`.

use alloy_primitives::{Address, U256, Uint, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::{
    Escrow,
    IEscrow::{Split, Terms},
};
use leptos::{prelude::*, task::spawn_local};
use serde_json::{Value, json};

use super::token_meta;
use crate::{
    eth, net,
    wallet::{TxState, Wallet},
};

/// A session token from `/v1/auth/verify`, kept for the tab's life.
fn session() -> Option<String> {
    web_sys::window()?.session_storage().ok()??.get_item("cointent.session").ok()?
}

/// Signs in with Ethereum: nonce, EIP-4361 message, `personal_sign`, verify.
pub(crate) async fn sign_in(w: Wallet, chain_id: u64) -> Option<String> {
    if let Some(t) = session() {
        return Some(t);
    }
    let account = w.ensure_account().await?;
    let address: Address = account.parse().ok()?;
    let nonce = match net::post("/v1/auth/nonce", "{}", None).await {
        Ok(v) => v["nonce"].as_str().unwrap_or_default().to_owned(),
        Err(e) => {
            w.tx.set(TxState::Failed("Sign in".into(), e));
            return None;
        }
    };
    let loc = web_sys::window()?.location();
    let host = loc.host().ok()?;
    let origin = loc.origin().ok()?;
    let issued = String::from(js_sys::Date::new_0().to_iso_string());
    let message = format!(
        "{host} wants you to sign in with your Ethereum account:\n{}\n\nSign in to Co-Intent to publish order metadata.\n\nURI: {origin}\nVersion: 1\nChain ID: {chain_id}\nNonce: {nonce}\nIssued At: {issued}",
        address.to_checksum(None)
    );
    let sig = w
        .sign(
            "Sign in with Ethereum",
            "personal_sign",
            json!([net::hex(message.as_bytes()), account]),
        )
        .await?;
    let body = json!({"message": message, "signature": sig}).to_string();
    match net::post("/v1/auth/verify", &body, None).await {
        Ok(v) => {
            let token = v["token"].as_str()?.to_owned();
            if let Some(s) = web_sys::window()?.session_storage().ok()? {
                let _ = s.set_item("cointent.session", &token);
            }
            Some(token)
        }
        Err(e) => {
            w.tx.set(TxState::Failed("Sign in".into(), e));
            None
        }
    }
}

/// The form's fields.
#[derive(Clone, Copy)]
struct Form {
    kind: RwSignal<String>,
    chain: RwSignal<String>,
    token: RwSignal<String>,
    title: RwSignal<String>,
    description: RwSignal<String>,
    category: RwSignal<String>,
    region: RwSignal<String>,
    craft: RwSignal<String>,
    maker: RwSignal<String>,
    story: RwSignal<String>,
    price: RwSignal<String>,
    min: RwSignal<String>,
    max: RwSignal<String>,
    days: RwSignal<String>,
    review_hours: RwSignal<String>,
    promoter_bps: RwSignal<String>,
    milestones: RwSignal<String>,
    buyer: RwSignal<String>,
    arbiter: RwSignal<String>,
    partner: RwSignal<String>,
    partner_bps: RwSignal<String>,
}

/// What the review shows and the publish step sends.
#[derive(Clone, PartialEq)]
struct Draft {
    chain_id: u64,
    document: String,
    terms: Terms,
}

fn field(
    label: &'static str,
    id: &'static str,
    sig: RwSignal<String>,
    hint: &'static str,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id placeholder=hint prop:value=move || sig.get() on:input=move |e| sig.set(event_target_value(&e)) />
    }
}

async fn build(w: Wallet, f: Form) -> Result<Draft, String> {
    let kind = f.kind.get_untracked();
    let chain_id: u64 = f.chain.get_untracked().parse().map_err(|_| "Choose a chain.")?;
    let chain = w.chain(chain_id).ok_or("That chain is not served here.")?;
    let escrow = chain["contracts"]["escrow"].as_str().unwrap_or_default().to_owned();
    let rpc = chain["rpc_url"].as_str().unwrap_or_default().to_owned();
    let token = if f.token.get_untracked() == "native" {
        Address::ZERO
    } else {
        eth::addr(&chain["contracts"]["stablecoin"]).ok_or("This chain has no stablecoin.")?
    };
    let seller = w
        .account
        .get_untracked()
        .and_then(|a| eth::parse_addr(&a))
        .ok_or("Connect a wallet first: it will be the seller.")?;
    let title = f.title.get_untracked();
    if title.trim().is_empty() || title.len() > 200 {
        return Err("The title must have 1 to 200 characters.".into());
    }
    let (_, dec) = token_meta(w, chain_id, &eth::addr_hex(&token));
    let price = eth::parse_units(&f.price.get_untracked(), dec)
        .filter(|p| !p.is_zero())
        .ok_or("Enter a unit price, e.g. 25 or 12.5.")?;
    let num = |s: RwSignal<String>, what: &str| {
        s.get_untracked()
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("{what} must be a whole number."))
    };
    let (min, max) = if kind == "collective" {
        (num(f.min, "Minimum units")?, num(f.max, "Maximum units")?)
    } else {
        (1, 1)
    };
    if min == 0 || max < min {
        return Err(
            "Units: the minimum must be at least 1 and the maximum at least the minimum.".into()
        );
    }
    let milestones: Vec<u16> = f
        .milestones
        .get_untracked()
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<u16>()
                .map(|x| x * 100)
                .map_err(|_| "Milestones are percentages separated by commas, e.g. 50, 50.")
        })
        .collect::<Result<_, _>>()?;
    if milestones.iter().map(|&x| x as u32).sum::<u32>() != 10_000 {
        return Err("The milestone percentages must add up to 100.".into());
    }
    let sole = if kind == "collective" {
        Address::ZERO
    } else {
        eth::parse_addr(&f.buyer.get_untracked()).ok_or("Enter the buyer's or client's address.")?
    };
    let arbiter =
        eth::parse_addr(&f.arbiter.get_untracked()).ok_or("Enter the arbiter's address.")?;
    let mut splits = Vec::new();
    let partner = f.partner.get_untracked();
    if !partner.trim().is_empty() {
        splits.push(Split {
            recipient: eth::parse_addr(&partner).ok_or("The partner must be an address.")?,
            bps: num(f.partner_bps, "The partner's share")? as u16 * 100,
        });
    }
    let fee_out = net::eth_call(&rpc, &escrow, &Escrow::feeBpsCall {}.abi_encode()).await?;
    let fee = Escrow::feeBpsCall::abi_decode_returns(&fee_out).map_err(|e| e.to_string())?;
    let block = net::rpc(&rpc, "eth_getBlockByNumber", json!(["latest", false])).await?;
    let now = eth::u64_of(&block["timestamp"]).unwrap_or_default();
    let deadline = now + num(f.days, "Funding days")? * 86_400;
    let mut doc = json!({"schema": "cointent.metadata/1", "kind": kind, "title": title.trim()});
    let put = |doc: &mut Value, k: &str, v: String| {
        if !v.trim().is_empty() {
            doc[k] = Value::String(v.trim().to_owned());
        }
    };
    put(&mut doc, "description", f.description.get_untracked());
    put(&mut doc, "category", f.category.get_untracked());
    if !f.maker.get_untracked().trim().is_empty() {
        doc["artisan"] = json!({"address": eth::addr_hex(&seller), "name": f.maker.get_untracked().trim(),
            "region": f.region.get_untracked().trim(), "craft": f.craft.get_untracked().trim(), "story": f.story.get_untracked().trim()});
    }
    if let Some(s) = splits.first() {
        doc["splits"] =
            json!([{"recipient": eth::addr_hex(&s.recipient), "label": "Partner shop"}]);
    }
    let document = doc.to_string();
    let terms = Terms {
        seller,
        token,
        unitPrice: Uint::from_limbs_slice(price.as_limbs()),
        minUnits: min as u32,
        maxUnits: max as u32,
        fundingDeadline: Uint::from(deadline),
        reviewPeriod: (num(f.review_hours, "Review hours")? * 3600) as u32,
        promoterBps: num(f.promoter_bps, "Promoter share")? as u16 * 100,
        feeBps: fee,
        soleBuyer: sole,
        arbiter,
        metadataHash: keccak256(document.as_bytes()),
        milestoneBps: milestones,
        splits,
    };
    Ok(Draft { chain_id, document, terms })
}

async fn publish(w: Wallet, d: Draft) {
    let Some(token) = sign_in(w, d.chain_id).await else { return };
    w.tx.set(TxState::Switching("Uploading the metadata".into()));
    match net::post("/v1/metadata", &d.document, Some(&token)).await {
        Ok(v) if v["hash"].as_str() == Some(&net::hex(d.terms.metadataHash.as_slice())) => {}
        Ok(v) => {
            w.tx.set(TxState::Failed(
                "Upload".into(),
                format!("the server stored the document under another hash ({})", v["hash"]),
            ));
            return;
        }
        Err(e) => {
            if let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
                let _ = s.remove_item("cointent.session");
            }
            w.tx.set(TxState::Failed("Upload".into(), e));
            return;
        }
    }
    let Some(chain) = w.chain(d.chain_id) else { return };
    let escrow = chain["contracts"]["escrow"].as_str().unwrap_or_default().to_owned();
    let call = Escrow::createOrderCall { terms: d.terms.clone() };
    if let Some(receipt) =
        w.send_receipt(d.chain_id, "Create the order", &escrow, call.abi_encode(), U256::ZERO).await
    {
        let id = receipt["logs"]
            .as_array()
            .and_then(|logs| {
                logs.iter().find(|l| {
                    l["address"].as_str().map(str::to_lowercase) == Some(escrow.to_lowercase())
                })
            })
            .and_then(|l| {
                l["topics"][1]
                    .as_str()
                    .and_then(|t| U256::from_str_radix(t.trim_start_matches("0x"), 16).ok())
            });
        if let Some(id) = id {
            crate::navigate(&format!("/orders/{}/{id}", d.chain_id));
        }
    }
}

/// The create page.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let s = |v: &str| RwSignal::new(v.to_owned());
    let f = Form {
        kind: s("collective"),
        chain: s(""),
        token: s("stablecoin"),
        title: s(""),
        description: s(""),
        category: s(""),
        region: s(""),
        craft: s(""),
        maker: s(""),
        story: s(""),
        price: s(""),
        min: s("10"),
        max: s("100"),
        days: s("14"),
        review_hours: s("72"),
        promoter_bps: s("5"),
        milestones: s("100"),
        buyer: s(""),
        arbiter: s(""),
        partner: s(""),
        partner_bps: s("0"),
    };
    Effect::new(move |_| {
        if f.chain.get_untracked().is_empty()
            && let Some(c) = w.chains.get().first()
        {
            f.chain.set(eth::num_text(&c["chain_id"]));
        }
    });
    let draft = RwSignal::new(None::<Draft>);
    let error = RwSignal::new(None::<String>);
    let review = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        spawn_local(async move {
            match build(w, f).await {
                Ok(d) => {
                    error.set(None);
                    draft.set(Some(d));
                }
                Err(e) => {
                    draft.set(None);
                    error.set(Some(e));
                }
            }
        });
    };
    let collective = move || f.kind.get() == "collective";
    view! {
        <h1>"Create an order"</h1>
        <form class="create" on:submit=review>
            <label for="c-kind">"Kind"</label>
            <select id="c-kind" on:change=move |e| {
                let k = event_target_value(&e);
                f.milestones.set(if k == "freelance" { "50, 50".into() } else { "100".into() });
                f.kind.set(k);
            }>
                <option value="collective">"Collective order (many backers)"</option>
                <option value="sale">"Handicraft sale (one buyer)"</option>
                <option value="freelance">"Freelance job (one client, milestones)"</option>
            </select>
            <label for="c-chain">"Chain"</label>
            <select id="c-chain" on:change=move |e| f.chain.set(event_target_value(&e))>
                {move || w.chains.get().iter().map(|c| {
                    let id = eth::num_text(&c["chain_id"]);
                    view! { <option value=id.clone()>{format!("{} ({id})", c["name"].as_str().unwrap_or_default())}</option> }
                }).collect_view()}
            </select>
            <label for="c-token">"Paid in"</label>
            <select id="c-token" on:change=move |e| f.token.set(event_target_value(&e))>
                <option value="stablecoin">"dUSD (stablecoin)"</option>
                <option value="native">"ETH (native coin)"</option>
            </select>
            {field("Title", "c-title", f.title, "Hand-woven wool blanket")}
            <label for="c-desc">"Description"</label>
            <textarea id="c-desc" prop:value=move || f.description.get() on:input=move |e| f.description.set(event_target_value(&e))></textarea>
            {field("Category", "c-category", f.category, "textiles")}
            {field("Maker's name", "c-maker", f.maker, "")}
            {field("Region", "c-region", f.region, "Cusco")}
            {field("Craft", "c-craft", f.craft, "weaving")}
            <label for="c-story">"The maker's story"</label>
            <textarea id="c-story" prop:value=move || f.story.get() on:input=move |e| f.story.set(event_target_value(&e))></textarea>
            {field("Unit price", "c-price", f.price, "25")}
            <Show when=collective>
                {field("Minimum units (the goal)", "c-min", f.min, "")}
                {field("Maximum units (the cap)", "c-max", f.max, "")}
            </Show>
            <Show when=move || !collective()>
                {field("Buyer or client address", "c-buyer", f.buyer, "0x…")}
            </Show>
            {field("Funding days", "c-days", f.days, "")}
            {field("Review period (hours)", "c-review", f.review_hours, "")}
            {field("Promoters' share (%)", "c-promoter", f.promoter_bps, "")}
            {field("Milestones (% each, comma-separated)", "c-milestones", f.milestones, "50, 50")}
            {field("Arbiter address", "c-arbiter", f.arbiter, "0x…")}
            {field("Partner shop address (optional)", "c-partner", f.partner, "0x…")}
            {field("Partner's share (%)", "c-partner-bps", f.partner_bps, "")}
            <button type="submit" data-testid="review">"Review the terms"</button>
        </form>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || draft.get().map(|d| {
            let t = d.terms.clone();
            let (sym, dec) = token_meta(w, d.chain_id, &eth::addr_hex(&t.token));
            let rows: Vec<(&str, String)> = vec![
                ("Seller", eth::addr_hex(&t.seller)),
                ("Unit price", format!("{} {sym}", eth::fmt_units(U256::from(t.unitPrice), dec))),
                ("Units", format!("{} to {}", t.minUnits, t.maxUnits)),
                ("Funding deadline", eth::date(t.fundingDeadline.to::<u64>())),
                ("Review period", format!("{} h", t.reviewPeriod / 3600)),
                ("Platform fee", format!("{} bps", t.feeBps)),
                ("Promoters", format!("{} bps", t.promoterBps)),
                ("Milestones (bps)", format!("{:?}", t.milestoneBps)),
                ("Arbiter", eth::addr_hex(&t.arbiter)),
                ("Metadata hash", net::hex(t.metadataHash.as_slice())),
                ("Terms hash", net::hex(eth::terms_hash(&t).as_slice())),
            ];
            let d2 = d.clone();
            view! {
                <section class="actions" aria-label="Review" data-testid="draft">
                    <h2>"Review"</h2>
                    <dl class="terms">{rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd><code>{v}</code></dd> }).collect_view()}</dl>
                    <details><summary>"Metadata document"</summary><pre>{d.document.clone()}</pre></details>
                    <button class="primary" data-testid="publish" on:click=move |_| spawn_local(publish(w, d2.clone()))>
                        "Sign in, upload and create"
                    </button>
                </section>
            }
        })}
    }
}
