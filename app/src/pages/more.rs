//! Dashboards, profiles, governance and treasury.

use leptos::prelude::*;

/// The dashboard.
pub(crate) fn dashboard() -> impl IntoView {
    view! { <h1>"Dashboard"</h1> }
}
/// A profile.
pub(crate) fn profile(kind: &'static str, address: String) -> impl IntoView {
    view! { <h1>{format!("{kind} {address}")}</h1> }
}
/// Governance.
pub(crate) fn governance() -> impl IntoView {
    view! { <h1>"Governance"</h1> }
}
/// Treasury.
pub(crate) fn treasury() -> impl IntoView {
    view! { <h1>"Treasury"</h1> }
}
