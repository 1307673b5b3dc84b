//! No public call sequence of the core panics: any policy (even one `check`
//! refuses), any order of `next` and `on_response`, time going back and forth,
//! and calls on a watch that is already finished.

use std::time::{Duration, Instant, SystemTime};

use progress_model::{
    ClientLimits, ClientState, Error, Event, EventKind, HttpResponse, JobId, PollPolicy, Step,
    Watch,
};
use proptest::prelude::*;

/// One call a driver could make, right or wrong.
#[derive(Debug, Clone)]
enum Call {
    /// `next` at the start plus this many milliseconds.
    Next(u64),
    /// `on_response` at the start plus this many milliseconds, with this reply.
    Respond(u64, Reply),
}

#[derive(Debug, Clone)]
enum Reply {
    Status(u16, Option<&'static str>, &'static str),
    Failed(Error),
}

fn reply() -> impl Strategy<Value = Reply> {
    let status = prop::sample::select(vec![
        200u16, 201, 204, 302, 401, 403, 404, 408, 429, 500, 503, 599, 0,
    ]);
    let retry_after = prop::option::of(prop::sample::select(vec![
        "0",
        "5",
        "18446744073709551615",
        "-1",
        "Sun, 06 Nov 1994 08:49:37 GMT",
    ]));
    let body = prop::sample::select(vec![
        r#"{"progress":{"percentage":5,"state":"active"}}"#,
        r#"{"progress":{"percentage":"7","state":"active"}}"#,
        r#"{"progress":{"state":"success"}}"#,
        r#"{"progress":{"state":"over"}}"#,
        "",
        "<html>",
    ]);
    prop_oneof![
        4 => (status, retry_after, body).prop_map(|(s, r, b)| Reply::Status(s, r, b)),
        1 => Just(Reply::Failed(Error::timeout("slow"))),
        1 => Just(Reply::Failed(Error::connect("refused"))),
        1 => Just(Reply::Failed(Error::Config("bad".into()))),
    ]
}

fn call() -> impl Strategy<Value = Call> {
    let at = prop_oneof![0u64..100_000, Just(u64::MAX / 2)];
    prop_oneof![
        (at.clone()).prop_map(Call::Next),
        (at, reply()).prop_map(|(at, reply)| Call::Respond(at, reply)),
    ]
}

fn policy() -> impl Strategy<Value = PollPolicy> {
    let interval = prop_oneof![
        Just(Duration::ZERO),
        (1u64..200).prop_map(Duration::from_secs),
        Just(Duration::MAX),
    ];
    (
        prop::collection::vec(interval, 0..4),
        prop_oneof![0u32..4, Just(u32::MAX)],
        prop::option::of(prop_oneof![
            Just(Duration::ZERO),
            (1u64..500).prop_map(Duration::from_secs),
            Just(Duration::MAX)
        ]),
    )
        .prop_map(|(intervals, max_retries, deadline)| {
            let mut policy = PollPolicy::default();
            policy.intervals = intervals;
            policy.max_retries = max_retries;
            policy.deadline = deadline;
            policy
        })
}

fn response(reply: &Reply) -> Result<HttpResponse, Error> {
    match reply {
        Reply::Failed(error) => Err(error.clone()),
        Reply::Status(status, retry_after, body) => {
            let mut response =
                HttpResponse::new(*status, http::HeaderMap::new(), body.as_bytes().to_vec());
            if let Some(value) = retry_after {
                response
                    .headers
                    .insert("retry-after", value.parse().unwrap());
            }
            Ok(response)
        }
    }
}

proptest! {
    #[test]
    fn no_call_sequence_panics_and_a_finished_watch_stays_finished(
        policy in policy(),
        can_refresh in any::<bool>(),
        body_cap in prop_oneof![Just(0usize), Just(16), Just(1 << 20)],
        calls in prop::collection::vec(call(), 0..60),
        shared in prop::option::of((0.0f64..=1.0, prop::option::of(prop_oneof![
            Just(1e-300), 0.001f64..1000.0, Just(1e300)
        ]), any::<u64>())),
    ) {
        let mut watch = Watch::new(JobId::new("job").unwrap(), policy, body_cap, can_refresh);
        // Also as one of a client's watches: jitter, a rate, a seed; a slot
        // granted at times, the client's state shared with a second watch.
        if let Some((jitter, rate, seed)) = shared {
            let mut limits = ClientLimits::default();
            limits.jitter = jitter;
            limits.max_requests_per_second = rate;
            limits.jitter_seed = Some(seed);
            watch = watch.sharing(ClientState::new(&limits).unwrap());
        }
        let start = Instant::now();
        let at = |millis: u64| start.checked_add(Duration::from_millis(millis)).unwrap_or(start);
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut finished = false;
        for call in calls {
            match call {
                Call::Next(millis) => {
                    let action = watch.step(at(millis));
                    prop_assert!(!finished || matches!(action, Step::Event(Event { kind: EventKind::Finished(_), .. })), "{action:?} after the end");
                    if let Step::Wait(until) = action {
                        prop_assert!(until >= start, "a wait before the watch began");
                    }
                    finished |= matches!(action, Step::Event(Event { kind: EventKind::Finished(_), .. }));
                }
                Call::Respond(millis, reply) => {
                    // A slot may come while a 429 pauses the client: then no send.
                    if watch.on_slot(at(millis)) {
                        watch.on_response(at(millis), wall, response(&reply));
                    }
                }
            }
        }
    }
}
