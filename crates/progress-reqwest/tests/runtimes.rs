//! The async client on each runtime with its default (real) sleeper: waits of
//! tens of milliseconds really pass, and the client works with no tokio runtime
//! in scope on async-std and smol.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use httpmock::{HttpMockResponse, MockServer};
use progress_reqwest::{Client, JobState};

const BODIES: [&str; 3] = [
    r#"{"progress":{"percentage":10,"state":"active"}}"#,
    r#"{"progress":{"percentage":10,"state":"active"}}"#,
    r#"{"progress":{"percentage":100,"state":"success"}}"#,
];

/// A server that answers active, active, success, in that order, and counts requests.
fn scripted_server() -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job-1/progress");
        then.respond_with(move |_| {
            let index = served.fetch_add(1, Ordering::SeqCst).min(BODIES.len() - 1);
            HttpMockResponse::builder()
                .status(200)
                .body(BODIES[index])
                .build()
        });
    });
    (server, counter)
}

/// Watches to the end with 30 ms and 60 ms waits; returns the states and the time taken.
async fn watch_with_real_timer(server: &MockServer) -> (Vec<JobState>, Duration) {
    let client = Client::builder()
        .base_url(server.base_url())
        .token("tok")
        .intervals([Duration::from_millis(30), Duration::from_millis(60)])
        .build()
        .unwrap();
    let started = Instant::now();
    let states = client
        .watch("job-1")
        .map(|item| item.unwrap().state)
        .collect::<Vec<_>>()
        .await;
    (states, started.elapsed())
}

fn assert_really_waited(states: Vec<JobState>, elapsed: Duration) {
    assert_eq!(
        states,
        [JobState::Active, JobState::Active, JobState::Success]
    );
    assert!(
        elapsed >= Duration::from_millis(90),
        "waited only {elapsed:?}"
    );
}

/// Runs the real-timer watch on a tokio runtime built by `builder`.
fn on_tokio(builder: &mut tokio::runtime::Builder) {
    let (server, _) = scripted_server();
    let runtime = builder.enable_all().build().unwrap();
    let (states, elapsed) = runtime.block_on(watch_with_real_timer(&server));
    assert_really_waited(states, elapsed);
}

#[test]
fn tokio_current_thread_sleeps_for_real() {
    on_tokio(&mut tokio::runtime::Builder::new_current_thread());
}

#[test]
fn tokio_multi_thread_sleeps_for_real() {
    on_tokio(tokio::runtime::Builder::new_multi_thread().worker_threads(2));
}

#[test]
fn async_std_sleeps_for_real_with_no_tokio_runtime_in_scope() {
    let (server, _) = scripted_server();
    let (states, elapsed) = async_std::task::block_on(async {
        assert!(tokio::runtime::Handle::try_current().is_err());
        watch_with_real_timer(&server).await
    });
    assert_really_waited(states, elapsed);
}

#[test]
fn smol_sleeps_for_real_with_no_tokio_runtime_in_scope() {
    let (server, _) = scripted_server();
    let (states, elapsed) = smol::block_on(async {
        assert!(tokio::runtime::Handle::try_current().is_err());
        watch_with_real_timer(&server).await
    });
    assert_really_waited(states, elapsed);
}

#[test]
fn watches_and_waits_are_send_so_they_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::builder().token("tok").build().unwrap();
    let watch = client.watch("job");
    assert_send(&watch);
    let wait = client.wait("job");
    assert_send(&wait);
    let progress = client.progress("job");
    assert_send(&progress);
}

#[test]
fn dropping_a_watch_mid_wait_cancels_it() {
    let (server, requests) = scripted_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::builder()
            .base_url(server.base_url())
            .token("tok")
            .intervals([Duration::from_secs(3600)])
            .build()
            .unwrap();
        let mut watch = client.watch("job-1");
        assert_eq!(watch.next().await.unwrap().unwrap().state, JobState::Active);
        // The next item would come after an hour; a timeout drops the stream.
        let next = tokio::time::timeout(Duration::from_millis(50), watch.next()).await;
        assert!(next.is_err(), "the watch did not wait");
        drop(watch);
    });
    drop(runtime);
    // Nothing kept polling once the watch was dropped: one request only.
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

/// `ClientCredentials` with no tokio runtime in scope: 20 watches at once
/// share one token request, and the hanging-provider bound uses the runtime's
/// own timer.
#[cfg(feature = "oauth")]
async fn client_credentials_without_tokio(server: &MockServer) {
    let tokens = server.mock(|when, then| {
        when.method("POST").path("/connect/token");
        then.status(200)
            .delay(Duration::from_millis(200))
            .body(r#"{"access_token":"oauth-token-xyz","token_type":"Bearer","expires_in":3600}"#);
    });
    let provider = progress_reqwest::ClientCredentials::builder("id", "secret".to_owned())
        .token_url(server.url("/connect/token"))
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(server.base_url())
        .async_token_provider(provider)
        .intervals([Duration::from_millis(10)])
        .build()
        .unwrap();
    let outcomes = futures_util::future::join_all((0..20).map(|_| client.wait("job-1"))).await;
    assert!(outcomes.into_iter().all(|outcome| outcome.is_ok()));
    assert_eq!(tokens.calls(), 1);
}

#[cfg(feature = "oauth")]
#[test]
fn client_credentials_on_async_std() {
    let (server, _) = scripted_server();
    async_std::task::block_on(client_credentials_without_tokio(&server));
}

#[cfg(feature = "oauth")]
#[test]
fn client_credentials_on_smol() {
    let (server, _) = scripted_server();
    smol::block_on(client_credentials_without_tokio(&server));
}
