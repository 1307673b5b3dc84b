//! Whatever durations a builder is given, nothing panics later: each is
//! refused at `build()` with a typed error, or taken as at most
//! `MAX_DURATION`, and then a token request, a poll and the wait between two
//! polls all run (issue 19: `request_timeout(Duration::MAX)` panicked inside
//! ureq at the first request, `refresh_margin(Duration::MAX)` when the first
//! token arrived).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use httpmock::{HttpMockResponse, MockServer};
use progress_model::{ErrorKind, ManualClock};
use proptest::prelude::*;

/// Every duration a builder takes in one case.
#[derive(Debug, Clone)]
struct Durations {
    request_timeout: Duration,
    connect_timeout: Duration,
    deadline: Duration,
    intervals: Vec<Duration>,
    refresh_margin: Duration,
    token_request_timeout: Duration,
    token_connect_timeout: Duration,
}

/// The edges (zero, the largest) and anything between, many of them ordinary.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        2 => Just(Duration::MAX),
        1 => Just(Duration::ZERO),
        2 => (any::<u64>(), 0u32..1_000_000_000).prop_map(|(secs, nanos)| Duration::new(secs, nanos)),
        5 => (1u64..30_000).prop_map(Duration::from_millis),
    ]
}

fn durations() -> impl Strategy<Value = Durations> {
    (
        duration(),
        duration(),
        duration(),
        prop::collection::vec(duration(), 1..3),
        duration(),
        duration(),
        duration(),
    )
        .prop_map(
            |(
                request_timeout,
                connect_timeout,
                deadline,
                intervals,
                refresh_margin,
                token_request_timeout,
                token_connect_timeout,
            )| Durations {
                request_timeout,
                connect_timeout,
                deadline,
                intervals,
                refresh_margin,
                token_request_timeout,
                token_connect_timeout,
            },
        )
}

/// An identity service and an API whose job is active at every other poll
/// and done at the next, so a watch waits once between two polls.
fn server() -> MockServer {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method("POST").path("/connect/token");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}"#);
    });
    let polls = AtomicUsize::new(0);
    server.mock(move |when, then| {
        when.method("GET");
        then.respond_with(move |_| {
            let state = if polls.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                r#"{"progress":{"percentage":10,"state":"Active"}}"#
            } else {
                r#"{"progress":{"percentage":100,"state":"Success"}}"#
            };
            HttpMockResponse::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(state)
                .build()
        });
    });
    server
}

/// A build refused for a duration says which, in a typed error.
fn refused_with_a_reason(error: &progress_model::Error) -> Result<(), TestCaseError> {
    prop_assert_eq!(error.kind(), ErrorKind::Config, "{}", error);
    let text = error.to_string();
    prop_assert!(
        ["timeout", "interval", "deadline", "margin"]
            .iter()
            .any(|setting| text.contains(setting)),
        "{}",
        text
    );
    Ok(())
}

fn blocking(server: &MockServer, d: &Durations) -> Result<(), TestCaseError> {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let provider = progress_ureq::ClientCredentials::builder("id", "s3cr3t-value".to_owned())
        .token_url(server.url("/connect/token"))
        .refresh_margin(d.refresh_margin)
        .request_timeout(d.token_request_timeout)
        .connect_timeout(d.token_connect_timeout)
        .clock(clock.clone());
    let provider = match provider.build() {
        Ok(provider) => provider,
        Err(error) => return refused_with_a_reason(&error),
    };
    let sleeping = clock.clone();
    let client = progress_ureq::Client::builder()
        .base_url(server.base_url())
        .token_provider(provider)
        .request_timeout(d.request_timeout)
        .connect_timeout(d.connect_timeout)
        .deadline(d.deadline)
        .intervals(d.intervals.clone())
        .clock(clock)
        .sleeper(move |wait| sleeping.advance(wait))
        .build();
    let client = match client {
        Ok(client) => client,
        Err(error) => return refused_with_a_reason(&error),
    };
    // Any outcome but a panic: a timeout of a nanosecond may well run out.
    let _ = client.wait("job-1");
    Ok(())
}

fn asynchronous(
    runtime: &tokio::runtime::Runtime,
    server: &MockServer,
    d: &Durations,
) -> Result<(), TestCaseError> {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let provider = progress_reqwest::ClientCredentials::builder("id", "s3cr3t-value".to_owned())
        .token_url(server.url("/connect/token"))
        .refresh_margin(d.refresh_margin)
        .request_timeout(d.token_request_timeout)
        .connect_timeout(d.token_connect_timeout)
        .clock(clock.clone());
    let provider = match provider.build() {
        Ok(provider) => provider,
        Err(error) => return refused_with_a_reason(&error),
    };
    let sleeping = Arc::new(clock.clone());
    let client = progress_reqwest::Client::builder()
        .base_url(server.base_url())
        .async_token_provider(provider)
        .request_timeout(d.request_timeout)
        .connect_timeout(d.connect_timeout)
        .deadline(d.deadline)
        .intervals(d.intervals.clone())
        .clock(clock)
        .sleeper(move |wait| {
            sleeping.advance(wait);
            std::future::ready(())
        })
        .build();
    let client = match client {
        Ok(client) => client,
        Err(error) => return refused_with_a_reason(&error),
    };
    let _ = runtime.block_on(client.wait("job-1"));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_builder_durations_build_or_are_refused_and_never_panic(d in durations()) {
        let server = server();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        blocking(&server, &d)?;
        asynchronous(&runtime, &server, &d)?;
    }
}

/// The two values the issue names, alone.
#[test]
fn the_largest_request_timeout_and_refresh_margin_are_taken() {
    let server = server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let d = Durations {
        request_timeout: Duration::MAX,
        connect_timeout: Duration::MAX,
        deadline: Duration::MAX,
        intervals: vec![Duration::MAX],
        refresh_margin: Duration::MAX,
        token_request_timeout: Duration::MAX,
        token_connect_timeout: Duration::MAX,
    };
    blocking(&server, &d).unwrap();
    asynchronous(&runtime, &server, &d).unwrap();
}
