//! Follows the API's event stream (`/v1/events/stream`, server-sent events): each batch of
//! new events bumps [`Wallet::live`] once (debounced), and the pages that show the mirror
//! (order records, funding bars, dashboards, disputes) load again, in every open tab. The
//! browser's `EventSource` reconnects by itself and resumes from the last event it saw.

use std::{cell::Cell, rc::Rc};

use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};

use super::Wallet;

/// Milliseconds the reload waits for more events of the same batch.
const DEBOUNCE_MS: i32 = 300;

/// Opens the stream for the life of the page.
pub(super) fn follow(w: Wallet) {
    let Ok(stream) = web_sys::EventSource::new("/v1/events/stream") else { return };
    let scheduled = Rc::new(Cell::new(false));
    let bump = Closure::<dyn Fn()>::new({
        let scheduled = scheduled.clone();
        move || {
            scheduled.set(false);
            w.live.update(|n| *n = n.wrapping_add(1));
        }
    });
    let on_message = Closure::<dyn Fn()>::new(move || {
        if scheduled.replace(true) {
            return;
        }
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                bump.as_ref().unchecked_ref(),
                DEBOUNCE_MS,
            );
        }
    });
    stream.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // The stream lives as long as the page.
    std::mem::forget(stream);
}
