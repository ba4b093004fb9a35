//! "List a product" (`/sell`): an artisan, signed in with the wallet, lists a product on the
//! Shop. Pictures are uploaded as they are chosen (`POST /v1/pictures`, each shown by its
//! thumbnail, or refused with the server's message); listing uploads the metadata document
//! (the product, its story and the pictures' URLs) and sends `Shop.list` with its hash.
// `#[component]` derives a props builder whose setters are `pub`: unreachable from here on.
#![allow(unreachable_pub)]

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cointent_abi::{Shop, shop::IEscrow as ShopEscrow, shop::IShop};
use cointent_domain::{
    OrderKind,
    amount::parse_units,
    escape_html,
    metadata::{MetadataArtisan, MetadataDocument, MetadataProduct, MetadataSplit, MetadataStored},
    pictures::PictureStored,
};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::{
    create::{area, input, sign_in, token_html, value},
    raw,
};
use crate::{
    api, eth,
    format::token_meta,
    i18n::{t, tf},
    net::member,
    wallet::{TxButton, TxState, Wallet},
};

const DAY: u64 = 86_400;

/// A percentage typed by a person as basis points (whole percent, 0 to 100).
fn bps(s: &str, what: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(p) if p <= 100 => Ok(p * 100),
        _ => Err(tf("{0} must be a whole percentage from 0 to 100.", &[&what])),
    }
}

/// The listing and its document, from the form; the sentence saying what is wrong otherwise.
fn build(w: Wallet, pictures: &[PictureStored]) -> Result<(u64, IShop::Listing, String), String> {
    let chain_id: u64 = value("s-chain").parse().map_err(|_| t("Choose a chain."))?;
    let chain = w.chain(chain_id).ok_or_else(|| t("That chain is not served here."))?;
    let seller = w
        .account
        .get_untracked()
        .and_then(|a| eth::parse_addr(&a))
        .ok_or_else(|| t("Connect a wallet first: it will be the seller."))?;
    let token = eth::parse_addr(&value("c-token"))
        .filter(|t| chain.accepts(*t))
        .ok_or_else(|| t("Choose a payment token this chain accepts."))?;
    let text = |id: &str| Some(value(id).trim().to_owned()).filter(|v| !v.is_empty());
    let name = text("s-name")
        .filter(|n| n.chars().count() <= 200)
        .ok_or_else(|| t("The product's name must have 1 to 200 characters."))?;
    let (_, dec) = token_meta(w, chain_id, &token);
    let price = parse_units(&value("s-price"), dec)
        .ok()
        .filter(|p| !p.is_zero() && *p < U256::from(1u128 << 96))
        .ok_or_else(|| t("Enter a unit price, e.g. 25 or 12.5."))?;
    let stock: u32 =
        value("s-stock").trim().parse().map_err(|_| t("Stock must be a whole number."))?;
    let review: u64 =
        value("s-review").trim().parse().ok().filter(|d| *d >= 1).ok_or_else(|| {
            t("The review period is at least 1 day: backers need time to check a delivery.")
        })?;
    let arbiter =
        eth::parse_addr(&value("s-arbiter")).ok_or_else(|| t("Enter the arbiter's address."))?;
    let promoter = bps(&value("s-promoter"), &t("Promoters' share"))?;
    let partner = match text("s-partner") {
        Some(p) => Some(eth::parse_addr(&p).ok_or_else(|| t("The partner must be an address."))?),
        None => None,
    };
    let share = bps(&value("s-partner-share"), &t("The partner's share"))?;
    let mut doc = MetadataDocument::new(OrderKind::Sale, &name);
    doc.description = text("s-desc");
    doc.category = text("s-category");
    doc.product = Some(MetadataProduct { name: Some(name.clone()), ..Default::default() });
    doc.artisan = Some(MetadataArtisan {
        address: Some(eth::addr_hex(&seller)),
        region: text("s-region"),
        craft: text("s-craft"),
        story: text("s-story"),
        ..Default::default()
    });
    if !pictures.is_empty() {
        doc.images = Some(pictures.iter().map(|p| p.url.clone()).collect());
    }
    let mut splits = Vec::new();
    if let Some(p) = partner.filter(|_| share > 0) {
        splits.push(ShopEscrow::Split { recipient: p, bps: share });
        doc.splits = Some(vec![MetadataSplit {
            recipient: eth::addr_hex(&p),
            label: Some(t("Partner shop")),
        }]);
    }
    let document =
        serde_json::to_string(&doc).map_err(|_| t("The document could not be written."))?;
    let listing = IShop::Listing {
        seller,
        partner: partner.unwrap_or(Address::ZERO),
        token,
        unitPrice: alloy_primitives::Uint::from(price.to::<u128>()),
        stock,
        reviewPeriod: (review * DAY) as u32,
        rulingPeriod: (7 * DAY) as u32,
        promoterBps: promoter,
        bondBps: 500,
        arbiter,
        metadataHash: alloy_primitives::keccak256(document.as_bytes()),
        milestones: vec![ShopEscrow::Milestone { bps: 10_000, deliveryPeriod: (30 * DAY) as u32 }],
        splits,
    };
    Ok((chain_id, listing, document))
}

/// Uploads the document, lists, and opens the new product's page.
async fn publish(w: Wallet, chain_id: u64, listing: IShop::Listing, document: String) {
    let Some(token) = sign_in(w, chain_id).await else { return };
    w.tx.set(TxState::Switching(t("Uploading the metadata")));
    match api::post::<MetadataStored>("/v1/metadata", &document, Some(&token)).await {
        Ok(stored) if stored.hash == listing.metadataHash => {}
        Ok(_) => {
            w.tx.set(TxState::Failed(
                t("Upload"),
                t("the server stored the document under another hash"),
            ));
            return;
        }
        Err(e) => {
            forget_session();
            w.tx.set(TxState::Failed(t("Upload"), e));
            return;
        }
    }
    let Some(shop) = w.contract(chain_id, "shop") else {
        w.tx.set(TxState::Info(t("This chain has no shop.")));
        return;
    };
    let call = Shop::listCall { listing }.abi_encode();
    let Some(receipt) =
        w.send_receipt(chain_id, &t("List the product"), &shop, call, U256::ZERO).await
    else {
        return;
    };
    // `Listed`'s first topic after the signature is the new listing's id.
    let logs = member(&receipt, "logs");
    let id = js_sys::Array::is_array(&logs)
        .then(|| {
            logs.unchecked_ref::<js_sys::Array>().iter().find(|l| {
                member(l, "address").as_string().is_some_and(|a| a.eq_ignore_ascii_case(&shop))
            })
        })
        .flatten()
        .and_then(|l| member(&member(&l, "topics"), "1").as_string())
        .and_then(|t| U256::from_str_radix(t.trim_start_matches("0x"), 16).ok());
    if let Some(id) = id {
        crate::router::navigate(&format!("/products/{chain_id}/{id}"));
    }
}

/// Drops the stored session token (see `create::sign_in`), so the next step signs in again.
fn forget_session() {
    if let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = s.remove_item("cointent.session");
    }
}

/// The files chosen in the pictures input.
fn chosen_files() -> Vec<web_sys::File> {
    let input = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("s-pictures"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
    let Some(list) = input.as_ref().and_then(|i| i.files()) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The page.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let pictures = RwSignal::new(Vec::<PictureStored>::new());
    let picture_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let chain = RwSignal::new(None::<u64>);
    let upload = move |_| {
        let files = chosen_files();
        spawn_local(async move {
            let Some(chain_id) = value("s-chain").parse::<u64>().ok() else { return };
            let Some(token) = sign_in(w, chain_id).await else { return };
            picture_error.set(None);
            for file in files {
                match api::upload_picture(&file, &token).await {
                    Ok(p) => pictures.update(|list| {
                        if !list.iter().any(|q| q.hash == p.hash) {
                            list.push(p);
                        }
                    }),
                    Err(e) => {
                        // An expired session: sign in again on the next try.
                        if e.contains("session") {
                            forget_session();
                        }
                        picture_error.set(Some(format!("{}: {e}", file.name())));
                    }
                }
            }
        });
    };
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        match build(w, &pictures.get_untracked()) {
            Ok((chain_id, listing, document)) => {
                error.set(None);
                w.run("list", publish(w, chain_id, listing, document));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let chains = move || {
        let opts: String = w.chains.with(|cs| {
            cs.iter()
                .map(|c| {
                    format!(
                        "<option value=\"{}\">{} ({})</option>",
                        c.chain_id,
                        escape_html(&c.name),
                        c.chain_id
                    )
                })
                .collect()
        });
        raw(format!(
            "<label for=\"s-chain\">{}</label><select id=\"s-chain\">{opts}</select>",
            escape_html(&t("Chain"))
        ))
    };
    let tokens = move || {
        let id = chain.get();
        w.chains.with(|cs| {
            let c = id.and_then(|id| cs.iter().find(|c| c.chain_id == id)).or(cs.first());
            raw(token_html(w, c))
        })
    };
    let thumbs = move || {
        let name = value("s-name");
        pictures.with(|list| {
            raw(list
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let alt = tf("Picture {0} of the product", &[&(i + 1)]);
                    let alt = if name.trim().is_empty() { alt } else { format!("{} ({alt})", name.trim()) };
                    format!(
                        "<img class=\"thumb\" data-testid=\"sell-thumb\" src=\"{}\" alt=\"{}\" width=\"160\">",
                        escape_html(&p.thumbnail_url),
                        escape_html(&alt)
                    )
                })
                .collect())
        })
    };
    let fields = [
        input(&t("Product name"), "s-name", "", &t("Ajrakh cushion cover")),
        area(&t("Description"), "s-desc"),
        area(&t("The maker's story"), "s-story"),
        input(&t("Category"), "s-category", "", &t("textiles")),
        input(&t("Craft"), "s-craft", "", &t("weaving")),
        input(&t("Region"), "s-region", "", &t("Cusco")),
    ]
    .concat();
    let terms = [
        input(&t("Unit price"), "s-price", "", "25"),
        input(&t("Stock (units for sale)"), "s-stock", "10", ""),
        input(&t("Review period (days, at least 1)"), "s-review", "3", ""),
        input(&t("Arbiter (rules on disputes)"), "s-arbiter", "", "0x…"),
        input(&t("Partner shop address (optional)"), "s-partner", "", "0x…"),
        input(&t("Partner's share (%)"), "s-partner-share", "0", ""),
        input(&t("Promoters' share (%)"), "s-promoter", "5", ""),
    ]
    .concat();
    view! {
        <h1>{t("List a product")}</h1>
        {move || error.get().map(|e| view! { <p class="error" role="alert" id="s-error">{e}</p> })}
        <form class="create" on:submit=submit on:change=move |_| chain.set(value("s-chain").parse().ok())>
            {chains}
            {raw(fields)}
            <label for="s-pictures">{t("Pictures (PNG, JPEG or WebP, at most 2 MiB each)")}</label>
            <input id="s-pictures" type="file" accept="image/png,image/jpeg,image/webp" multiple on:change=upload/>
            {move || picture_error.get().map(|e| view! { <p class="error" role="alert" data-testid="picture-error">{e}</p> })}
            <div class="pictures">{thumbs}</div>
            {tokens}
            {raw(terms)}
            <button type="submit" class="primary" data-testid="list-product">{t("Upload and list")}</button>
        </form>
    }
}

/// "Change price and stock", for the listing's seller on its product page: sends
/// `Shop.update`. Purchases already made keep the terms they were bought on.
#[component]
pub(crate) fn ChangeListing(
    /// The listing's chain.
    chain_id: u64,
    /// The listing id, decimal.
    listing_id: String,
    /// The payment token.
    token: Address,
    /// Price of one unit now, in base units.
    price: U256,
    /// Units left.
    stock: u64,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let (_, dec) = token_meta(w, chain_id, &token);
    let now = crate::format::units(price, dec);
    let send = Callback::new(move |()| {
        let new_price = parse_units(&value("u-price"), dec)
            .ok()
            .filter(|p| !p.is_zero() && *p < U256::from(1u128 << 96));
        let new_stock = value("u-stock").trim().parse::<u32>().ok();
        let (Some(p), Some(s)) = (new_price, new_stock) else {
            w.tx.set(TxState::Info(t("Enter a unit price and a whole number of units.")));
            return;
        };
        let Ok(id) = U256::from_str_radix(&listing_id, 10) else { return };
        let data = Shop::updateCall {
            listingId: id,
            unitPrice: alloy_primitives::Uint::from(p.to::<u128>()),
            stock: s,
        }
        .abi_encode();
        w.run("update", async move {
            let Some(shop) = w.contract(chain_id, "shop") else { return };
            if w.send(chain_id, &t("Change price and stock"), &shop, data, U256::ZERO).await {
                w.refresh.update(|n| *n = n.wrapping_add(1));
            }
        });
    });
    view! {
        <section class="actions" aria-label=t("Change price and stock") data-testid="change-listing">
            <h2>{t("Change price and stock")}</h2>
            <p class="small">{t("Purchases already made keep the price they were bought at.")}</p>
            {raw([input(&t("New unit price"), "u-price", &now, ""), input(&t("New stock"), "u-stock", &stock.to_string(), "")].concat())}
            <TxButton label=t("Change price and stock") testid="update-listing" primary=false on_click=send/>
        </section>
    }
}
