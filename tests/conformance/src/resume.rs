//! A watch stopped after one of its events and resumed on a fresh client:
//! the part both adapters share.

use std::time::Duration;

use progress_model::{Error, Event, Progress, WatchState};

use crate::Recorder;
use crate::vector::Resume;

/// Records one event of a watch that may be stopped: its item, if it is
/// one. Returns the state to resume from when this is the event to stop
/// after (the `count`th), carried through JSON as a service would store it.
pub fn record(
    recorder: &Recorder,
    resume: Resume,
    count: usize,
    event: Event,
) -> Option<Result<WatchState, Error>> {
    let saved = (count == resume.after_event).then(|| carried(&event));
    if let Some(item) = event.into_observation() {
        recorder.item(item);
    }
    saved
}

/// Records that the client stopped for the vector's downtime (none when it
/// names none), before a fresh client resumes the watch.
pub fn stopped(recorder: &Recorder, resume: Resume) {
    recorder.stopped(
        resume
            .downtime
            .map_or(Duration::ZERO, |downtime| downtime.0),
    );
}

/// The event's state, written as JSON and read back.
fn carried(event: &Event) -> Result<WatchState, Error> {
    let state = event
        .watch_state()
        .ok_or_else(|| Error::Config(format!("event {event:?} carries no state")))?;
    WatchState::from_json(&state.to_json()).map_err(|error| Error::Config(error.to_string()))
}

/// Records the items of the resumed watch's events.
pub fn item(recorder: &Recorder, event: Event) -> bool {
    event
        .into_observation()
        .is_none_or(|item: Result<Progress, Error>| recorder.item(item))
}
