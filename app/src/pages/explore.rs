//! Browsing by what things are: the region explorer and the craft and category browsers
//! (lists with counts, from `/v1/catalogue/facets`) above the products and the artisan
//! index, whose choices live in the page's address like every other filter.

use cointent_domain::{
    Page,
    catalogue::{CatalogueArtisan, CatalogueFacets, Facet},
    escape_html,
};
use leptos::prelude::*;

use super::{Load, error_box, loading, raw};
use crate::{
    api,
    i18n::{t, tf},
    net,
    router::query_param,
    wallet::Wallet,
};

/// The address's facet filters a page honours, among `region`, `craft` and `category`.
pub(crate) fn chosen(keys: &[&'static str]) -> Vec<(&'static str, String)> {
    keys.iter()
        .filter_map(|k| Some((*k, query_param(k)?)))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

/// The query string of `chosen` for an API call: "" or "&region=…&craft=…".
pub(crate) fn api_query(chosen: &[(&str, String)]) -> String {
    chosen.iter().map(|(k, v)| format!("&{k}={}", net::enc(v.trim()))).collect()
}

/// The facet lists above a page at `path`: each value with its count (`count`: what that
/// page lists), linking to the page filtered by it; the chosen ones are marked, with a
/// link back to everything.
pub(crate) fn lists(
    path: &'static str,
    keys: &'static [&'static str],
    count: fn(&Facet) -> u64,
) -> impl IntoView {
    let facets = Load::new(|| async { api::get::<CatalogueFacets>("/v1/catalogue/facets").await });
    let chosen = chosen(keys);
    view! {
        {move || facets.with(|r| match r {
            None => loading(),
            Some(Err(e)) => error_box(tf("Could not load the regions and crafts: {0}", &[&e])),
            Some(Ok(f)) => raw(lists_html(path, keys, f, &chosen, count)),
        })}
    }
}

fn lists_html(
    path: &str,
    keys: &[&str],
    facets: &CatalogueFacets,
    chosen: &[(&str, String)],
    count: fn(&Facet) -> u64,
) -> String {
    let mut html = String::from("<div class=\"facets\">");
    if !chosen.is_empty() {
        let what: Vec<String> = chosen.iter().map(|(_, v)| v.clone()).collect();
        html.push_str(&format!(
            "<p data-testid=\"facet-chosen\">{} <a href=\"{path}\">{}</a></p>",
            escape_html(&tf("Showing: {0}.", &[&what.join(" · ")])),
            escape_html(&t("Show everything"))
        ));
    }
    let groups = [
        ("region", t("By region"), &facets.regions),
        ("craft", t("By craft"), &facets.crafts),
        ("category", t("By category"), &facets.categories),
    ];
    for (key, title, values) in groups {
        let values: Vec<&Facet> = values.iter().filter(|f| count(f) > 0).collect();
        if !keys.contains(&key) || values.is_empty() {
            continue;
        }
        html.push_str(&format!(
            "<section class=\"facet\" data-testid=\"facet-{key}\"><h2>{}</h2><ul>",
            escape_html(&title)
        ));
        for f in values {
            let current = chosen.iter().any(|(k, v)| *k == key && v.trim() == f.value);
            html.push_str(&format!(
                "<li><a href=\"{path}?{key}={}\"{}>{} <span class=\"count\">{}</span></a></li>",
                escape_html(&net::enc(&f.value)),
                if current { " aria-current=\"true\"" } else { "" },
                escape_html(&f.value),
                count(f)
            ));
        }
        html.push_str("</ul></section>");
    }
    html.push_str("</div>");
    html
}

/// The artisan index (`/artisans`): the regions and crafts with their artisans, and the
/// artisans of the chosen ones, each linking to their profile.
pub(crate) fn artisans_page() -> impl IntoView {
    const KEYS: &[&str] = &["region", "craft"];
    let w = expect_context::<Wallet>();
    let filter = api_query(&chosen(KEYS));
    let list = Load::new(move || {
        w.live.track();
        let url = format!("/v1/artisans?limit=200{filter}");
        async move { api::get::<Page<CatalogueArtisan>>(&url).await }
    });
    view! {
        <h1>{t("Artisans")}</h1>
        <p>{t("The people who make what is sold here, by region and by craft.")}</p>
        {lists("/artisans", KEYS, |f| f.artisans)}
        {move || list.with(|r| match r {
            None => loading(),
            Some(Err(e)) => error_box(tf("Could not load the artisans: {0}", &[&e])),
            Some(Ok(p)) if p.items.is_empty() => {
                view! { <p class="muted">{t("No artisans match.")}</p> }.into_any()
            }
            Some(Ok(p)) => raw(format!(
                "<ul class=\"cards\" data-testid=\"artisans\">{}</ul>",
                p.items.iter().map(artisan_card).collect::<String>()
            )),
        })}
    }
}

fn artisan_card(a: &CatalogueArtisan) -> String {
    let name = a.name.clone().unwrap_or_else(|| crate::format::short(&format!("{:#x}", a.address)));
    let place: Vec<&str> =
        [a.region.as_deref(), a.craft.as_deref()].into_iter().flatten().collect();
    format!(
        "<li class=\"card\" data-testid=\"artisan-card\"><a href=\"/artisans/{:#x}\"><h3>{}</h3></a><p>{}</p><p class=\"small\">{}</p></li>",
        a.address,
        escape_html(&name),
        escape_html(&place.join(" · ")),
        escape_html(&tf(
            "Products: {0} · listings: {1} · orders: {2}",
            &[&a.products, &a.listings, &a.orders]
        ))
    )
}
