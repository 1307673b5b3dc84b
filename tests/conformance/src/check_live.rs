//! The checks of many watches over time (`watch_many`, `live`): what each
//! `live` step's call returned, every event of the jobs a vector names at
//! its instant, and when the merged events ended.

use std::collections::BTreeMap;
use std::time::Duration;

use progress_model::{Event, EventKind};
use serde_json::Value;

use crate::check::{
    check_error_fields, check_outcome, matches_progress, show_expected_progress, show_progress,
};
use crate::expected_event::{ExpectedEvent, ExpectedEventKind};
use crate::live_step::LiveAction;
use crate::observed::{Observed, describe};
use crate::vector::{ExpectedOutcome, Mode, Vector};

/// Adds a line to `problems` for each difference.
pub(crate) fn check_live(vector: &Vector, observed: &Observed, problems: &mut Vec<String>) {
    check_steps(vector, observed, problems);
    if vector.mode == Mode::Live {
        check_one_end_per_watch(vector, observed, problems);
    }
    for (job, expected) in &vector.expect.events {
        check_job_events(job, expected, &observed.job_events, problems);
    }
    if let Some(expected) = vector.expect.ended_at {
        let ended = observed.ended_at;
        if ended != Some(expected.0) {
            problems.push(format!(
                "events ended at {}, expected at {} s",
                ended.map_or("no time (they did not end)".into(), |at| format!(
                    "{} s",
                    at.as_secs_f64()
                )),
                expected.0.as_secs_f64()
            ));
        }
    }
}

/// Every step was made, and each call returned what the vector says.
fn check_steps(vector: &Vector, observed: &Observed, problems: &mut Vec<String>) {
    let returned = &observed.made.steps;
    for (index, step) in vector.live.iter().enumerate() {
        let label = format!(
            "step #{} ({} at {} s)",
            index + 1,
            step.action.describe(),
            step.at.0.as_secs_f64()
        );
        match returned.get(index).and_then(Option::as_ref) {
            None => problems.push(format!("{label}: never made")),
            Some(value) if *value != step.action.expected() => problems.push(format!(
                "{label}: returned {value}, expected {}",
                step.action.expected()
            )),
            Some(_) => {}
        }
    }
}

/// Each watch a live set started ends once, and nothing of a job comes
/// after its watch's end unless it was inserted again: per job, as many
/// `Finished` events as inserts that started a watch, the last event one.
fn check_one_end_per_watch(vector: &Vector, observed: &Observed, problems: &mut Vec<String>) {
    let mut started: BTreeMap<&str, usize> = BTreeMap::new();
    for (step, returned) in vector.live.iter().zip(&observed.made.steps) {
        if let LiveAction::Insert { job_id, .. } = &step.action
            && *returned == Some(Value::from("started"))
        {
            *started.entry(job_id).or_default() += 1;
        }
    }
    let mut finished: BTreeMap<&str, usize> = BTreeMap::new();
    let mut last: BTreeMap<&str, bool> = BTreeMap::new();
    for (_, event) in &observed.job_events {
        if event.is_final() {
            *finished.entry(&event.job).or_default() += 1;
        }
        last.insert(&event.job, event.is_final());
    }
    let jobs: std::collections::BTreeSet<&str> =
        started.keys().chain(finished.keys()).copied().collect();
    for job in jobs {
        let (started, ended) = (
            started.get(job).copied().unwrap_or(0),
            finished.get(job).copied().unwrap_or(0),
        );
        if started != ended {
            problems.push(format!(
                "job {job}: {started} watch(es) started, {ended} finished"
            ));
        } else if last.get(job) == Some(&false) {
            problems.push(format!("job {job}: events after its watch finished"));
        }
    }
}

/// The events of `job`, in order, each at its instant.
fn check_job_events(
    job: &str,
    expected: &[ExpectedEvent],
    observed: &[(Duration, Event)],
    problems: &mut Vec<String>,
) {
    let observed: Vec<&(Duration, Event)> = observed
        .iter()
        .filter(|(_, event)| event.job == job)
        .collect();
    let same = expected.len() == observed.len()
        && expected
            .iter()
            .zip(&observed)
            .all(|(want, (at, got))| want.at.0 == *at && matches_event(&want.kind, &got.kind));
    if !same {
        let want: Vec<String> = expected.iter().map(show_expected).collect();
        let got: Vec<String> = observed
            .iter()
            .map(|(at, event)| format!("{} s {}", at.as_secs_f64(), show_kind(&event.kind)))
            .collect();
        problems.push(format!(
            "job {job}: events: expected [{}], observed [{}]",
            want.join(", "),
            got.join(", ")
        ));
    }
}

fn matches_event(want: &ExpectedEventKind, got: &EventKind) -> bool {
    match (want, got) {
        (ExpectedEventKind::Observed(want), EventKind::Observed(got)) => {
            matches_progress(want, got)
        }
        (ExpectedEventKind::Retrying(want), EventKind::Retrying { error, .. }) => {
            let mut differences = Vec::new();
            check_error_fields(want, error, &mut differences);
            want.kind == error.kind().as_str() && differences.is_empty()
        }
        (ExpectedEventKind::TokenRefreshed, EventKind::TokenRefreshed) => true,
        (ExpectedEventKind::Finished(want), EventKind::Finished(got)) => {
            let mut differences = Vec::new();
            check_outcome(want, Some(got), &mut differences);
            differences.is_empty()
        }
        _ => false,
    }
}

fn show_expected(event: &ExpectedEvent) -> String {
    let kind = match &event.kind {
        ExpectedEventKind::Observed(progress) => {
            format!("observed {}", show_expected_progress(progress))
        }
        ExpectedEventKind::Retrying(error) => format!("retrying {}", error.kind),
        ExpectedEventKind::TokenRefreshed => "token_refreshed".into(),
        ExpectedEventKind::Finished(ExpectedOutcome::Progress(progress)) => {
            format!("finished progress {}", show_expected_progress(progress))
        }
        ExpectedEventKind::Finished(ExpectedOutcome::Error(error)) => {
            format!("finished error {}", error.kind)
        }
    };
    format!("{} s {kind}", event.at.0.as_secs_f64())
}

fn show_kind(kind: &EventKind) -> String {
    match kind {
        EventKind::Observed(progress) => format!("observed {}", show_progress(progress)),
        EventKind::Retrying { error, .. } => format!("retrying {}", error.kind().as_str()),
        EventKind::TokenRefreshed => "token_refreshed".into(),
        EventKind::Finished(outcome) => format!("finished {}", describe(outcome)),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use progress_model::{Error, JobState, Progress};

    use super::*;

    /// A live set: job-a inserted at 0 s, then closed; the events ended at 15 s.
    fn vector() -> Vector {
        Vector::from_json(
            r#"{
                "description": "checker self-test",
                "settings": {"token": {"static": "tok"}},
                "mode": "live",
                "watches": [{"job_id": "job-a", "responses": []}],
                "live": [
                    {"at": 0, "do": "insert", "job_id": "job-a", "returns": "started"},
                    {"at": 0, "do": "len", "returns": 1},
                    {"at": 0, "do": "close"}
                ],
                "expect": {
                    "requests": {"count": 0},
                    "events": {"job-a": [{"at": 15, "finished": {"error": {"kind": "cancelled"}}}]},
                    "ended_at": 15
                }
            }"#,
        )
        .unwrap()
    }

    fn event(job: &str, kind: EventKind) -> Event {
        Event::new(job, kind)
    }

    #[test]
    fn accepts_each_watch_ending_once_at_its_instant() {
        let mut observed = Observed::default();
        observed.made.steps = vec![Some("started".into()), Some(1.into()), Some(Value::Null)];
        let cancelled = EventKind::Finished(Err(Error::cancelled()));
        observed.job_events = vec![(Duration::from_secs(15), event("job-a", cancelled))];
        observed.ended_at = Some(Duration::from_secs(15));
        let mut problems = Vec::new();
        check_live(&vector(), &observed, &mut problems);
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn reports_a_step_returning_otherwise_a_watch_without_its_end_and_a_late_end() {
        let mut observed = Observed::default();
        observed.made.steps = vec![Some("started".into()), Some(0.into()), None];
        let active = EventKind::Observed(Progress::new(JobState::Active));
        observed.job_events = vec![(Duration::from_secs(0), event("job-a", active))];
        let mut problems = Vec::new();
        check_live(&vector(), &observed, &mut problems);
        for expected in [
            "step #2 (len at 0 s): returned 0, expected 1",
            "step #3 (close at 0 s): never made",
            "job job-a: 1 watch(es) started, 0 finished",
            "job job-a: events: expected [15 s finished error cancelled], observed [0 s observed {\"state\": \"active\"}]",
            "events ended at no time (they did not end), expected at 15 s",
        ] {
            assert!(
                problems.iter().any(|problem| problem == expected),
                "missing {expected:?} in {problems:#?}"
            );
        }
    }
}
