//! The shop: products artisans list with stock (`/products`), a product's page
//! (`/products/{chain}/{id}`: its picture, price in the token's units, stock, the maker's
//! story, where one unit's price goes, the partners offering it, buying and the cart), and
//! the cart (`/cart`: items of several artisans in one token, paid in one transaction with
//! `Shop.buyCart`; each item becomes its own purchase, an Escrow order the buyer follows on
//! the dashboard).
//!
//! The cart is kept in `localStorage` (through the browser's JSON), so it survives reloads.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cointent_abi::{Shop, shop::IShop};
use cointent_domain::{
    Page,
    accounts::Account,
    escape_html,
    listings::{ListingDetail, ListingSummary},
    metadata::MetadataDocument,
    pictures,
};
use js_sys::{Array, JSON};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::{
    Load, dashboard::reputation_text, error_box, explore, loading, order::pay::TokenPayment, raw,
};
use crate::{
    api, eth,
    format::{money, short},
    i18n::{t, tf},
    net::{self, array, member, object},
    wallet::{TxButton, TxState, Wallet},
};

/// The `localStorage` key of the cart.
const CART: &str = "cointent.cart";

/// One line of the cart.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CartItem {
    /// The listing's chain.
    pub(crate) chain_id: u64,
    /// The listing id, decimal.
    pub(crate) listing_id: String,
    /// Units to buy.
    pub(crate) units: u32,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The cart as stored.
pub(crate) fn cart() -> Vec<CartItem> {
    let Some(text) = storage().and_then(|s| s.get_item(CART).ok()?) else { return Vec::new() };
    let Ok(list) = JSON::parse(&text) else { return Vec::new() };
    Array::from(&list)
        .iter()
        .filter_map(|i| {
            Some(CartItem {
                chain_id: member(&i, "chain_id").as_f64()? as u64,
                listing_id: member(&i, "listing_id").as_string()?,
                units: member(&i, "units").as_f64()? as u32,
            })
        })
        .collect()
}

fn save(items: &[CartItem]) {
    let Some(s) = storage() else { return };
    let list: Vec<JsValue> = items
        .iter()
        .map(|i| {
            object(&[
                ("chain_id", JsValue::from_f64(i.chain_id as f64)),
                ("listing_id", i.listing_id.as_str().into()),
                ("units", JsValue::from_f64(f64::from(i.units))),
            ])
        })
        .collect();
    let _ = s.set_item(CART, &net::stringify(&array(&list)));
}

/// The product's title: its metadata's, or its number.
fn title(l: &ListingSummary) -> String {
    l.title.clone().unwrap_or_else(|| tf("Product #{0}", &[&l.listing_id]))
}

/// A listing as a card (HTML).
fn card(w: Wallet, l: &ListingSummary) -> String {
    let (c, id) = (l.chain_id, &l.listing_id);
    let stock = if l.sold_out {
        format!("<span class=\"tag status-failed\">{t0}</span>", t0 = escape_html(&t("Sold out")))
    } else {
        escape_html(&tf("{0} in stock", &[&l.stock]))
    };
    let sold = tf("{0} sold", &[&l.sold]);
    // Our pictures have a small thumbnail beside them; any other URL is shown as it is.
    let thumb = l.image.as_deref().map(|url| {
        let src = pictures::thumbnail_url(url).unwrap_or_else(|| url.to_owned());
        format!(
            "<img class=\"thumb\" data-testid=\"product-thumb\" src=\"{}\" alt=\"{}\" loading=\"lazy\">",
            escape_html(&src),
            escape_html(&title(l))
        )
    });
    format!(
        "<li class=\"card\" data-testid=\"product-card\">{}<a href=\"/products/{c}/{id}\"><h3>{}</h3></a><p>{}</p><p class=\"small\">{stock} · {} · {}</p></li>",
        thumb.unwrap_or_default(),
        escape_html(&title(l)),
        escape_html(&tf("{0} per unit", &[&money(w, c, &l.token, l.unit_price)])),
        escape_html(&sold),
        escape_html(&w.chain_name(c))
    )
}

/// The products page.
pub(crate) fn list_page() -> impl IntoView {
    const KEYS: &[&str] = &["region", "craft", "category"];
    let w = expect_context::<Wallet>();
    let filter = explore::api_query(&explore::chosen(KEYS));
    let res = Load::new(move || {
        w.live.track();
        let url = format!("/v1/listings?limit=50{filter}");
        async move { api::get::<Page<ListingSummary>>(&url).await }
    });
    view! {
        <h1>{t("Products")}</h1>
        <p>{t("Made by artisans, sold with a review window: your money waits in escrow until you confirm the delivery.")}</p>
        {explore::lists("/products", KEYS, |f| f.listings)}
        {move || res.with(|r| match r {
            None => loading(),
            Some(Err(e)) => error_box(tf("Could not load the products: {0}", &[&e])),
            Some(Ok(p)) if p.items.is_empty() => view! { <p class="muted">{t("No products listed yet.")}</p> }.into_any(),
            Some(Ok(p)) => raw(format!("<ul class=\"cards\">{}</ul>", p.items.iter().map(|l| card(w, l)).collect::<String>())),
        })}
    }
}

/// Pays `cost` of `token` to the Shop on `chain_id` with `data` (a buy or a cart): the
/// balance checked first, one approval when the Shop may not take enough yet (none in the
/// native coin), then the purchase; true when confirmed.
async fn pay(
    w: Wallet,
    chain_id: u64,
    token: Address,
    cost: U256,
    label: &str,
    data: Vec<u8>,
) -> bool {
    w.paying.set(Some((chain_id, token)));
    let (Some(shop), Some(chain)) = (w.contract(chain_id, "shop"), w.chain(chain_id)) else {
        w.tx.set(TxState::Info(t("This chain has no shop.")));
        return false;
    };
    let Some(account) = w.ensure_account().await else { return false };
    if !w.ensure_chain(chain_id).await {
        return false;
    }
    if token == Address::ZERO {
        return w.send(chain_id, label, &shop, data, cost).await;
    }
    let pay = TokenPayment {
        chain_id,
        rpc: &chain.rpc_url,
        token,
        owner: eth::parse_addr(&account).unwrap_or_default(),
        spender: eth::parse_addr(&shop).unwrap_or_default(),
    };
    let short =
        |have: String, need: String| tf("you have {0}, and this needs {1}.", &[&have, &need]);
    if !pay.covers(w, cost, label, short).await
        || !pay.allow(w, cost, &t("Approve the payment")).await
    {
        return false;
    }
    w.send(chain_id, label, &shop, data, U256::ZERO).await
}

/// A product's page.
pub(crate) fn product_page(chain_id: u64, listing_id: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let path = format!("/v1/listings/{chain_id}/{}", net::enc(&listing_id));
    let res = Load::new(move || {
        w.live.track();
        w.refresh.track();
        let p = path.clone();
        async move {
            let d = api::get::<ListingDetail>(&p).await?;
            // The maker's reputation is the seller's account's; the page shows without it.
            let seller = format!("/v1/accounts/{:#x}", d.summary.seller);
            let account = api::get::<Account>(&seller).await.ok();
            Ok::<_, String>((d, account))
        }
    });
    let units = RwSignal::new("1".to_owned());
    view! {
        {move || res.with(|r| match r {
            None => loading(),
            Some(Err(e)) => error_box(tf("Could not load this product: {0}", &[&e])),
            Some(Ok((d, account))) => {
                let l = d.summary.clone();
                let meta: Option<MetadataDocument> = d.metadata.as_ref().and_then(api::document);
                let m = |v| escape_html(&money(w, chain_id, &l.token, v));
                let mut h = format!("<h1 data-testid=\"product-title\">{}</h1>", escape_html(&title(&l)));
                let images = meta.as_ref().and_then(|m| m.images.as_ref()).cloned().unwrap_or_default();
                if !images.is_empty() {
                    let name = meta.as_ref().and_then(|m| m.product.as_ref()).and_then(|p| p.name.clone()).unwrap_or_else(|| title(&l));
                    let count = images.len();
                    h += "<div class=\"pictures\">";
                    for (i, img) in images.iter().enumerate() {
                        let alt = if count == 1 { name.clone() } else { tf("{0}, picture {1} of {2}", &[&name, &(i + 1), &count]) };
                        h += &format!("<img class=\"product\" data-testid=\"product-picture\" src=\"{}\" alt=\"{}\">", escape_html(img), escape_html(&alt));
                    }
                    h += "</div>";
                }
                h += &format!(
                    "<p class=\"price\" data-testid=\"product-price\">{}</p><p data-testid=\"product-stock\">{}</p>",
                    escape_html(&tf("{0} per unit", &[&m(l.unit_price)])),
                    escape_html(&if l.sold_out { t("Sold out") } else { tf("{0} in stock, {1} sold", &[&l.stock, &l.sold]) })
                );
                if let Some(a) = meta.as_ref().and_then(|m| m.artisan.as_ref()) {
                    h += &format!(
                        "<h2>{t0}</h2><p>{}</p><p class=\"story\">{}</p>",
                        escape_html(&[a.name.clone(), a.craft.clone(), a.region.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")),
                        escape_html(a.story.as_deref().unwrap_or_default()), t0 = escape_html(&t("The maker")));
                }
                let reputation = account.iter().flat_map(|a| &a.reputation).find(|r| r.chain_id == chain_id);
                if let Some(r) = reputation {
                    h += &format!("<p data-testid=\"maker-reputation\">{}</p>", escape_html(&tf("Reputation: {0}", &[&reputation_text(r)])));
                }
                h += &format!(
                    "<p><a href=\"/artisans/{:#x}\">{}</a></p>",
                    l.seller,
                    escape_html(&t("The maker's profile and orders"))
                );
                h += &format!(
                    "<figure class=\"qr\"><img data-testid=\"product-qr\" src=\"/v1/qr/listings/{chain_id}/{}\" width=\"128\" height=\"128\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
                    l.listing_id,
                    escape_html(&t("QR code of this product's page")),
                    escape_html(&t("Scan it to open this product on a phone."))
                );
                if let Some(b) = &d.price_breakdown {
                    let b = &b.per_unit_direct;
                    h += &format!(
                        "<table class=\"breakdown\" data-testid=\"breakdown\"><caption>{t0}</caption><tbody><tr><th scope=\"row\">{t1}</th><td>{}</td></tr>{}<tr><th scope=\"row\">{t2}</th><td>{}</td></tr></tbody></table>",
                        m(b.seller_amount),
                        b.splits.iter().map(|s| format!("<tr><th scope=\"row\">{}</th><td>{}</td></tr>", escape_html(&tf("Partner {0}", &[&short(&eth::addr_hex(&s.recipient))])), m(s.amount))).collect::<String>(),
                        m(b.platform_fee), t0 = escape_html(&t("Where one unit's price goes")), t1 = escape_html(&t("Maker")), t2 = escape_html(&t("Platform fee (treasury)")));
                }
                if d.offers.len() > 1 {
                    h += &format!("<h2>{t0}</h2><ul class=\"plain\">", t0 = escape_html(&t("Also offered")));
                    for o in d.offers.iter().filter(|o| o.listing_id != l.listing_id) {
                        h += &format!(
                            "<li><a href=\"/products/{chain_id}/{}\">{}</a>: {}</li>",
                            o.listing_id,
                            escape_html(&o.partner_name.clone().unwrap_or_else(|| t("the maker"))),
                            escape_html(&tf("{0}, {1} in stock", &[&m(o.unit_price), &o.stock]))
                        );
                    }
                    h += "</ul>";
                }
                let id = l.listing_id.to_string();
                let id2 = id.clone();
                let (price, token) = (l.unit_price.0, l.token);
                let buy = Callback::new(move |()| {
                    let Ok(n) = units.get_untracked().trim().parse::<u32>() else {
                        w.tx.set(TxState::Info(t("Units must be a whole number.")));
                        return;
                    };
                    let Ok(listing) = U256::from_str_radix(&id, 10) else { return };
                    let data = Shop::buyCall { listingId: listing, units: n, promoter: Address::ZERO, maxUnitPrice: price }.abi_encode();
                    let label = if n == 1 { t("Buy 1 unit") } else { tf("Buy {0} units", &[&n]) };
                    w.run("buy", async move {
                        if pay(w, chain_id, token, price * U256::from(n), &label, data).await {
                            crate::router::navigate("/dashboard");
                        }
                    });
                });
                let add = move |_| {
                    let n = units.get_untracked().trim().parse::<u32>().unwrap_or(0);
                    if n == 0 {
                        w.tx.set(TxState::Info(t("Units must be a whole number.")));
                        return;
                    }
                    let mut items = cart();
                    match items.iter_mut().find(|i| i.chain_id == chain_id && i.listing_id == id2) {
                        Some(i) => i.units += n,
                        None => items.push(CartItem { chain_id, listing_id: id2.clone(), units: n }),
                    }
                    save(&items);
                    w.tx.set(TxState::Info(tf("Added {0} to your cart ({1} items).", &[&n, &items.len()])));
                };
                let (seller, lid, stock_now) = (l.seller, l.listing_id.to_string(), l.stock);
                let change = move || {
                    let mine = w.account.get().and_then(|a| eth::parse_addr(&a)) == Some(seller);
                    mine.then(|| view! {
                        <super::sell::ChangeListing chain_id=chain_id listing_id=lid.clone() token=token price=price stock=stock_now/>
                    })
                };
                view! {
                    <article class="order" data-testid="product">{raw(h)}</article>
                    {change}
                    {(!l.sold_out).then(|| view! {
                        <section class="actions" aria-label=t("Buy")>
                            <label for="buy-units">{t("Units")}</label>
                            <input id="buy-units" type="number" min="1" inputmode="numeric" prop:value=move || units.get()
                                on:input=move |e| units.set(event_target_value(&e)) />
                            <div class="buttons">
                                <TxButton label=t("Buy now") testid="buy" primary=true on_click=buy/>
                                <button data-testid="add-to-cart" on:click=add>{t("Add to cart")}</button>
                            </div>
                        </section>
                    })}
                }.into_any()
            }
        })}
    }
}

/// The cart page.
pub(crate) fn cart_page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let version = RwSignal::new(0u32);
    let res = Load::new(move || {
        version.track();
        let items = cart();
        async move {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                let d: ListingDetail =
                    api::get(&format!("/v1/listings/{}/{}", i.chain_id, net::enc(&i.listing_id)))
                        .await?;
                out.push((i, d.summary));
            }
            Ok::<_, String>(out)
        }
    });
    view! {
        <h1>{t("Your cart")}</h1>
        {move || res.with(|r| match r {
            None => loading(),
            Some(Err(e)) => error_box(tf("Could not load your cart: {0}", &[&e])),
            Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{t("Your cart is empty. ")}<a href="/products">{t("See the products")}</a></p> }.into_any(),
            Some(Ok(list)) => {
                let (chain_id, token) = (list[0].1.chain_id, list[0].1.token);
                let one_token = list.iter().all(|(_, l)| l.chain_id == chain_id && l.token == token);
                let total: U256 = list.iter().map(|(i, l)| l.unit_price.0 * U256::from(i.units)).sum();
                let rows: String = list.iter().map(|(i, l)| format!(
                    "<tr><td><a href=\"/products/{}/{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
                    l.chain_id, l.listing_id, escape_html(&title(l)), i.units,
                    escape_html(&money(w, l.chain_id, &l.token, l.unit_price.0 * U256::from(i.units)))
                )).collect();
                let items: Vec<IShop::Item> = list.iter().filter_map(|(i, l)| Some(IShop::Item {
                    listingId: U256::from_str_radix(&l.listing_id.to_string(), 10).ok()?,
                    units: i.units,
                    promoter: Address::ZERO,
                    maxUnitPrice: l.unit_price.0,
                })).collect();
                let pay_all = Callback::new(move |()| {
                    let data = Shop::buyCartCall { items: items.clone() }.abi_encode();
                    w.run("pay-cart", async move {
                        if pay(w, chain_id, token, total, &t("Pay the cart"), data).await {
                            save(&[]);
                            version.update(|v| *v += 1);
                            crate::router::navigate("/dashboard");
                        }
                    });
                });
                view! {
                    <table data-testid="cart"><thead><tr><th scope="col">{t("Product")}</th><th scope="col">{t("Units")}</th><th scope="col">{t("Amount")}</th></tr></thead>
                        <tbody inner_html=rows></tbody></table>
                    <p data-testid="cart-total">{tf("Total: {0}", &[&money(w, chain_id, &token, total)])}</p>
                    {if one_token {
                        view! { <TxButton label=t("Pay in one transaction") testid="pay-cart" primary=true on_click=pay_all/> }.into_any()
                    } else {
                        view! { <p class="error">{t("A cart is paid in one token on one chain: buy the other items apart.")}</p> }.into_any()
                    }}
                    <button on:click=move |_| { save(&[]); version.update(|v| *v += 1); }>{t("Empty the cart")}</button>
                }.into_any()
            }
        })}
    }
}
