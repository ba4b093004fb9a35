//! A page's data, loaded like a `LocalResource`, without a copy of Leptos's resource
//! machinery per type.
//!
//! Each `LocalResource<T>` compiles Leptos's async-derived signal (the polling of its future,
//! its subscribers, its updates) for its own `T`: a few kilobytes of WASM for every type a page
//! loads. [`Load`] keeps one resource type for all of them, the answer held as `Rc<dyn Any>`
//! behind a typed handle, so that machinery is compiled once; each page's own future is
//! boxed. It behaves as the resource did: it loads at once and again whenever a signal its
//! loader reads changes, and reading it is tracked.

use std::{any::Any, future::Future, marker::PhantomData, pin::Pin, rc::Rc};

use leptos::prelude::*;

/// What every page's loader yields, erased.
type Answer = Result<Rc<dyn Any>, String>;

/// A page's loader, erased.
type Loader = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Answer>>>>;

/// Data of type `T` loaded for a page, or the message of why it could not be.
pub(crate) struct Load<T> {
    resource: LocalResource<Answer>,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for Load<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Load<T> {}

impl<T: 'static> Load<T> {
    /// Loads with `load` now, and again whenever a signal it reads changes.
    pub(crate) fn new<F>(load: impl Fn() -> F + 'static) -> Self
    where
        F: Future<Output = Result<T, String>> + 'static,
    {
        let loader: Loader = Rc::new(move || {
            let data = load();
            Box::pin(async move { Ok(Rc::new(data.await?) as Rc<dyn Any>) })
        });
        Self { resource: resource(loader), ty: PhantomData }
    }

    /// `f` of the data (`None` while it loads, then the data or the error's message).
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<Result<&T, &str>>) -> R) -> R {
        self.resource.with(|answer| {
            f(answer.as_ref().map(|a| match a {
                Ok(data) => Ok(data.downcast_ref::<T>().expect("a Load<T> holds a T")),
                Err(e) => Err(e.as_str()),
            }))
        })
    }
}

/// The one resource type every [`Load`] uses (not generic, so compiled once).
fn resource(loader: Loader) -> LocalResource<Answer> {
    LocalResource::new(move || loader())
}
