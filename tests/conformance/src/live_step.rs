//! The steps of a `live` vector: what is done to a live set of watches
//! (`Client::watches()`), at which instant of the clock, and what each call
//! must return. Read from plain JSON (`{"at": 20, "do": "remove", "job_id":
//! "job-b", "returns": true}`) and checked here, so that a step that could
//! never be made (a `remove` without a job) fails when the file is read.

use progress_model::{Insertion, WatchOptions};
use serde::Deserialize;
use serde_json::Value;

use crate::vector::Seconds;

/// One step: at `at` seconds of the clock, `action`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawStep")]
pub struct LiveStep {
    /// When, in seconds of the client's clock since the start.
    pub at: Seconds,
    /// What is done, with what it must return.
    pub action: LiveAction,
}

/// What a step does to the set, and what the call must return.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveAction {
    /// `insert(job_id)`, or `insert_with(job_id, options)`.
    Insert {
        /// The job inserted.
        job_id: String,
        /// Options of this watch; `None`: `insert`.
        options: Option<InsertOptions>,
        /// What `insert` returns.
        returns: Insertion,
    },
    /// `remove(job_id)`.
    Remove {
        /// The job removed.
        job_id: String,
        /// What `remove` returns: whether a watch of it was running.
        returns: bool,
    },
    /// `len()`.
    Len {
        /// What it returns.
        returns: usize,
    },
    /// `contains(job_id)`.
    Contains {
        /// The job asked about.
        job_id: String,
        /// What it returns.
        returns: bool,
    },
    /// `close()`.
    Close,
}

/// The options of an `insert_with`, each as in `settings`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsertOptions {
    /// This watch's deadline in seconds, counted from its insertion.
    pub deadline: Option<Seconds>,
    /// This watch's poll ladder in seconds.
    pub intervals: Option<Vec<Seconds>>,
    /// Consecutive transient failures this watch retries.
    pub max_retries: Option<u32>,
}

impl InsertOptions {
    /// The client's `WatchOptions` for these.
    pub fn to_watch_options(&self) -> WatchOptions {
        let mut options = WatchOptions::new();
        if let Some(deadline) = self.deadline {
            options = options.deadline(deadline.0);
        }
        if let Some(intervals) = &self.intervals {
            options = options.intervals(intervals.iter().map(|seconds| seconds.0));
        }
        if let Some(retries) = self.max_retries {
            options = options.max_retries(retries);
        }
        options
    }
}

impl LiveAction {
    /// The job the step names, if any.
    pub fn job_id(&self) -> Option<&str> {
        match self {
            LiveAction::Insert { job_id, .. }
            | LiveAction::Remove { job_id, .. }
            | LiveAction::Contains { job_id, .. } => Some(job_id),
            LiveAction::Len { .. } | LiveAction::Close => None,
        }
    }

    /// What the call must return, as a vector writes it (`null` for `close`).
    pub fn expected(&self) -> Value {
        match self {
            LiveAction::Insert { returns, .. } => Value::from(insertion_name(*returns)),
            LiveAction::Remove { returns, .. } | LiveAction::Contains { returns, .. } => {
                Value::from(*returns)
            }
            LiveAction::Len { returns } => Value::from(*returns),
            LiveAction::Close => Value::Null,
        }
    }

    /// The step as a short text, for messages: `remove "job-b"`.
    pub fn describe(&self) -> String {
        match self {
            LiveAction::Insert {
                job_id,
                options: None,
                ..
            } => format!("insert {job_id:?}"),
            LiveAction::Insert { job_id, .. } => format!("insert_with {job_id:?}"),
            LiveAction::Remove { job_id, .. } => format!("remove {job_id:?}"),
            LiveAction::Len { .. } => "len".into(),
            LiveAction::Contains { job_id, .. } => format!("contains {job_id:?}"),
            LiveAction::Close => "close".into(),
        }
    }
}

/// An [`Insertion`] as a vector names it.
pub fn insertion_name(insertion: Insertion) -> &'static str {
    match insertion {
        Insertion::Started => "started",
        Insertion::AlreadyWatched => "already_watched",
        Insertion::Closed => "closed",
    }
}

/// A step as written, before its fields are checked against its action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: Seconds,
    #[serde(rename = "do")]
    action: ActionName,
    job_id: Option<String>,
    options: Option<InsertOptions>,
    returns: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActionName {
    Insert,
    Remove,
    Len,
    Contains,
    Close,
}

impl TryFrom<RawStep> for LiveStep {
    type Error = String;

    fn try_from(raw: RawStep) -> Result<Self, String> {
        let RawStep {
            at,
            action,
            job_id,
            options,
            returns,
        } = raw;
        let name = format!("{action:?}").to_lowercase();
        if options.is_some() && action != ActionName::Insert {
            return Err(format!("`{name}` takes no `options`"));
        }
        let job = || job_id.clone().ok_or(format!("`{name}` needs a `job_id`"));
        let flag = |value: &Option<Value>| {
            value
                .as_ref()
                .and_then(Value::as_bool)
                .ok_or(format!("`{name}` returns `true` or `false`"))
        };
        let action = match action {
            ActionName::Insert => LiveAction::Insert {
                job_id: job()?,
                options,
                returns: match returns.as_ref().and_then(Value::as_str) {
                    Some("started") => Insertion::Started,
                    Some("already_watched") => Insertion::AlreadyWatched,
                    Some("closed") => Insertion::Closed,
                    _ => {
                        return Err(
                            "`insert` returns \"started\", \"already_watched\" or \"closed\""
                                .into(),
                        );
                    }
                },
            },
            ActionName::Remove => LiveAction::Remove {
                job_id: job()?,
                returns: flag(&returns)?,
            },
            ActionName::Contains => LiveAction::Contains {
                job_id: job()?,
                returns: flag(&returns)?,
            },
            ActionName::Len => {
                if job_id.is_some() {
                    return Err("`len` takes no `job_id`".into());
                }
                let count = returns
                    .as_ref()
                    .and_then(Value::as_u64)
                    .and_then(|count| usize::try_from(count).ok())
                    .ok_or("`len` returns a count")?;
                LiveAction::Len { returns: count }
            }
            ActionName::Close => {
                if job_id.is_some() || returns.is_some() {
                    return Err("`close` takes no `job_id` and returns nothing".into());
                }
                LiveAction::Close
            }
        };
        Ok(LiveStep { at, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(json: &str) -> Result<LiveStep, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn reads_each_action_with_what_it_returns() {
        let insert = step(
            r#"{"at": 20, "do": "insert", "job_id": "job-b", "options": {"deadline": 25}, "returns": "started"}"#,
        )
        .unwrap();
        assert_eq!(insert.action.describe(), "insert_with \"job-b\"");
        assert_eq!(insert.action.expected(), Value::from("started"));
        let len = step(r#"{"at": 0, "do": "len", "returns": 2}"#).unwrap();
        assert_eq!(len.action, LiveAction::Len { returns: 2 });
        let close = step(r#"{"at": 0, "do": "close"}"#).unwrap();
        assert_eq!(close.action.expected(), Value::Null);
    }

    #[test]
    fn refuses_a_step_that_could_not_be_made_or_checked() {
        for (json, error) in [
            (
                r#"{"at": 0, "do": "remove", "returns": true}"#,
                "needs a `job_id`",
            ),
            (
                r#"{"at": 0, "do": "insert", "job_id": "a"}"#,
                "`insert` returns",
            ),
            (
                r#"{"at": 0, "do": "contains", "job_id": "a", "returns": "yes"}"#,
                "`true` or `false`",
            ),
            (
                r#"{"at": 0, "do": "close", "returns": true}"#,
                "returns nothing",
            ),
            (
                r#"{"at": 0, "do": "len", "options": {}, "returns": 0}"#,
                "takes no `options`",
            ),
            (r#"{"at": 0, "do": "clear"}"#, "unknown variant"),
        ] {
            let refused = step(json).unwrap_err();
            assert!(refused.contains(error), "{json}: {refused}");
        }
    }
}
