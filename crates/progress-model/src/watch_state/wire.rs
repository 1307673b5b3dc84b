//! The JSON form of a watch state: plain strings and numbers, every value
//! checked again when read (a state file is input like any other).

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{Observation, StateError, WATCH_STATE_FORMAT, WatchState, wall};
use crate::{ApiVersion, BaseUrl, JobId, JobState, Progress, Service};

#[derive(Serialize, Deserialize)]
pub(super) struct Wire {
    format: u32,
    service: String,
    api_version: String,
    base_url: String,
    job: String,
    last: Option<WireObservation>,
    #[serde(with = "wall::optional")]
    percentage_changed_at: Option<SystemTime>,
    rung: usize,
    #[serde(with = "wall::optional")]
    next_poll_at: Option<SystemTime>,
    #[serde(with = "wall::optional")]
    retry_after_until: Option<SystemTime>,
    consecutive_failures: u32,
    #[serde(with = "wall")]
    started_at: SystemTime,
    #[serde(with = "wall::optional")]
    deadline_at: Option<SystemTime>,
    #[serde(with = "wall")]
    saved_at: SystemTime,
}

#[derive(Serialize, Deserialize)]
struct WireObservation {
    state: JobState,
    percentage: Option<f64>,
    step: Option<String>,
    #[serde(with = "wall")]
    at: SystemTime,
}

impl From<&WatchState> for Wire {
    fn from(state: &WatchState) -> Self {
        Self {
            format: WATCH_STATE_FORMAT,
            service: state.service.path().to_owned(),
            api_version: version_name(&state.api_version),
            base_url: state.base_url.as_str().to_owned(),
            job: state.job.as_str().to_owned(),
            last: state.last.as_ref().map(|seen| WireObservation {
                state: seen.progress.state.clone(),
                percentage: seen.progress.percentage,
                step: seen.progress.step.clone(),
                at: seen.at,
            }),
            percentage_changed_at: state.percentage_changed_at,
            rung: state.rung,
            next_poll_at: state.next_poll_at,
            retry_after_until: state.retry_after_until,
            consecutive_failures: state.consecutive_failures,
            started_at: state.started_at,
            deadline_at: state.deadline_at,
            saved_at: state.saved_at,
        }
    }
}

impl TryFrom<Wire> for WatchState {
    type Error = StateError;

    fn try_from(wire: Wire) -> Result<Self, StateError> {
        let invalid = |what: &str, error: crate::Error| {
            StateError::Invalid(format!("the {what} is refused: {error}"))
        };
        let service: Service = wire
            .service
            .parse()
            .map_err(|error| invalid("service", error))?;
        let api_version = wire
            .api_version
            .parse()
            .map_err(|error| invalid("API version", error))?;
        let base_url = BaseUrl::new(&wire.base_url).map_err(|error| invalid("base URL", error))?;
        let job = JobId::new(wire.job).map_err(|error| invalid("job id", error))?;
        let last = wire.last.map(|seen| {
            let mut progress = Progress::new(seen.state);
            progress.percentage = seen.percentage;
            progress.step = seen.step;
            Observation::new(progress, seen.at)
        });
        Ok(Self {
            service,
            api_version,
            base_url,
            job,
            last,
            percentage_changed_at: wire.percentage_changed_at,
            rung: wire.rung,
            next_poll_at: wire.next_poll_at,
            retry_after_until: wire.retry_after_until,
            consecutive_failures: wire.consecutive_failures,
            started_at: wire.started_at,
            deadline_at: wire.deadline_at,
            saved_at: wire.saved_at,
        })
    }
}

/// `v1`, `v2`, or the media type as sent: what `ApiVersion`'s `FromStr` reads.
fn version_name(version: &ApiVersion) -> String {
    match version {
        ApiVersion::V1 => "v1".into(),
        ApiVersion::V2 => "v2".into(),
        other => other.accept().to_owned(),
    }
}
