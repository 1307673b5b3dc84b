//! The checks of many watches over time (`watch_many`, `live`): what each
//! `live` step's call returned, every event of the jobs a vector names at
//! its instant, and when the merged events ended.

use std::time::Duration;

use progress_model::{Event, EventKind};

use crate::check::{
    check_error_fields, check_outcome, matches_progress, show_expected_progress, show_progress,
};
use crate::expected_event::{ExpectedEvent, ExpectedEventKind};
use crate::observed::{Observed, describe};
use crate::vector::{ExpectedOutcome, Vector};

/// Adds a line to `problems` for each difference.
pub(crate) fn check_live(vector: &Vector, observed: &Observed, problems: &mut Vec<String>) {
    check_steps(vector, observed, problems);
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
