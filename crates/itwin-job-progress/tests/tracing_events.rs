//! With the `tracing` feature, a watch reports each request, wait and retry.
#![cfg(all(feature = "tracing", feature = "blocking"))]

use std::sync::{Arc, Mutex};

use progress_sim::{ManualSimClock, Scenario, Simulator};
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
    let scenario = Scenario::from_json(
        r#"{ "jobs": { "job-1": { "rate_limited_requests": [2], "points": [
            { "at_seconds": 0, "state": "active", "percentage": 5 },
            { "at_seconds": 40, "state": "success", "percentage": 100 }
        ] } } }"#,
    )
    .unwrap();
    let clock = ManualSimClock::new();
    let sim = Simulator::builder(scenario)
        .clock(clock.clone())
        .start_blocking()
        .unwrap();
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
