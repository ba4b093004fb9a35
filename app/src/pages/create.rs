//! Create an order: a form per kind, the metadata document uploaded after sign-in with
//! Ethereum (EIP-4361), a review of the terms with their hash, then `createOrder`.

use alloy_primitives::{Address, U256, Uint, hex, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::{
    Escrow,
    IEscrow::{Split, Terms},
};
use cointent_domain::{
    OrderKind,
    amount::parse_units,
    auth::{AuthNonce, AuthSession, AuthVerifyRequest},
    chains::ChainInfo,
    escape_html,
    metadata::{MetadataArtisan, MetadataDocument, MetadataSplit, MetadataStored},
    terms::terms_hash,
};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::raw;
use crate::{
    api, eth,
    format::{date, token_meta, units},
    net::{self, array, member},
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
    let nonce = match api::post::<AuthNonce>("/v1/auth/nonce", "{}", None).await {
        Ok(n) => n.nonce,
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
            array(&[hex::encode_prefixed(message.as_bytes()).into(), account.as_str().into()]),
        )
        .await?;
    let body = serde_json::to_string(&AuthVerifyRequest { message, signature: sig }).ok()?;
    match api::post::<AuthSession>("/v1/auth/verify", &body, None).await {
        Ok(session) => {
            let token = session.token;
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

/// The form's values, read from the DOM when the form is submitted.
struct Form {
    kind: String,
    chain: String,
    token: String,
    title: String,
    description: String,
    category: String,
    region: String,
    craft: String,
    maker: String,
    story: String,
    price: String,
    min: String,
    max: String,
    days: String,
    review_hours: String,
    promoter_bps: String,
    milestones: String,
    buyer: String,
    arbiter: String,
    partner: String,
    partner_bps: String,
}

/// The value of the form control `id`.
fn value(id: &str) -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| js_sys::Reflect::get(&e, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// What the review shows and the publish step sends.
#[derive(Clone, PartialEq)]
struct Draft {
    chain_id: u64,
    document: String,
    terms: Terms,
}

async fn build(w: Wallet, f: Form) -> Result<Draft, String> {
    let kind: OrderKind = f.kind.parse().map_err(|_| "Choose a kind of order.")?;
    let chain_id: u64 = f.chain.clone().parse().map_err(|_| "Choose a chain.")?;
    let chain = w.chain(chain_id).ok_or("That chain is not served here.")?;
    let escrow = chain.contract("escrow").map(|a| eth::addr_hex(&a)).unwrap_or_default();
    let rpc = chain.rpc_url.clone();
    let token = if f.token.clone() == "native" {
        Address::ZERO
    } else {
        chain.contract("stablecoin").ok_or("This chain has no stablecoin.")?
    };
    let seller = w
        .account
        .get_untracked()
        .and_then(|a| eth::parse_addr(&a))
        .ok_or("Connect a wallet first: it will be the seller.")?;
    let title = f.title.clone();
    if title.trim().is_empty() || title.len() > 200 {
        return Err("The title must have 1 to 200 characters.".into());
    }
    let (_, dec) = token_meta(w, chain_id, &token);
    let price = parse_units(&f.price, dec)
        .ok()
        .filter(|p| !p.is_zero())
        .ok_or("Enter a unit price, e.g. 25 or 12.5.")?;
    let num = |s: &String, what: &str| {
        s.trim().parse::<u64>().map_err(|_| format!("{what} must be a whole number."))
    };
    let (min, max) = if kind == OrderKind::Collective {
        (num(&f.min, "Minimum units")?, num(&f.max, "Maximum units")?)
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
        .clone()
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
    let sole = if kind == OrderKind::Collective {
        Address::ZERO
    } else {
        eth::parse_addr(&f.buyer.clone()).ok_or("Enter the buyer's or client's address.")?
    };
    let arbiter = eth::parse_addr(&f.arbiter.clone()).ok_or("Enter the arbiter's address.")?;
    let mut splits = Vec::new();
    let partner = f.partner.clone();
    if !partner.trim().is_empty() {
        splits.push(Split {
            recipient: eth::parse_addr(&partner).ok_or("The partner must be an address.")?,
            bps: num(&f.partner_bps, "The partner's share")? as u16 * 100,
        });
    }
    let fee_out = net::eth_call(&rpc, &escrow, &Escrow::feeBpsCall {}.abi_encode()).await?;
    let fee = Escrow::feeBpsCall::abi_decode_returns(&fee_out).map_err(|e| e.to_string())?;
    let now = net::chain_time(&rpc).await?;
    let deadline = now + num(&f.days, "Funding days")? * 86_400;
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut doc = MetadataDocument::new(kind, title.trim());
    doc.description = text(&f.description);
    doc.category = text(&f.category);
    if !f.maker.trim().is_empty() {
        doc.artisan = Some(MetadataArtisan {
            address: Some(eth::addr_hex(&seller)),
            name: text(&f.maker),
            region: text(&f.region),
            craft: text(&f.craft),
            story: text(&f.story),
        });
    }
    if let Some(s) = splits.first() {
        doc.splits = Some(vec![MetadataSplit {
            recipient: eth::addr_hex(&s.recipient),
            label: Some("Partner shop".into()),
        }]);
    }
    let document = serde_json::to_string(&doc).map_err(|_| "The document could not be written.")?;
    let terms = Terms {
        seller,
        token,
        unitPrice: Uint::from_limbs_slice(price.as_limbs()),
        minUnits: min as u32,
        maxUnits: max as u32,
        fundingDeadline: Uint::from(deadline),
        reviewPeriod: (num(&f.review_hours, "Review hours")? * 3600) as u32,
        promoterBps: num(&f.promoter_bps, "Promoter share")? as u16 * 100,
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
    match api::post::<MetadataStored>("/v1/metadata", &d.document, Some(&token)).await {
        Ok(stored) if stored.hash == d.terms.metadataHash => {}
        Ok(stored) => {
            w.tx.set(TxState::Failed(
                "Upload".into(),
                format!(
                    "the server stored the document under another hash ({})",
                    hex::encode_prefixed(stored.hash)
                ),
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
    let Some(escrow) = w.contract(d.chain_id, "escrow") else { return };
    let call = Escrow::createOrderCall { terms: d.terms.clone() };
    if let Some(receipt) =
        w.send_receipt(d.chain_id, "Create the order", &escrow, call.abi_encode(), U256::ZERO).await
    {
        let logs = member(&receipt, "logs");
        let id = js_sys::Array::is_array(&logs)
            .then(|| {
                logs.unchecked_ref::<js_sys::Array>().iter().find(|l| {
                    member(l, "address")
                        .as_string()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&escrow))
                })
            })
            .flatten()
            .and_then(|l| {
                member(&member(&l, "topics"), "1")
                    .as_string()
                    .and_then(|t| U256::from_str_radix(t.trim_start_matches("0x"), 16).ok())
            });
        if let Some(id) = id {
            crate::router::navigate(&format!("/orders/{}/{id}", d.chain_id));
        }
    }
}

/// The form: plain HTML, read once on submit (no signal per field keeps the WASM small).
fn form_html(chains: &[ChainInfo]) -> String {
    let input = |label: &str, id: &str, value: &str, hint: &str| {
        format!(
            "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" value=\"{value}\" placeholder=\"{hint}\">"
        )
    };
    let area = |label: &str, id: &str| {
        format!(
            "<label for=\"{id}\">{label}</label><textarea id=\"{id}\" name=\"{id}\"></textarea>"
        )
    };
    let chain_opts: String = chains
        .iter()
        .map(|c| {
            let id = c.chain_id;
            format!("<option value=\"{id}\">{} ({id})</option>", escape_html(&c.name))
        })
        .collect();
    [
        "<label for=\"c-kind\">Kind</label><select id=\"c-kind\"><option value=\"collective\">Collective order (many backers)</option><option value=\"sale\">Handicraft sale (one buyer)</option><option value=\"freelance\">Freelance job (one client, milestones)</option></select>".to_owned(),
        format!("<label for=\"c-chain\">Chain</label><select id=\"c-chain\">{chain_opts}</select>"),
        "<label for=\"c-token\">Paid in</label><select id=\"c-token\"><option value=\"stablecoin\">dUSD (stablecoin)</option><option value=\"native\">ETH (native coin)</option></select>".to_owned(),
        input("Title", "c-title", "", "Hand-woven wool blanket"),
        area("Description", "c-desc"),
        input("Category", "c-category", "", "textiles"),
        input("Maker's name", "c-maker", "", ""),
        input("Region", "c-region", "", "Cusco"),
        input("Craft", "c-craft", "", "weaving"),
        area("The maker's story", "c-story"),
        input("Unit price", "c-price", "", "25"),
        input("Minimum units (the goal)", "c-min", "10", "collective orders"),
        input("Maximum units (the cap)", "c-max", "100", "collective orders"),
        input("Buyer or client address (sales and freelance jobs)", "c-buyer", "", "0x…"),
        input("Funding days", "c-days", "14", ""),
        input("Review period (hours)", "c-review", "72", ""),
        input("Promoters' share (%)", "c-promoter", "5", ""),
        input("Milestones (% each, comma-separated)", "c-milestones", "100", "50, 50"),
        input("Arbiter address", "c-arbiter", "", "0x…"),
        input("Partner shop address (optional)", "c-partner", "", "0x…"),
        input("Partner's share (%)", "c-partner-bps", "0", ""),
    ]
    .concat()
}

fn read_form() -> Form {
    Form {
        kind: value("c-kind"),
        chain: value("c-chain"),
        token: value("c-token"),
        title: value("c-title"),
        description: value("c-desc"),
        category: value("c-category"),
        region: value("c-region"),
        craft: value("c-craft"),
        maker: value("c-maker"),
        story: value("c-story"),
        price: value("c-price"),
        min: value("c-min"),
        max: value("c-max"),
        days: value("c-days"),
        review_hours: value("c-review"),
        promoter_bps: value("c-promoter"),
        milestones: value("c-milestones"),
        buyer: value("c-buyer"),
        arbiter: value("c-arbiter"),
        partner: value("c-partner"),
        partner_bps: value("c-partner-bps"),
    }
}

/// The create page.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let draft = RwSignal::new(None::<Draft>);
    let error = RwSignal::new(None::<String>);
    let review = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        spawn_local(async move {
            match build(w, read_form()).await {
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
    view! {
        <h1>"Create an order"</h1>
        <form class="create" on:submit=review>
            {move || raw(form_html(&w.chains.get()))}
            <button type="submit" data-testid="review">"Review the terms"</button>
        </form>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || draft.get().map(|d| {
            let t = d.terms.clone();
            let (sym, dec) = token_meta(w, d.chain_id, &t.token);
            let rows: Vec<(&str, String)> = vec![
                ("Seller", eth::addr_hex(&t.seller)),
                ("Unit price", format!("{} {sym}", units(U256::from(t.unitPrice), dec))),
                ("Units", format!("{} to {}", t.minUnits, t.maxUnits)),
                ("Funding deadline", date(t.fundingDeadline.to::<u64>())),
                ("Review period", format!("{} h", t.reviewPeriod / 3600)),
                ("Platform fee", format!("{} bps", t.feeBps)),
                ("Promoters", format!("{} bps", t.promoterBps)),
                ("Milestones (bps)", format!("{:?}", t.milestoneBps)),
                ("Arbiter", eth::addr_hex(&t.arbiter)),
                ("Metadata hash", hex::encode_prefixed(t.metadataHash)),
                ("Terms hash", hex::encode_prefixed(terms_hash(&t))),
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
