//! With the `tracing` feature, a watch reports each request, wait and retry.
#![cfg(all(feature = "tracing", feature = "blocking"))]

use std::sync::{Arc, Mutex};

use progress_sim::Scenario;

mod support;
use support::{rate_limited_once, simulator_for, simulator_of};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Keeps the message of every event.
#[derive(Default, Clone)]
struct Messages(Arc<Mutex<Vec<String>>>);

struct MessageVisitor<'a>(&'a mut String);

impl Visit for MessageVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Messages {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut message = String::new();
        event.record(&mut MessageVisitor(&mut message));
        self.0.lock().unwrap().push(message);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn requests_waits_and_retries_are_traced_without_the_token() {
    let (sim, clock) = simulator_of(&rate_limited_once("job-1"));
    let messages = Messages::default();
    let client = itwin_job_progress::blocking::Client::builder()
        .jitter(0.0) // exact rungs: the ladder is what is checked
        .base_url(sim.base_url())
        .token("secret-token-value")
        .sleeper(move |wait: std::time::Duration| clock.advance(wait.as_secs_f64()))
        .build()
        .unwrap();
    tracing::subscriber::with_default(messages.clone(), || client.wait("job-1").unwrap());
    let messages = messages.0.lock().unwrap();
    let count = |text: &str| messages.iter().filter(|m| m.contains(text)).count();
    assert!(count("requesting job progress") >= 3, "{messages:?}");
    assert!(count("waiting before the next poll") >= 2, "{messages:?}");
    assert!(count("rate limited") >= 1, "{messages:?}");
    assert!(messages.iter().all(|m| !m.contains("secret-token-value")));
}

/// `ClientCredentials`' own events, with the `oauth` feature.
#[cfg(feature = "oauth")]
mod client_credentials {
    use super::*;

    /// Every field of every event, as text.
    #[derive(Default, Clone)]
    struct Everything(Arc<Mutex<String>>);

    struct AllFields<'a>(&'a mut String);

    impl Visit for AllFields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!("{}={value:?} ", field.name()));
        }
    }

    impl Subscriber for Everything {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            span.record(&mut AllFields(&mut self.0.lock().unwrap()));
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            values.record(&mut AllFields(&mut self.0.lock().unwrap()));
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut text = self.0.lock().unwrap();
            event.record(&mut AllFields(&mut text));
            text.push('\n');
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn client_credentials_are_traced_without_the_secret_or_the_tokens() {
        let secret = "traced-Secret-5a4b3c2d1e";
        let scenario = Scenario::from_json(&format!(
            r#"{{ "oauth": {{ "clients": {{ "svc": {{ "secret": "{secret}" }} }}, "token_lifetime_seconds": 600,
                  "faults": {{ "seed": 3, "server_error_rate": 0.3 }} }},
                 "jobs": {{ "job-1": {{ "points": [
                    {{ "at_seconds": 0, "state": "active", "percentage": 5 }},
                    {{ "at_seconds": 3600, "state": "success", "percentage": 100 }}
                 ] }} }} }}"#
        ))
        .unwrap();
        let (sim, sim_clock) = simulator_for(scenario);
        let clock = itwin_job_progress::ManualClock::default();
        let tokens =
            itwin_job_progress::blocking::ClientCredentials::builder("svc", secret.to_owned())
                .token_url(sim.token_url())
                .clock(clock.clone())
                .build()
                .unwrap();
        let moved = clock.clone();
        let client = itwin_job_progress::blocking::Client::builder()
            .base_url(sim.base_url())
            .token_provider(tokens)
            .clock(clock)
            .sleeper(move |wait: std::time::Duration| {
                sim_clock.advance(wait.as_secs_f64());
                moved.advance(wait);
            })
            .build()
            .unwrap();
        let everything = Everything::default();
        tracing::subscriber::with_default(everything.clone(), || client.wait("job-1").unwrap());
        let text = everything.0.lock().unwrap();
        assert!(text.contains("got an access token"), "{text}");
        assert!(sim.token_requests() >= 6, "a new token every five minutes");
        assert!(!text.contains(secret), "{text}");
        // The simulator's tokens all start with `sim-at-`.
        assert!(!text.contains("sim-at-"), "{text}");
    }
}

/// An event's message and the `job` of the span it happened in, if any.
type JobEvent = (String, Option<String>);

/// Every event with the `job` field of the span it happened in.
#[derive(Default, Clone)]
struct JobSpans {
    jobs: Arc<Mutex<Vec<String>>>,
    entered: Arc<Mutex<Vec<u64>>>,
    events: Arc<Mutex<Vec<JobEvent>>>,
}

struct JobField<'a>(&'a mut String);

impl Visit for JobField<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "job" {
            *self.0 = format!("{value:?}");
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "job" {
            *self.0 = value.to_owned();
        }
    }
}

impl Subscriber for JobSpans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut job = String::new();
        span.record(&mut JobField(&mut job));
        let mut jobs = self.jobs.lock().unwrap();
        jobs.push(job);
        Id::from_u64(jobs.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut message = String::new();
        event.record(&mut MessageVisitor(&mut message));
        let job = self.entered.lock().unwrap().last().map(|id| {
            let jobs = self.jobs.lock().unwrap();
            jobs[*id as usize - 1].clone()
        });
        self.events.lock().unwrap().push((message, job));
    }
    fn enter(&self, id: &Id) {
        self.entered.lock().unwrap().push(id.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.entered.lock().unwrap().pop();
    }
}

#[test]
fn every_event_of_a_watch_names_its_job_in_its_span() {
    let (sim, clock) = simulator_of(&rate_limited_once("job-7"));
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .sleeper(move |wait: std::time::Duration| clock.advance(wait.as_secs_f64()))
        .build()
        .unwrap();
    let spans = JobSpans::default();
    tracing::subscriber::with_default(spans.clone(), || client.wait("job-7").unwrap());
    let events = spans.events.lock().unwrap();
    assert!(events.len() >= 5, "{events:?}");
    for (message, job) in events.iter() {
        assert_eq!(job.as_deref(), Some("job-7"), "{message}");
    }
}
