//! Properties that hold for any script: waits come from the ladder or from
//! Retry-After, no wait passes the deadline, and no response makes the core panic.

use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue};
use progress_model::{Error, Event, EventKind, HttpResponse, PollPolicy, Step, Watch, interpret};
use proptest::prelude::*;

/// A scripted reply: a status, an optional Retry-After in seconds, a percentage and a state.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    retry_after: Option<u64>,
    percentage: u8,
    state: &'static str,
}

fn reply() -> impl Strategy<Value = Reply> {
    (
        prop::sample::select(vec![200u16, 200, 200, 401, 408, 429, 500, 503]),
        prop::option::of(0u64..400),
        0u8..4,
        prop::sample::select(vec!["active", "queued", "Weird", "success"]),
    )
        .prop_map(|(status, retry_after, percentage, state)| Reply {
            status,
            retry_after,
            percentage,
            state,
        })
}

fn to_response(reply: &Reply) -> HttpResponse {
    let mut headers = HeaderMap::new();
    if let Some(seconds) = reply.retry_after {
        headers.insert("retry-after", HeaderValue::from(seconds));
    }
    let body = format!(
        r#"{{"progress":{{"percentage":{},"state":"{}"}}}}"#,
        reply.percentage, reply.state
    );
    HttpResponse::new(reply.status, headers, body.into_bytes())
}

proptest! {
    #[test]
    fn every_wait_is_a_rung_or_a_retry_after_and_never_passes_the_deadline(
        script in prop::collection::vec(reply(), 1..40),
        deadline in prop::option::of(1u64..2000),
    ) {
        let intervals = vec![Duration::from_secs(15), Duration::from_secs(30), Duration::from_secs(60), Duration::from_secs(120)];
        let policy = { let mut policy = PollPolicy::default(); policy.intervals = intervals.clone(); policy.max_retries = 5; policy.deadline = deadline.map(Duration::from_secs); policy };
        let mut watch = Watch::new(progress_model::JobId::new("job").unwrap(), policy, 1 << 20, true);
        let start = Instant::now();
        let mut elapsed = Duration::ZERO;
        let mut replies = script.iter();
        let mut last_reply = None;
        for _ in 0..200 {
            match watch.step(start + elapsed) {
                Step::Fetch { .. } => {
                    let Some(reply) = replies.next() else { break };
                    last_reply = Some(reply.clone());
                    watch.on_response(start + elapsed, SystemTime::now(), Ok(to_response(reply)));
                }
                Step::Wait(until) => {
                    let wait = until - (start + elapsed);
                    // Retry-After is honoured on failures (429, and 503 and the like); never on a 200.
                    let asked = last_reply.as_ref().filter(|r| r.status != 200).and_then(|r| r.retry_after);
                    prop_assert!(intervals.contains(&wait) || asked == Some(wait.as_secs()), "wait {wait:?} after {last_reply:?}");
                    elapsed += wait;
                    if let Some(deadline) = deadline {
                        prop_assert!(elapsed <= Duration::from_secs(deadline), "slept past the deadline");
                    }
                }
                Step::Event(Event { kind: EventKind::Finished(_), .. }) => break,
                Step::Event(_) => {}
            }
        }
    }

    #[test]
    fn interpretation_never_panics(
        status in 0u16..1000,
        headers in prop::collection::vec(("[a-z-]{1,20}", prop::collection::vec(any::<u8>(), 0..40)), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..300),
        cap in 0usize..400,
    ) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_bytes(&value)) {
                map.append(name, value);
            }
        }
        for name in ["retry-after", "x-correlation-id", "location"] {
            map.insert(name, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        }
        let response = HttpResponse::new(status, map, body);
        let result = interpret(&response, cap, SystemTime::UNIX_EPOCH);
        if let Err(error) = result {
            let _ = (error.to_string(), error.is_transient(), error.kind());
        }
    }

    #[test]
    fn bodies_with_progress_shapes_never_panic(body in r#"\{"(progress|jobProgress)":\{("percentage":(-?[0-9]{1,5}(\.[0-9]+)?|null|"x"),)?"state":("active"|"SUCCESS"|1|null)\}\}"#) {
        let response = HttpResponse::new(200, HeaderMap::new(), body.clone().into_bytes());
        match interpret(&response, 1 << 20, SystemTime::UNIX_EPOCH) {
            Ok(progress) => prop_assert!(progress.fraction().is_none_or(|f| (0.0..=1.0).contains(&f))),
            Err(error) => prop_assert!(matches!(error, Error::InvalidResponse { .. }), "{body}: {error}"),
        }
    }
}
