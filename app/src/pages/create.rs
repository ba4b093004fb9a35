//! Create an order (placeholder until the form lands).

use leptos::prelude::*;

/// The create page.
pub(crate) fn page() -> impl IntoView {
    view! { <h1>"Create an order"</h1> }
}
