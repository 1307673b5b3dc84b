//! A `live` vector's calls on a client's live set (`Client::watches()`):
//! the one part of a live run that differs between clients is
//! [`SetHandle`], a handful of one-line calls on each client's handle. When each step is made is the schedule's
//! ([`crate::schedule`]), the same for every adapter.

use progress_model::{Insertion, WatchOptions};
use serde_json::Value;

use crate::live_step::{LiveAction, insertion_name};
use crate::schedule::Effect;

/// The calls of a client's live-set handle (`Watches`).
pub trait SetHandle: Send + Sync {
    /// `insert(job_id)`, or `insert_with(job_id, options)` when there are options.
    fn insert(&self, job_id: &str, options: Option<WatchOptions>) -> Insertion;
    /// `remove(job_id)`.
    fn remove(&self, job_id: &str) -> bool;
    /// `len()`.
    fn len(&self) -> usize;
    /// `is_empty()`.
    fn is_empty(&self) -> bool;
    /// `contains(job_id)`.
    fn contains(&self, job_id: &str) -> bool;
    /// `close()`.
    fn close(&self);
}

/// Makes one step on `set`: what the call returned, as a vector writes it,
/// and what it did to the watches.
pub fn perform(action: &LiveAction, set: &dyn SetHandle) -> (Value, Effect) {
    match action {
        LiveAction::Insert {
            job_id, options, ..
        } => {
            let options = options.as_ref().map(|options| options.to_watch_options());
            let insertion = set.insert(job_id, options);
            let effect = if insertion.started() {
                Effect::Started
            } else {
                Effect::Nothing
            };
            (Value::from(insertion_name(insertion)), effect)
        }
        LiveAction::Remove { job_id, .. } => {
            let removed = set.remove(job_id);
            // A removed watch wakes to end: its `Finished` comes before the clock moves.
            let effect = if removed {
                Effect::Woke
            } else {
                Effect::Nothing
            };
            (Value::from(removed), effect)
        }
        LiveAction::Len { .. } => (Value::from(set.len()), Effect::Nothing),
        LiveAction::Contains { job_id, .. } => (Value::from(set.contains(job_id)), Effect::Nothing),
        LiveAction::Close => {
            set.close();
            (Value::Null, Effect::Nothing)
        }
    }
}

/// The thin [`SetHandle`] of a client's `Watches` type: every client's
/// handle has these methods by the same names.
macro_rules! set_handle {
    ($watches:ty) => {
        impl SetHandle for $watches {
            fn insert(
                &self,
                job_id: &str,
                options: Option<::progress_model::WatchOptions>,
            ) -> ::progress_model::Insertion {
                match options {
                    Some(options) => <$watches>::insert_with(self, job_id, options),
                    None => <$watches>::insert(self, job_id),
                }
            }
            fn remove(&self, job_id: &str) -> bool {
                <$watches>::remove(self, job_id)
            }
            fn len(&self) -> usize {
                <$watches>::len(self)
            }
            fn is_empty(&self) -> bool {
                <$watches>::is_empty(self)
            }
            fn contains(&self, job_id: &str) -> bool {
                <$watches>::contains(self, job_id)
            }
            fn close(&self) {
                <$watches>::close(self)
            }
        }
    };
}

set_handle!(progress_ureq::Watches);
set_handle!(progress_reqwest::Watches);
