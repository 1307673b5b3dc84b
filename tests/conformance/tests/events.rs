//! `watch_events` and `watch_with` on both clients, over one script: every
//! event names its job and carries its watch's state, and a retry, a
//! refreshed token and the end are told.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FusedStream;
use httpmock::MockServer;
use progress_conformance::token::RefreshingToken;
use progress_model::{Event, EventKind, ManualClock, WatchOptions};

/// Serves, in order: 401, 503 with Retry-After 20, 200 active, 200 success.
fn server() -> MockServer {
    let server = MockServer::start();
    let answers = [
        (401, None, ""),
        (503, Some("20"), ""),
        (
            200,
            None,
            r#"{"progress":{"percentage":40,"state":"active"}}"#,
        ),
        (
            200,
            None,
            r#"{"progress":{"percentage":100,"state":"success"}}"#,
        ),
    ];
    for (status, retry_after, body) in answers {
        server.mock(|when, then| {
            when.path("/reality-modeling/jobs/job-7/progress");
            let then = then.up_to_n_times(1).status(status).body(body);
            if let Some(after) = retry_after {
                then.header("retry-after", after);
            }
        });
    }
    server
}

/// Each event as its job and a short description.
fn describe(event: &Event) -> String {
    let what = match &event.kind {
        EventKind::Observed(progress) => format!("observed {}", progress.state),
        EventKind::Retrying { error, wait, .. } => {
            format!("retrying {} in {} s", error.kind(), wait.as_secs())
        }
        EventKind::TokenRefreshed => "token refreshed".into(),
        EventKind::Finished(Ok(progress)) => format!("finished {}", progress.state),
        EventKind::Finished(Err(error)) => format!("finished {}", error.kind()),
        _ => "other".into(),
    };
    format!("{}: {what}", event.job)
}

/// The state an event carries: when the next poll is due and the failures
/// in a row, or that the watch is over.
fn carried(event: &Event) -> String {
    let state = event
        .watch_state()
        .expect("every event carries its watch's state");
    assert_eq!(state.job.as_str(), event.job);
    match state.next_poll_at {
        Some(at) => format!(
            "next in {} s, {} failures",
            at.duration_since(state.saved_at).unwrap().as_secs(),
            state.consecutive_failures
        ),
        None => format!("over at {}", state.last.as_ref().unwrap().progress),
    }
}

const CARRIED: [&str; 5] = [
    "next in 20 s, 1 failures",
    "next in 20 s, 1 failures",
    "next in 15 s, 0 failures",
    "over at 100% success",
    "over at 100% success",
];

const EXPECTED: [&str; 5] = [
    "job-7: token refreshed",
    "job-7: retrying unavailable in 20 s",
    "job-7: observed active",
    "job-7: observed success",
    "job-7: finished success",
];

#[test]
fn the_blocking_client_tells_every_event_with_its_job() {
    let server = server();
    let clock = ManualClock::default();
    let moved = clock.clone();
    let client = progress_ureq::Client::builder()
        .base_url(server.base_url())
        .token_provider(RefreshingToken::new(vec!["a".into(), "b".into()]))
        .jitter(0.0)
        .clock(clock)
        .sleeper(move |wait| moved.advance(wait))
        .build()
        .unwrap();
    let mut events = client.watch_events("job-7");
    let all: Vec<Event> = events.by_ref().collect();
    assert_eq!(all.iter().map(describe).collect::<Vec<_>>(), EXPECTED);
    assert_eq!(all.iter().map(carried).collect::<Vec<_>>(), CARRIED);
    assert!(events.next().is_none(), "fused: nothing after the end");
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_client_tells_every_event_with_its_job() {
    let server = server();
    let clock = ManualClock::default();
    let moved = clock.clone();
    let client = progress_reqwest::Client::builder()
        .base_url(server.base_url())
        .token_provider(RefreshingToken::new(vec!["a".into(), "b".into()]))
        .jitter(0.0)
        .clock(clock)
        .sleeper(move |wait| {
            moved.advance(wait);
            std::future::ready(())
        })
        .build()
        .unwrap();
    let mut events = client.watch_events("job-7");
    let mut all = Vec::new();
    while let Some(event) = events.next().await {
        all.push(event);
    }
    assert_eq!(all.iter().map(describe).collect::<Vec<_>>(), EXPECTED);
    assert_eq!(all.iter().map(carried).collect::<Vec<_>>(), CARRIED);
    assert!(events.is_terminated());
    assert!(events.next().await.is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn watch_with_gives_one_watch_its_own_deadline() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(200)
            .body(r#"{"progress":{"percentage":40,"state":"active"}}"#);
    });
    let clock = ManualClock::default();
    let moved = clock.clone();
    let client = progress_reqwest::Client::builder()
        .base_url(server.base_url())
        .token("tok")
        .jitter(0.0)
        .clock(clock)
        .sleeper(move |wait| {
            moved.advance(wait);
            std::future::ready(())
        })
        .build()
        .unwrap();
    let options = WatchOptions::new()
        .deadline(Duration::from_secs(20))
        .intervals([Duration::from_secs(10)]);
    let items: Vec<_> = client.watch_with("job-1", options).collect().await;
    // Polls at 0, 10 and 20 s; the next wait would pass the 20 s deadline.
    assert_eq!(items.len(), 4);
    let error = items[3].as_ref().unwrap_err();
    assert_eq!(error.kind(), progress_model::ErrorKind::Deadline);
}
