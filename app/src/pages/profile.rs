//! An artisan's or a partner shop's profile (`/artisans/{address}`, `/partners/{address}`):
//! who they are and their story, as their metadata documents describe them (the API's
//! catalogue), their reputation as a seller (the API's account), and their orders.

use cointent_domain::{
    accounts::Account,
    catalogue::{CatalogueArtisanDetail, CataloguePartnerDetail},
    escape_html,
};
use leptos::prelude::*;

use super::{
    Load,
    cards::order_list,
    dashboard::{reputation_text, rows_view},
    error_box, loading, raw,
};
use crate::{
    api,
    i18n::{t, tf},
    net,
    wallet::Wallet,
};

/// Whose profile.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A maker (`/v1/artisans/{address}`).
    Artisan,
    /// A partner shop (`/v1/partners/{address}`).
    Partner,
}

/// What the page shows of either kind.
struct Profile {
    name: Option<String>,
    /// Craft, region, city: what is known.
    place: Vec<String>,
    story: Option<String>,
    orders: u64,
    products: u64,
}

async fn load(kind: Kind, address: &str) -> Result<(Profile, Option<Account>), String> {
    let profile = match kind {
        Kind::Artisan => {
            let d: CatalogueArtisanDetail = api::get(&format!("/v1/artisans/{address}")).await?;
            let a = d.artisan;
            Profile {
                name: a.name,
                place: [a.craft, a.region].into_iter().flatten().collect(),
                story: a.story,
                orders: a.orders,
                products: a.products,
            }
        }
        Kind::Partner => {
            let d: CataloguePartnerDetail = api::get(&format!("/v1/partners/{address}")).await?;
            let p = d.partner;
            Profile {
                name: p.name,
                place: p.city.into_iter().collect(),
                story: p.story,
                orders: p.orders,
                products: p.products,
            }
        }
    };
    // The reputation is the account's, as a seller; the profile shows without it.
    let account = api::get::<Account>(&format!("/v1/accounts/{address}")).await.ok();
    Ok((profile, account))
}

/// An artisan's or partner's profile with their story.
pub(crate) fn page(kind: Kind, address: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let address_q = net::enc(&address);
    let res = Load::new(move || {
        let address = address.clone();
        async move { load(kind, &address).await }
    });
    let what = if kind == Kind::Artisan { t("Artisan") } else { t("Partner shop") };
    view! {
        {move || res.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(tf("Could not load this profile: {0}", &[&e])),
                Some(Ok((p, account))) => {
                    let name = p.name.as_deref().unwrap_or(&what);
                    let counts = tf("{0} orders · {1} products", &[&p.orders, &p.products]);
                    let mut h = format!(
                        "<h1>{}</h1><p class=\"muted\">{} · {} · {}</p>",
                        escape_html(name), escape_html(&what), escape_html(&p.place.join(" · ")), escape_html(&counts)
                    );
                    if let Some(story) = p.story.as_deref().filter(|s| !s.is_empty()) {
                        h += &format!("<h2>{t0}</h2><p class=\"story\">{}</p>", escape_html(story), t0 = escape_html(&t("Story")));
                    }
                    let reputation: Vec<(String, String)> = account
                        .iter()
                        .flat_map(|a| &a.reputation)
                        .map(|r| (tf("Reputation on {0}", &[&w.chain_name(r.chain_id)]), reputation_text(r)))
                        .collect();
                    let list = match kind {
                        Kind::Artisan => format!("/v1/orders?seller={address_q}"),
                        Kind::Partner => format!("/v1/accounts/{address_q}/orders?role=recipient"),
                    };
                    view! { {raw(h)} {rows_view(&reputation)} <h2>{t("Orders")}</h2> {order_list(w, list, t("No orders yet."))} }.into_any()
                }
            })}
    }
}
