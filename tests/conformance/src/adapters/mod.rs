//! The clients the suite drives. Every vector runs against every adapter here.

use std::sync::Arc;

use crate::Adapter;

mod asynchronous;
mod blocking;

pub use asynchronous::{Async, Runtime};
pub use blocking::Blocking;

/// Every registered adapter. To add one, write a module beside `blocking.rs` that
/// implements [`Adapter`] (blocking on its runtime inside `run`) and list it here.
pub fn all() -> Vec<Arc<dyn Adapter>> {
    vec![
        Arc::new(Blocking),
        Arc::new(Async(Runtime::TokioCurrentThread)),
        Arc::new(Async(Runtime::TokioMultiThread)),
        Arc::new(Async(Runtime::AsyncStd)),
        Arc::new(Async(Runtime::Smol)),
    ]
}
