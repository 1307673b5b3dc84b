//! The invariants of one watch, read against what the server served its job.

use std::time::Duration;

use itwin_job_progress::ErrorKind;
use progress_sim::Served;

use crate::jobs::Job;
use crate::kinds::FaultKind;
use crate::plan::Plan;
use crate::record::{Event, WatchRecord};

/// How long a watch may outlive its deadline.
pub const LATENESS_ALLOWED: Duration = Duration::from_secs(1);

/// What one watch came to, for the matrix.
#[derive(Debug)]
pub struct Verdict {
    /// `Some(state)` when it ended on a terminal observation.
    pub terminal: Option<String>,
    /// The error kind it ended with.
    pub error: Option<ErrorKind>,
    /// How long it outlived its deadline (zero when it ended before).
    pub lateness: Duration,
    /// Every broken invariant, in words.
    pub broken: Vec<String>,
}

pub fn check(
    plan: &Plan,
    kind: &FaultKind,
    job: &Job,
    record: &WatchRecord,
    served: Served,
) -> Verdict {
    let mut broken = Vec::new();
    let lateness = record.took.saturating_sub(job.deadline);
    if lateness > LATENESS_ALLOWED {
        broken.push(format!(
            "outlived its {:?} deadline by {:?}: {}",
            job.deadline,
            lateness,
            record.timeline()
        ));
    }
    broken.extend(rungs(plan, &record.events));
    let mut verdict = Verdict {
        terminal: None,
        error: None,
        lateness,
        broken,
    };
    let Some(outcome) = &record.outcome else {
        verdict.broken.push("the watch panicked".to_owned());
        return verdict;
    };
    match outcome {
        Ok(progress) => {
            let state = progress.state.as_str().to_ascii_lowercase();
            verdict.terminal = Some(state.clone());
            if !progress.is_terminal() {
                verdict
                    .broken
                    .push(format!("ended on a state that is not terminal: {progress}"));
            }
            match job.terminal {
                Some(expected) if expected == state => {}
                Some(expected) => verdict
                    .broken
                    .push(format!("ended {state}, the server's job ended {expected}")),
                None => verdict
                    .broken
                    .push(format!("ended {state}, but the server's job never ends")),
            }
        }
        Err(error) => {
            let error_kind = error.kind();
            verdict.error = Some(error_kind);
            let last_cause = match error {
                itwin_job_progress::Error::RetriesExhausted { last, .. } => last.kind().as_str(),
                itwin_job_progress::Error::Deadline {
                    failing: Some(failing),
                    ..
                } => failing.kind().as_str(),
                other => other.kind().as_str(),
            };
            if let Some(reason) =
                unexplained(plan, kind, job, record, served, error_kind, last_cause)
            {
                verdict.broken.push(format!(
                    "{reason}: {}; the server served {served:?}; {}",
                    error.chain(),
                    record.timeline()
                ));
            }
            if error_kind == ErrorKind::RetriesExhausted
                && let itwin_job_progress::Error::RetriesExhausted { attempts, .. } = error
                && *attempts != plan.max_retries + 1
            {
                verdict.broken.push(format!(
                    "gave up after {attempts} failures in a row, not {}",
                    plan.max_retries + 1
                ));
            }
        }
    }
    verdict
}

/// Why an error that ended a watch is not the one the contract names for
/// what the server did, or `None` when it is.
fn unexplained(
    plan: &Plan,
    kind: &FaultKind,
    job: &Job,
    record: &WatchRecord,
    served: Served,
    error: ErrorKind,
    last_cause: &str,
) -> Option<&'static str> {
    let faulted = served.faults > 0;
    match error {
        ErrorKind::Deadline if job.terminal.is_none() => None,
        // A 429 is not a failure the retries count: a server that turns the
        // watch away until its deadline ends it there, as the contract says.
        ErrorKind::Deadline if turned_away_since_last_observation(record, served, last_cause) => {
            None
        }
        ErrorKind::Deadline => {
            Some("hit its deadline although the server's job ends well before it")
        }
        ErrorKind::NotFound if kind.ends_with_not_found() && faulted => None,
        ErrorKind::Unauthorized if kind.ends_with_unauthorized() && faulted => {
            // The contract: one immediate retry with a fresh token, then the end.
            let refreshed = record
                .events
                .iter()
                .any(|event| matches!(event, Event::Request { fresh: true, .. }));
            (!refreshed).then_some("ended on a 401 without retrying once with a fresh token")
        }
        ErrorKind::RetriesExhausted => {
            let failures_needed = plan.max_retries as usize + 1;
            let causes = failures_since_last_observation(record, last_cause);
            // A timeout or a failed connection may be the load of 200 watches
            // starting at once, not an injected fault: the server never saw
            // those requests. Any other failure is an answer the server gave.
            let answered = causes
                .iter()
                .filter(|cause| !matches!(**cause, "timeout" | "connect" | "transport"))
                .count() as u64;
            if causes.len() < failures_needed {
                Some("gave up before max_retries + 1 failures in a row since its last observation")
            } else if served.faults < answered {
                Some("gave up on failed answers the server did not serve as faults")
            } else {
                None
            }
        }
        _ => Some("ended with an error the server's answers do not explain"),
    }
}

/// No request sooner than its rung: after an observation, the ladder's wait
/// (back to the first rung when the percentage changed); after a retried
/// failure, the rung or `Retry-After`, whichever is longer. Only the
/// request with a fresh token after a 401, and the first request after a
/// wake, may follow at once: a wake that came while a request was on the
/// wire cuts the wait after its answer too (that answer may predate the
/// job's end).
///
/// The rung is computed here on its own, from the ladder rules of the
/// contract, not read from the client.
fn rungs(plan: &Plan, events: &[Event]) -> Vec<String> {
    let intervals = plan.intervals();
    let mut broken = Vec::new();
    let mut rung = 0usize;
    let mut last_percentage: Option<Option<f64>> = None;
    let mut last_request = None;
    let mut owed = Duration::ZERO;
    let mut woken = false;
    let step = |rung: &mut usize| {
        let wait = intervals[(*rung).min(intervals.len() - 1)];
        *rung = (*rung + 1).min(intervals.len() - 1);
        wait
    };
    for (index, event) in events.iter().enumerate() {
        match event {
            Event::Request { at, fresh } => {
                if let Some(previous) = last_request
                    && !fresh
                    && !woken
                {
                    let gap = at.saturating_duration_since(previous);
                    if gap < owed {
                        broken.push(format!(
                            "request {index} went out {gap:?} after the one before, sooner than its {owed:?} rung"
                        ));
                    }
                }
                last_request = Some(*at);
                owed = Duration::ZERO;
                woken = false;
            }
            // A wake is what may bring a request before its rung.
            Event::Woken { .. } => woken = true,
            Event::Observed { percentage } => {
                if last_percentage != Some(*percentage) {
                    rung = 0;
                }
                last_percentage = Some(*percentage);
                owed = step(&mut rung);
            }
            Event::Retry {
                wait, retry_after, ..
            } => {
                let rung_wait = step(&mut rung);
                let expected = retry_after.map_or(rung_wait, |asked| asked.max(rung_wait));
                if *wait < expected {
                    broken.push(format!(
                        "announced a wait of {wait:?} after a failure, shorter than {expected:?}"
                    ));
                }
                owed = expected;
            }
        }
    }
    broken
}

/// Whether every request since the watch's last observation, the one the
/// deadline cut short (`last_cause`) included, was a 429 the server served as
/// a fault: a 429 storm that outlasted the watch's deadline.
fn turned_away_since_last_observation(
    record: &WatchRecord,
    served: Served,
    last_cause: &str,
) -> bool {
    let causes = failures_since_last_observation(record, last_cause);
    causes.iter().all(|cause| *cause == "rate_limited") && served.faults >= causes.len() as u64
}

/// What failed since the watch's last observation, in order from the latest:
/// the failure that ended it (`last_cause`), then each retried one.
fn failures_since_last_observation<'a>(
    record: &'a WatchRecord,
    last_cause: &'a str,
) -> Vec<&'a str> {
    let retried = record
        .events
        .iter()
        .rev()
        .take_while(|event| !matches!(event, Event::Observed { .. }))
        .filter_map(|event| match event {
            Event::Retry { cause, .. } => Some(cause.as_str()),
            _ => None,
        });
    std::iter::once(last_cause).chain(retried).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(events: Vec<Event>) -> WatchRecord {
        WatchRecord {
            job: 0,
            events,
            outcome: None,
            started: std::time::Instant::now(),
            took: Duration::ZERO,
        }
    }

    fn retry(cause: &str) -> Event {
        Event::Retry {
            wait: Duration::from_secs(1),
            retry_after: Some(Duration::from_secs(1)),
            cause: cause.to_owned(),
        }
    }

    fn faults(count: u64) -> Served {
        let mut served = Served::default();
        served.faults = count;
        served
    }

    #[test]
    fn a_wake_while_a_request_is_on_the_wire_lets_the_next_one_follow_at_once() {
        let plan = Plan::new(true, None, 1);
        let start = std::time::Instant::now();
        let request = |millis| Event::Request {
            at: start + Duration::from_millis(millis),
            fresh: false,
        };
        let observed = Event::Observed {
            percentage: Some(50.0),
        };
        let woken = Event::Woken { at: start };
        // The wake came before the answer: the request after it is owed nothing.
        let on_the_wire = vec![request(0), woken.clone(), observed.clone(), request(1)];
        assert_eq!(rungs(&plan, &on_the_wire), Vec::<String>::new());
        // Without a wake, the same gap is too short.
        let unwoken = vec![request(0), observed.clone(), request(1)];
        assert_eq!(rungs(&plan, &unwoken).len(), 1);
        // A wake exempts one request only.
        let once = vec![
            request(0),
            woken,
            observed.clone(),
            request(1),
            observed,
            request(2),
        ];
        assert_eq!(rungs(&plan, &once).len(), 1);
    }

    #[test]
    fn a_deadline_is_explained_only_by_429s_since_the_last_observation() {
        let storm = record(vec![
            retry("server"),
            Event::Observed {
                percentage: Some(10.0),
            },
            retry("rate_limited"),
            retry("rate_limited"),
        ]);
        // Two retried 429s and the one the deadline cut short: three served.
        assert!(turned_away_since_last_observation(
            &storm,
            faults(3),
            "rate_limited"
        ));
        assert!(!turned_away_since_last_observation(
            &storm,
            faults(2),
            "rate_limited"
        ));
        // The deadline came while a 5xx was being retried, or after a 200.
        assert!(!turned_away_since_last_observation(
            &storm,
            faults(9),
            "server"
        ));
        assert!(!turned_away_since_last_observation(
            &storm,
            faults(9),
            "deadline"
        ));
        let mixed = record(vec![retry("server"), retry("rate_limited")]);
        assert!(!turned_away_since_last_observation(
            &mixed,
            faults(9),
            "rate_limited"
        ));
    }
}
