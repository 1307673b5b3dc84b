//! Compares what was observed with what a vector expects, and says precisely
//! which field differed: a failing vector should be diagnosable from its message.

use std::time::Duration;

use progress_model::{Error, Progress};

use crate::mock_server::RecordedRequest;
use crate::observed::{Event, Observed, describe};
use crate::vector::{
    ExpectedError, ExpectedOutcome, ExpectedProgress, Mode, RequestPattern, Vector,
};

/// Every delivery made, each returning what the vector says.
fn check_deliveries(vector: &Vector, observed: &Observed, problems: &mut Vec<String>) {
    let expected: Vec<(String, bool)> = vector
        .deliveries
        .iter()
        .map(|delivery| (delivery.job_id.clone(), delivery.woken))
        .collect();
    let made = &observed.made;
    if made.deliveries != expected || made.undelivered > 0 {
        problems.push(format!(
            "deliveries: notify_completed returned {:?} ({} not made), expected {expected:?}",
            made.deliveries, made.undelivered
        ));
    }
}

/// `Ok` when everything matched; otherwise every difference, one per line.
pub fn check(
    vector: &Vector,
    observed: &Observed,
    requests: &[RecordedRequest],
) -> Result<(), String> {
    let mut problems = observed.anomalies.clone();
    check_requests(vector, requests, &mut problems);
    // Many watches' waits and observations interleave: their vectors check
    // when each job's requests arrived instead.
    if !vector.mode.is_many() {
        check_waits(vector, &observed.waits(), &mut problems);
        check_progress(vector, &observed.emitted(), &mut problems);
    }
    if vector.mode == Mode::Watch {
        check_emit_before_wait(&observed.events, &mut problems);
    }
    if let Some(outcome) = &vector.expect.outcome {
        check_outcome(outcome, observed.outcome.as_ref(), &mut problems);
    }
    check_many(vector, observed, requests, &mut problems);
    check_deliveries(vector, observed, &mut problems);
    crate::check_live::check_live(vector, observed, &mut problems);
    if let Some(credentials) = vector.settings.client_credentials() {
        check_secret_hidden(
            &credentials.client_id,
            &credentials.secret,
            observed,
            requests,
            &mut problems,
        );
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut report = format!("{}\n", vector.description);
    for problem in &problems {
        report.push_str(&format!("  - {problem}\n"));
    }
    report.push_str(&format!(
        "  observed requests:\n{}",
        requests
            .iter()
            .enumerate()
            .map(|(index, request)| format!(
                "    #{} {} {}\n",
                index + 1,
                request.method,
                request.path
            ))
            .collect::<String>()
    ));
    report.push_str(&format!(
        "  observed timeline: {}\n",
        show_timeline(&observed.events)
    ));
    Err(report)
}

fn check_requests(vector: &Vector, requests: &[RecordedRequest], problems: &mut Vec<String>) {
    let expected = &vector.expect.requests;
    if requests.len() != expected.count {
        problems.push(format!(
            "requests: expected {} request(s), the server received {}",
            expected.count,
            requests.len()
        ));
    }
    for (index, request) in requests.iter().enumerate().take(expected.count) {
        let label = format!("request #{}", index + 1);
        check_request(&label, &expected.every, request, problems);
        if let Some(pattern) = expected.each.as_ref().and_then(|each| each.get(index)) {
            check_request(&label, pattern, request, problems);
        }
    }
}

fn check_request(
    label: &str,
    pattern: &RequestPattern,
    request: &RecordedRequest,
    problems: &mut Vec<String>,
) {
    if let Some(method) = &pattern.method
        && *method != request.method
    {
        problems.push(format!(
            "{label}: method: expected {method}, observed {}",
            request.method
        ));
    }
    if let Some(path) = &pattern.path
        && *path != request.path
    {
        problems.push(format!(
            "{label}: path: expected {path:?}, observed {:?}",
            request.path
        ));
    }
    for (name, value) in &pattern.headers {
        let sent = request.header_values(name);
        if sent != [value.as_str()] {
            problems.push(format!(
                "{label}: header `{name}`: expected exactly {value:?}, observed {}",
                show_header_values(&sent)
            ));
        }
    }
    for (name, suffix) in &pattern.header_suffixes {
        let sent = request.header_values(name);
        if !matches!(sent.as_slice(), [value] if value.ends_with(suffix.as_str())) {
            problems.push(format!(
                "{label}: header `{name}`: expected once, ending with {suffix:?}, observed {}",
                show_header_values(&sent)
            ));
        }
    }
    for name in &pattern.present_headers {
        if request.header_values(name).is_empty() {
            problems.push(format!(
                "{label}: header `{name}`: expected to be sent, it was not"
            ));
        }
    }
    for name in &pattern.absent_headers {
        let sent = request.header_values(name);
        if !sent.is_empty() {
            problems.push(format!(
                "{label}: header `{name}`: expected to be absent, observed {}",
                show_header_values(&sent)
            ));
        }
    }
    if let Some(body) = &pattern.body
        && *body != request.body
    {
        problems.push(format!(
            "{label}: body: expected {body:?}, observed {:?}",
            request.body
        ));
    }
}

fn show_header_values(values: &[&str]) -> String {
    match values {
        [] => "none".into(),
        [one] => format!("{one:?}"),
        many => format!("{} values {many:?}", many.len()),
    }
}

fn check_waits(vector: &Vector, observed: &[Duration], problems: &mut Vec<String>) {
    let expected: Vec<Duration> = vector
        .expect
        .waits
        .iter()
        .map(|seconds| seconds.0)
        .collect();
    if expected != observed {
        problems.push(format!(
            "waits: expected {} s, observed {} s{}",
            show_waits(&expected),
            show_waits(observed),
            first_difference(&expected, observed, |wait| format!(
                "{} s",
                wait.as_secs_f64()
            ))
        ));
    }
}

fn check_progress(vector: &Vector, observed: &[&Progress], problems: &mut Vec<String>) {
    let expected = &vector.expect.progress;
    let same = expected.len() == observed.len()
        && expected
            .iter()
            .zip(observed)
            .all(|(want, got)| matches_progress(want, got));
    if !same {
        let want: Vec<String> = expected.iter().map(show_expected_progress).collect();
        let got: Vec<String> = observed
            .iter()
            .map(|progress| show_progress(progress))
            .collect();
        problems.push(format!(
            "emitted progress: expected [{}], observed [{}]{}",
            want.join(", "),
            got.join(", "),
            first_difference(&want, &got, Clone::clone)
        ));
    }
}

/// The machine emits an observation before the wait that follows it, and a
/// terminal one last: the caller sees progress as soon as it is known.
fn check_emit_before_wait(events: &[Event], problems: &mut Vec<String>) {
    for (index, event) in events.iter().enumerate() {
        let Event::Emit(progress) = event else {
            continue;
        };
        match events.get(index + 1) {
            None | Some(Event::Wait(_)) if !progress.is_terminal() => {}
            // A watch stopped and resumed: the downtime stands for the wait.
            None | Some(Event::Stopped(_)) => {}
            Some(next) => problems.push(format!(
                "timeline: after emitting {} the next event should be {}, observed {}",
                show_progress(progress),
                if progress.is_terminal() {
                    "none (it is terminal)"
                } else {
                    "a wait"
                },
                show_event(next)
            )),
        }
    }
}

/// What a `watch_many` vector expects besides requests: each job's outcome,
/// when each job's requests arrived, and how many were in flight at once.
fn check_many(
    vector: &Vector,
    observed: &Observed,
    requests: &[RecordedRequest],
    problems: &mut Vec<String>,
) {
    for (job, expected) in &vector.expect.outcomes {
        let mut job_problems = Vec::new();
        check_outcome(expected, observed.outcomes.get(job), &mut job_problems);
        problems.extend(
            job_problems
                .into_iter()
                .map(|problem| format!("job {job}: {problem}")),
        );
    }
    let unexpected: Vec<_> = observed
        .outcomes
        .keys()
        .filter(|job| !vector.expect.outcomes.contains_key(*job))
        .collect();
    if vector.mode.is_many() && !unexpected.is_empty() {
        problems.push(format!(
            "outcomes: jobs not in the vector ended: {unexpected:?}"
        ));
    }
    for (job, expected) in &vector.expect.sent_at {
        let marker = format!("/jobs/{job}/progress");
        let observed: Vec<Duration> = requests
            .iter()
            .filter(|request| request.path.ends_with(&marker))
            .filter_map(|request| request.at)
            .collect();
        let expected: Vec<Duration> = expected.iter().map(|seconds| seconds.0).collect();
        if observed != expected {
            problems.push(format!(
                "job {job}: requests received at {} s, expected at {} s",
                show_waits(&observed),
                show_waits(&expected)
            ));
        }
    }
    if let Some(limit) = vector.expect.max_overlap
        && observed.max_overlap > limit
    {
        problems.push(format!(
            "overlap: the server had {} requests in flight at once, at most {limit} expected",
            observed.max_overlap
        ));
    }
    if let Some(bound) = vector.expect.max_overlap_from {
        let from = bound.seconds.0;
        let most = requests
            .iter()
            .filter(|request| request.at.is_some_and(|at| at >= from))
            .map(|request| request.overlap)
            .max()
            .unwrap_or(0);
        if most > bound.most {
            problems.push(format!(
                "overlap from {} s: the server had {most} requests in flight at once, at most {} expected",
                from.as_secs_f64(),
                bound.most
            ));
        }
    }
}

pub(crate) fn check_outcome(
    expected: &ExpectedOutcome,
    observed: Option<&Result<Progress, Error>>,
    problems: &mut Vec<String>,
) {
    let Some(observed) = observed else {
        problems.push("outcome: the call ended without any result".into());
        return;
    };
    match (expected, observed) {
        (ExpectedOutcome::Progress(want), Ok(got)) if matches_progress(want, got) => {}
        (ExpectedOutcome::Error(want), Err(got)) if want.kind == got.kind().as_str() => {
            check_error_fields(want, got, problems);
        }
        (ExpectedOutcome::Progress(want), _) => problems.push(format!(
            "outcome: expected progress {}, observed {}",
            show_expected_progress(want),
            describe(observed)
        )),
        (ExpectedOutcome::Error(want), _) => problems.push(format!(
            "outcome: expected error {}, observed {}",
            want.kind,
            describe(observed)
        )),
    }
}

pub(crate) fn check_error_fields(want: &ExpectedError, got: &Error, problems: &mut Vec<String>) {
    let mut field = |name: &str, expected: String, observed: String| {
        if expected != observed {
            problems.push(format!(
                "outcome error {}: {name}: expected {expected}, observed {observed} (error: {got})",
                want.kind
            ));
        }
    };
    if let Some(status) = want.status {
        field("status", show(status), show(got.status()));
    }
    if let Some(code) = &want.code {
        field("code", show(code.as_deref()), show(got.code()));
    }
    if let Some(id) = &want.correlation_id {
        field(
            "correlation_id",
            show(id.as_deref()),
            show(got.correlation_id()),
        );
    }
    if let Some(retry_after) = want.retry_after {
        let seconds = |wait: Option<Duration>| show(wait.map(|wait| wait.as_secs_f64()));
        field(
            "retry_after (s)",
            seconds(retry_after.map(|s| s.0)),
            seconds(got.retry_after()),
        );
    }
    if let Some(location) = &want.location {
        let observed = match got {
            Error::Redirect { location, .. } => location.as_deref(),
            _ => None,
        };
        field("location", show(location.as_deref()), show(observed));
    }
    if let Some(last) = &want.last_progress {
        let same = match (last, got.last_progress()) {
            (Some(want), Some(got)) => matches_progress(want, got),
            (None, None) => true,
            _ => false,
        };
        if !same {
            field(
                "last_progress",
                last.as_ref().map_or("none".into(), show_expected_progress),
                got.last_progress().map_or("none".into(), show_progress),
            );
        }
    }
    if let Some(excerpt) = &want.excerpt {
        field("excerpt", show(excerpt.as_deref()), show(got.excerpt()));
    }
    if let Some(text) = &want.message_contains {
        let message = got.to_string();
        if !message.contains(text.as_str()) {
            field(
                "message",
                format!("one containing {text:?}"),
                format!("{message:?}"),
            );
        }
    }
    // The failure behind the error: the last of `retries_exhausted` (and how
    // many came in a row), the one a `deadline` came during.
    let (attempts, last_kind) = match got {
        Error::RetriesExhausted { attempts, last, .. } => {
            (Some(*attempts), Some(last.kind().as_str()))
        }
        Error::Deadline { failing, .. } => (None, failing.as_ref().map(|e| e.kind().as_str())),
        _ => (None, None),
    };
    if let Some(want_attempts) = want.attempts {
        field("attempts", want_attempts.to_string(), show(attempts));
    }
    if let Some(want_kind) = &want.last_kind {
        field("last_kind", show(want_kind.as_deref()), show(last_kind));
    }
}

/// A client-credentials secret never shows: not in any error the client
/// retried or ended with (`Display`, `Debug` or `chain()`), in any form the
/// client sent it (as given, form-urlencoded, the Basic credentials), nor in clear in any request
/// (the token request carries it only inside the Basic credentials).
fn check_secret_hidden(
    client_id: &str,
    secret: &str,
    observed: &Observed,
    requests: &[RecordedRequest],
    problems: &mut Vec<String>,
) {
    let forms = secret_forms(client_id, secret);
    let ended = observed
        .outcome
        .iter()
        .chain(observed.outcomes.values())
        .filter_map(|outcome| outcome.as_ref().err());
    for (role, error) in observed
        .retried
        .iter()
        .map(|error| ("a retried error", error))
        .chain(ended.map(|error| ("the error the call ended with", error)))
    {
        let shown = format!("{error} {error:?} {}", error.chain());
        if forms.iter().any(|form| shown.contains(form.as_str())) {
            problems.push(format!(
                "secret: {role} shows the client secret ({})",
                error.kind().as_str()
            ));
        }
    }
    for (index, request) in requests.iter().enumerate() {
        let sent = request
            .headers
            .iter()
            .map(|(_, value)| value.as_str())
            .chain([request.path.as_str(), request.body.as_str()]);
        if sent.into_iter().any(|text| text.contains(secret)) {
            problems.push(format!(
                "secret: request #{} carries the client secret in clear",
                index + 1
            ));
        }
    }
}

/// The forms in which a client sends its secret: as given, form-urlencoded
/// (RFC 6749 §2.3.1), and the base64 of both, the Basic credentials.
fn secret_forms(client_id: &str, secret: &str) -> [String; 3] {
    use base64::Engine as _;
    let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        encode(client_id),
        encode(secret)
    ));
    [secret.to_owned(), encode(secret), basic]
}

/// An optional field as a vector would write it: the value, or `none`.
fn show<T: std::fmt::Debug>(value: Option<T>) -> String {
    value.map_or("none".into(), |value| format!("{value:?}"))
}

pub(crate) fn matches_progress(want: &ExpectedProgress, got: &Progress) -> bool {
    want.percentage == got.percentage && want.state == got.state.as_str() && want.step == got.step
}

/// ` (first difference at #3: expected 30 s, observed 60 s)`, or nothing.
fn first_difference<T: PartialEq>(
    expected: &[T],
    observed: &[T],
    show: impl Fn(&T) -> String,
) -> String {
    let index = expected
        .iter()
        .zip(observed)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(observed.len()));
    let side = |items: &[T]| items.get(index).map_or("nothing".into(), &show);
    format!(
        " (first difference at #{}: expected {}, observed {})",
        index + 1,
        side(expected),
        side(observed)
    )
}

fn show_waits(waits: &[Duration]) -> String {
    let waits: Vec<String> = waits
        .iter()
        .map(|wait| wait.as_secs_f64().to_string())
        .collect();
    format!("[{}]", waits.join(", "))
}

fn show_timeline(events: &[Event]) -> String {
    if events.is_empty() {
        return "nothing emitted, no waits".into();
    }
    events.iter().map(show_event).collect::<Vec<_>>().join(", ")
}

fn show_event(event: &Event) -> String {
    match event {
        Event::Emit(progress) => format!("emit {}", show_progress(progress)),
        Event::Wait(wait) => format!("wait {} s", wait.as_secs_f64()),
        Event::Stopped(downtime) => format!(
            "stopped, saved, {} s later resumed on a fresh client",
            downtime.as_secs_f64()
        ),
    }
}

/// A progress in the vector's JSON shape, so it can be compared by eye with the file.
pub fn show_progress(progress: &Progress) -> String {
    show_fields(
        progress.percentage,
        progress.state.as_str(),
        progress.step.as_deref(),
    )
}

pub(crate) fn show_expected_progress(progress: &ExpectedProgress) -> String {
    show_fields(
        progress.percentage,
        &progress.state,
        progress.step.as_deref(),
    )
}

fn show_fields(percentage: Option<f64>, state: &str, step: Option<&str>) -> String {
    let mut fields = Vec::new();
    if let Some(percentage) = percentage {
        fields.push(format!("\"percentage\": {percentage}"));
    }
    fields.push(format!("\"state\": {state:?}"));
    if let Some(step) = step {
        fields.push(format!("\"step\": {step:?}"));
    }
    format!("{{{}}}", fields.join(", "))
}

#[cfg(test)]
mod tests {
    use progress_model::JobState;

    use super::*;

    /// A watch of one active observation then success, with a 15 s wait between.
    fn vector() -> Vector {
        Vector::from_json(
            r#"{
                "description": "checker self-test",
                "settings": {"token": {"static": "tok"}},
                "mode": "watch",
                "job_id": "j",
                "expect": {
                    "requests": {"count": 0},
                    "waits": [15],
                    "progress": [{"percentage": 10, "state": "active"}, {"percentage": 100, "state": "success"}],
                    "outcome": {"progress": {"percentage": 100, "state": "success"}}
                }
            }"#,
        )
        .unwrap()
    }

    fn progress(percentage: f64, state: JobState) -> Progress {
        {
            let mut progress = Progress::new(state);
            progress.percentage = Some(percentage);
            progress
        }
    }

    fn observed(events: Vec<Event>) -> Observed {
        Observed {
            events,
            outcome: Some(Ok(progress(100.0, JobState::Success))),
            ..Observed::default()
        }
    }

    #[test]
    fn accepts_an_emission_followed_by_its_wait() {
        let events = vec![
            Event::Emit(progress(10.0, JobState::Active)),
            Event::Wait(Duration::from_secs(15)),
            Event::Emit(progress(100.0, JobState::Success)),
        ];
        assert_eq!(check(&vector(), &observed(events), &[]), Ok(()));
    }

    #[test]
    fn reports_a_wait_before_the_emission_it_follows() {
        let events = vec![
            Event::Emit(progress(10.0, JobState::Active)),
            Event::Emit(progress(100.0, JobState::Success)),
            Event::Wait(Duration::from_secs(15)),
        ];
        let report = check(&vector(), &observed(events), &[]).unwrap_err();
        assert!(
            report.contains("the next event should be a wait"),
            "{report}"
        );
        assert!(report.contains("none (it is terminal)"), "{report}");
    }

    #[test]
    fn reports_each_difference_with_both_sides() {
        let events = vec![
            Event::Emit(progress(10.0, JobState::Active)),
            Event::Wait(Duration::from_secs(30)),
            Event::Emit(progress(100.0, JobState::Failed)),
        ];
        let mut observed = observed(events);
        observed.outcome = Some(Ok(progress(100.0, JobState::Failed)));
        let request = RecordedRequest {
            method: "GET".into(),
            path: "/x".into(),
            headers: Vec::new(),
            body: String::new(),
            at: None,
            overlap: 1,
        };
        let report = check(&vector(), &observed, &[request]).unwrap_err();
        for expected in [
            "requests: expected 0 request(s), the server received 1",
            "waits: expected [15] s, observed [30] s (first difference at #1: expected 15 s, observed 30 s)",
            "first difference at #2",
            r#"outcome: expected progress {"percentage": 100, "state": "success"}, observed progress {"percentage": 100, "state": "failed"}"#,
        ] {
            assert!(
                report.contains(expected),
                "missing {expected:?} in:\n{report}"
            );
        }
    }

    #[test]
    fn reports_a_client_secret_in_an_error_or_in_clear_in_a_request() {
        let vector = Vector::from_json(
            r#"{
                "description": "checker self-test",
                "settings": {"token": {"client_credentials": {"client_id": "id", "secret": "hush-123"}}},
                "mode": "wait",
                "job_id": "j",
                "expect": {"requests": {"count": 1}, "outcome": {"error": {"kind": "config"}}}
            }"#,
        )
        .unwrap();
        let observed = Observed {
            outcome: Some(Err(Error::Config("bad secret hush-123".into()))),
            retried: vec![Error::timeout("slow")],
            ..Observed::default()
        };
        let request = RecordedRequest {
            method: "POST".into(),
            path: "/connect/token".into(),
            headers: vec![("x-echo".into(), "hush-123".into())],
            body: String::new(),
            at: None,
            overlap: 1,
        };
        let report = check(&vector, &observed, &[request]).unwrap_err();
        for expected in [
            "secret: the error the call ended with shows the client secret (config)",
            "secret: request #1 carries the client secret in clear",
        ] {
            assert!(
                report.contains(expected),
                "missing {expected:?} in:\n{report}"
            );
        }
        assert!(!report.contains("a retried error"), "{report}");
    }
}
