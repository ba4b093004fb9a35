//! Create an order: a form per kind (milestones with their delivery periods, the review and
//! ruling periods, the dispute bond, a payment token from the chain's allowlist; the seller is
//! the connected account), checked as the escrow checks new terms (`Terms::check`), the
//! metadata document uploaded after sign-in with Ethereum (EIP-4361), a review of the terms
//! with their hash, then `createOrder` with the packed terms.

use alloy_primitives::{Address, Bytes, U256, hex, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::Escrow;
use cointent_domain::{
    Amount, DateTime, Milestone, OrderKind, Page, Split, Terms,
    amount::parse_units,
    auth::{AuthNonce, AuthSession, AuthVerifyRequest},
    chains::ChainInfo,
    escape_html,
    metadata::{MetadataArtisan, MetadataDocument, MetadataSplit, MetadataStored},
    terms::terms_hash,
};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::{Load, dl_html, raw};
use crate::{
    api, eth,
    format::{date, percent, period, short, token_meta, units},
    i18n::{t, tf},
    net::{self, array, member},
    wallet::{TxButton, TxState, Wallet},
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
            w.tx.set(TxState::Failed(t("Sign in"), e));
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
            &t("Sign in with Ethereum"),
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
            w.tx.set(TxState::Failed(t("Sign in"), e));
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
    milestones: String,
    delivery_days: String,
    review_days: String,
    ruling_days: String,
    bond: String,
    promoter: String,
    buyer: String,
    arbiter: String,
    partner: String,
    partner_share: String,
}

/// The value of the form control `id`.
pub(crate) fn value(id: &str) -> String {
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
    /// The terms packed, as `createOrder` takes them.
    packed: Bytes,
}

const DAY: u64 = 86_400;

/// A whole number typed by a person, or the sentence saying what `what` must be.
fn whole(s: &str, what: &str) -> Result<u64, String> {
    s.trim().parse::<u64>().map_err(|_| tf("{0} must be a whole number.", &[&what]))
}

/// Comma-separated whole numbers.
fn list(s: &str, what: &str) -> Result<Vec<u64>, String> {
    s.split(',').map(|p| whole(p, what)).collect()
}

async fn build(w: Wallet, f: Form) -> Result<Draft, String> {
    let kind: OrderKind = f.kind.parse().map_err(|_| t("Choose a kind of order."))?;
    let chain_id: u64 = f.chain.parse().map_err(|_| t("Choose a chain."))?;
    let chain = w.chain(chain_id).ok_or_else(|| t("That chain is not served here."))?;
    let escrow = chain.contract("escrow").map(|a| eth::addr_hex(&a)).unwrap_or_default();
    let token = eth::parse_addr(&f.token)
        .filter(|t| chain.accepts(*t))
        .ok_or_else(|| t("Choose a payment token this chain accepts."))?;
    let seller = w
        .account
        .get_untracked()
        .and_then(|a| eth::parse_addr(&a))
        .ok_or_else(|| t("Connect a wallet first: it will be the seller."))?;
    let title = f.title.trim();
    if title.is_empty() || title.len() > 200 {
        return Err(t("The title must have 1 to 200 characters."));
    }
    let (_, dec) = token_meta(w, chain_id, &token);
    let price = parse_units(&f.price, dec)
        .ok()
        .filter(|p| !p.is_zero())
        .ok_or_else(|| t("Enter a unit price, e.g. 25 or 12.5."))?;
    let (min, max) = if kind == OrderKind::Collective {
        (whole(&f.min, &t("Minimum units"))?, whole(&f.max, &t("Maximum units"))?)
    } else {
        (1, 1)
    };
    let shares = list(&f.milestones, &t("Each milestone's percentage"))?;
    let periods = list(&f.delivery_days, &t("Each delivery period"))?;
    if shares.len() != periods.len() {
        return Err(t("Give one delivery period (in days) for each milestone."));
    }
    if shares.iter().sum::<u64>() != 100 {
        return Err(t("The milestone percentages must add up to 100."));
    }
    let review = whole(&f.review_days, &t("The review period"))?;
    if review == 0 {
        return Err(t(
            "The review period is at least 1 day: backers need time to check a delivery.",
        ));
    }
    let sole = if kind == OrderKind::Collective {
        Address::ZERO
    } else {
        eth::parse_addr(&f.buyer).ok_or_else(|| t("Enter the buyer's or client's address."))?
    };
    let arbiter = eth::parse_addr(&f.arbiter).ok_or_else(|| t("Enter the arbiter's address."))?;
    let mut splits = Vec::new();
    if !f.partner.trim().is_empty() {
        splits.push(Split {
            recipient: eth::parse_addr(&f.partner)
                .ok_or_else(|| t("The partner must be an address."))?,
            bps: (whole(&f.partner_share, &t("The partner's share"))? * 100) as u16,
        });
    }
    let rpc = chain.rpc_url.clone();
    let fee_out = net::eth_call(&rpc, &escrow, &Escrow::feeBpsCall {}.abi_encode()).await?;
    let fee = Escrow::feeBpsCall::abi_decode_returns(&fee_out).map_err(|e| e.to_string())?;
    let now = net::chain_time(&rpc).await?;
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    // The maker's name and story go together, as the metadata schema has them: refused here,
    // before any signature, rather than by the upload after one.
    match (text(&f.maker), text(&f.story)) {
        (Some(_), None) => {
            return Err(t(
                "Tell the maker's story: buyers read it on the order and product pages.",
            ));
        }
        (None, Some(_)) => return Err(t("Give the maker's name with the story.")),
        (Some(m), Some(s)) if m.chars().count() > 200 || s.chars().count() > 5000 => {
            return Err(t("The maker's name has at most 200 characters, the story 5 000."));
        }
        _ => {}
    }
    let mut doc = MetadataDocument::new(kind, title);
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
            label: Some(t("Partner shop")),
        }]);
    }
    let document =
        serde_json::to_string(&doc).map_err(|_| t("The document could not be written."))?;
    let deadline = now + whole(&f.days, &t("Funding days"))? * DAY;
    let terms = Terms {
        arbiter,
        bond_bps: (whole(&f.bond, &t("The dispute bond"))? * 100) as u16,
        fee_bps: fee,
        funding_deadline: DateTime::from_unix_seconds(deadline),
        funding_deadline_unix: deadline,
        max_units: max as u32,
        metadata_hash: keccak256(document.as_bytes()),
        milestones: shares
            .iter()
            .zip(&periods)
            .map(|(s, d)| Milestone { bps: (s * 100) as u16, delivery_period: (d * DAY) as u32 })
            .collect(),
        min_units: min as u32,
        promoter_bps: (whole(&f.promoter, &t("Promoters' share"))? * 100) as u16,
        review_period: (review * DAY) as u32,
        ruling_period: (whole(&f.ruling_days, &t("The ruling period"))? * DAY) as u32,
        seller,
        sole_buyer: sole,
        splits,
        token,
        unit_price: Amount(price),
    };
    terms.check(now).map_err(|e| tf("The escrow would refuse these terms: {0}.", &[&e]))?;
    let packed = terms.pack().map_err(|e| e.to_string())?;
    Ok(Draft { chain_id, document, terms, packed })
}

async fn publish(w: Wallet, d: Draft) {
    let Some(token) = sign_in(w, d.chain_id).await else { return };
    w.tx.set(TxState::Switching(t("Uploading the metadata")));
    match api::post::<MetadataStored>("/v1/metadata", &d.document, Some(&token)).await {
        Ok(stored) if stored.hash == d.terms.metadata_hash => {}
        Ok(stored) => {
            w.tx.set(TxState::Failed(
                t("Upload"),
                tf(
                    "the server stored the document under another hash ({0})",
                    &[&hex::encode_prefixed(stored.hash)],
                ),
            ));
            return;
        }
        Err(e) => {
            if let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
                let _ = s.remove_item("cointent.session");
            }
            w.tx.set(TxState::Failed(t("Upload"), e));
            return;
        }
    }
    let Some(escrow) = w.contract(d.chain_id, "escrow") else { return };
    let call = Escrow::createOrderCall { terms: d.packed.clone() };
    if let Some(receipt) = w
        .send_receipt(d.chain_id, &t("Create the order"), &escrow, call.abi_encode(), U256::ZERO)
        .await
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

pub(crate) fn input(label: &str, id: &str, value: &str, hint: &str) -> String {
    let (label, hint) = (escape_html(label), escape_html(hint));
    format!(
        "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" value=\"{value}\" placeholder=\"{hint}\">"
    )
}

pub(crate) fn area(label: &str, id: &str) -> String {
    let label = escape_html(label);
    format!("<label for=\"{id}\">{label}</label><textarea id=\"{id}\" name=\"{id}\"></textarea>")
}

/// The kind and the chain: plain HTML, read once on submit (no signal per field keeps the
/// WASM small).
fn head_html(chains: &[ChainInfo]) -> String {
    let chain_opts: String = chains
        .iter()
        .map(|c| {
            let id = c.chain_id;
            format!("<option value=\"{id}\">{} ({id})</option>", escape_html(&c.name))
        })
        .collect();
    let kinds = [
        ("collective", t("Collective order (many backers)")),
        ("sale", t("Handicraft sale (one buyer)")),
        ("freelance", t("Freelance job (one client, milestones)")),
    ]
    .map(|(v, l)| format!("<option value=\"{v}\">{}</option>", escape_html(&l)))
    .concat();
    format!(
        "<label for=\"c-kind\">{}</label><select id=\"c-kind\">{kinds}</select><label for=\"c-chain\">{}</label><select id=\"c-chain\">{chain_opts}</select>",
        escape_html(&t("Kind")),
        escape_html(&t("Chain"))
    )
}

/// The payment tokens `chain` accepts (its allowlist, from `/v1/chains`).
pub(crate) fn token_html(w: Wallet, chain: Option<&ChainInfo>) -> String {
    let opts: String = chain
        .map(|c| &c.payment_tokens[..])
        .unwrap_or_default()
        .iter()
        .map(|tok| {
            let (symbol, _) = token_meta(w, chain.map_or(0, |c| c.chain_id), &tok.address);
            let what = if tok.is_native() { t("the chain's native coin") } else { t("token") };
            let a = eth::addr_hex(&tok.address);
            format!(
                "<option value=\"{a}\">{} ({} {})</option>",
                escape_html(&symbol),
                escape_html(&what),
                short(&a)
            )
        })
        .collect();
    format!(
        "<label for=\"c-token\">{}</label><select id=\"c-token\">{opts}</select>",
        escape_html(&t("Paid in"))
    )
}

/// The rest of the form.
fn body_html() -> String {
    [
        input(&t("Title"), "c-title", "", &t("Hand-woven wool blanket")),
        area(&t("Description"), "c-desc"),
        input(&t("Category"), "c-category", "", &t("textiles")),
        input(&t("Maker's name"), "c-maker", "", ""),
        input(&t("Region"), "c-region", "", &t("Cusco")),
        input(&t("Craft"), "c-craft", "", &t("weaving")),
        area(&t("The maker's story"), "c-story"),
        input(&t("Unit price"), "c-price", "", "25"),
        input(&t("Minimum units (the goal)"), "c-min", "10", &t("collective orders")),
        input(&t("Maximum units (the cap)"), "c-max", "100", &t("collective orders")),
        input(&t("Buyer or client address (sales and freelance jobs)"), "c-buyer", "", "0x…"),
        input(&t("Funding days"), "c-days", "14", ""),
        input(&t("Milestones (% each, comma-separated)"), "c-milestones", "100", "50, 50"),
        input(&t("Delivery periods (days each, comma-separated)"), "c-delivery", "30", "14, 30"),
        input(&t("Review period (days, at least 1)"), "c-review", "3", ""),
        input(&t("Ruling period for the arbiter (days)"), "c-ruling", "7", ""),
        input(&t("Dispute bond (% of the disputed milestone, 1 to 20)"), "c-bond", "5", ""),
        input(&t("Promoters' share (%)"), "c-promoter", "5", ""),
        format!(
            "<label for=\"c-arbiter\">{}</label><input id=\"c-arbiter\" name=\"c-arbiter\" list=\"c-arbiters\" placeholder=\"0x…\" autocomplete=\"off\">",
            escape_html(&t(
                "Arbiter (rules on disputes; pick one of the known arbiters or paste an address)"
            ))
        ),
        input(&t("Partner shop address (optional)"), "c-partner", "", "0x…"),
        input(&t("Partner's share (%)"), "c-partner-bps", "0", ""),
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
        milestones: value("c-milestones"),
        delivery_days: value("c-delivery"),
        review_days: value("c-review"),
        ruling_days: value("c-ruling"),
        bond: value("c-bond"),
        promoter: value("c-promoter"),
        buyer: value("c-buyer"),
        arbiter: value("c-arbiter"),
        partner: value("c-partner"),
        partner_share: value("c-partner-bps"),
    }
}

/// The review of a draft: every term as the escrow will hold it, the terms hash.
fn review_html(w: Wallet, d: &Draft) -> String {
    let terms = &d.terms;
    let (sym, dec) = token_meta(w, d.chain_id, &terms.token);
    let schedule: Vec<String> = terms
        .milestones
        .iter()
        .map(|m| tf("{0} within {1}", &[&percent(m.bps), &period(m.delivery_period.into())]))
        .collect();
    let mut rows: Vec<(String, String)> = vec![
        (t("Seller (you)"), eth::addr_hex(&terms.seller)),
        (t("Paid in"), format!("{sym} {}", eth::addr_hex(&terms.token))),
        (t("Unit price"), format!("{} {sym}", units(terms.unit_price.0, dec))),
        (t("Units"), tf("{0} to {1}", &[&terms.min_units, &terms.max_units])),
        (t("Funding deadline"), date(terms.funding_deadline_unix)),
        (t("Milestones"), schedule.join("; ")),
        (t("Review period"), period(terms.review_period.into())),
        (t("Ruling period"), period(terms.ruling_period.into())),
        (t("Dispute bond"), percent(terms.bond_bps)),
        (t("Platform fee"), percent(terms.fee_bps)),
        (t("Promoters"), percent(terms.promoter_bps)),
        (t("Arbiter"), eth::addr_hex(&terms.arbiter)),
    ];
    for s in &terms.splits {
        rows.push((t("Split"), tf("{0} to {1}", &[&percent(s.bps), &eth::addr_hex(&s.recipient)])));
    }
    let technical = [
        (t("Metadata hash"), hex::encode_prefixed(terms.metadata_hash)),
        (t("Terms hash"), hex::encode_prefixed(terms_hash(&d.packed))),
    ];
    format!(
        "{}<details><summary>{}</summary>{}</details>",
        dl_html("terms", &rows),
        escape_html(&t("Technical details (for checking on chain)")),
        dl_html("terms", &technical)
    )
}

/// The create page.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let draft = RwSignal::new(None::<Draft>);
    let error = RwSignal::new(None::<String>);
    let chain = RwSignal::new(None::<u64>);
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
    // A new error takes the focus once shown (which scrolls it into view).
    Effect::new(move |_| {
        if error.with(Option::is_some)
            && let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("c-error"))
        {
            let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    });
    // Known arbiters (`/v1/arbiters`, one request): most named first, with their record, on
    // the chain the order goes to.
    let known = Load::new(|| async {
        api::get::<Page<cointent_domain::catalogue::CatalogueArbiter>>("/v1/arbiters").await
    });
    let arbiters = move || {
        let id = chain.get();
        known.with(|r| {
            let opts: String = r
                .and_then(Result::ok)
                .map(|page| {
                    page.items
                        .iter()
                        .filter(|a| id.is_none_or(|c| a.chain_id == c))
                        .map(|a| {
                            let what = escape_html(&tf(
                                "arbiter of {0} order(s), {1} ruling(s), {2} missed",
                                &[&a.orders, &a.rulings, &a.missed],
                            ));
                            format!(
                                "<option value=\"{}\">{what}</option>",
                                eth::addr_hex(&a.address)
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            raw(format!("<datalist id=\"c-arbiters\">{opts}</datalist>"))
        })
    };
    let tokens = move || {
        let id = chain.get();
        w.chains.with(|cs| {
            let c = id.and_then(|id| cs.iter().find(|c| c.chain_id == id)).or(cs.first());
            raw(token_html(w, c))
        })
    };
    view! {
        <h1>{t("Create an order")}</h1>
        // Errors show at the top of the form and take the focus, so they are seen on a phone.
        {move || error.get().map(|e| view! { <p class="error" role="alert" id="c-error" tabindex="-1">{e}</p> })}
        <form class="create" on:submit=review on:change=move |_| chain.set(value("c-chain").parse().ok())>
            {move || raw(head_html(&w.chains.get()))}
            {tokens}
            {raw(body_html())}
            {arbiters}
            <button type="submit" data-testid="review">{t("Review the terms")}</button>
        </form>
        {move || draft.get().map(|d| {
            let d2 = d.clone();
            view! {
                <section class="actions" aria-label=t("Review") data-testid="draft">
                    <h2>{t("Review")}</h2>
                    {raw(review_html(w, &d))}
                    <details><summary>{t("Metadata document")}</summary><pre>{d.document.clone()}</pre></details>
                    <TxButton label=t("Sign in, upload and create") testid="publish" primary=true
                        on_click=Callback::new(move |()| w.run("publish", publish(w, d2.clone())))/>
                </section>
            }
        })}
    }
}
