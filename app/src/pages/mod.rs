//! The pages, one file each, and the small pieces they share.
//!
//! Display-only parts of the pages are rendered as HTML strings (`inner_html`), every text
//! in them escaped with `cointent_domain::escape_html`: far less WASM than a `view!` tree
//! per fragment, which matters for the first page's size. Links in them are routed like any
//! other. Pages load their data with [`Load`], one resource type for every kind of data
//! (`load`), for the same reason.

pub(crate) mod browse;
pub(crate) mod cards;
pub(crate) mod create;
pub(crate) mod dashboard;
pub(crate) mod explore;
pub(crate) mod governance;
mod load;
pub(crate) mod order;
pub(crate) mod profile;
pub(crate) mod sell;
pub(crate) mod shop;
pub(crate) mod transparency;
pub(crate) mod treasury;

use cointent_domain::escape_html;
use leptos::prelude::*;

use crate::i18n::{t, tf};

pub(crate) use load::Load;

/// A message for a load that failed.
pub(crate) fn error_box(msg: String) -> AnyView {
    view! { <p class="error" role="alert">{msg}</p> }.into_any()
}

/// "Loading…" for suspended parts.
pub(crate) fn loading() -> AnyView {
    view! { <p class="muted" aria-busy="true">{t("Loading…")}</p> }.into_any()
}

/// Rows as an escaped `<dl>`.
pub(crate) fn dl_html(class: &str, rows: &[(String, String)]) -> String {
    let mut s = format!("<dl class=\"{class}\">");
    for (k, v) in rows {
        s.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape_html(k), escape_html(v)));
    }
    s.push_str("</dl>");
    s
}

/// A fragment of trusted (escaped) HTML.
pub(crate) fn raw(html: String) -> AnyView {
    view! { <div inner_html=html></div> }.into_any()
}

/// The funding bar as HTML.
pub(crate) fn funding_html(pledged: u64, min: u64, max: u64) -> String {
    let pct = (pledged * 100).checked_div(max).unwrap_or(0).min(100);
    let goal = (min * 100).checked_div(max).unwrap_or(0).min(100);
    let label = tf("{0} of {1} units pledged, goal {2}", &[&pledged, &max, &min]);
    let line = tf("{0} of {1} units pledged · goal {2}", &[&pledged, &max, &min]);
    let (label, line) = (escape_html(&label), escape_html(&line));
    format!(
        "<div class=\"bar\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"{max}\" aria-valuenow=\"{pledged}\" aria-label=\"{label}\"><div class=\"fill\" style=\"width:{pct}%\"></div><div class=\"goal\" style=\"left:{goal}%\"></div></div><p class=\"small\">{line}</p>"
    )
}
