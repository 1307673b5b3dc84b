//! The async client with `ClientCredentials` against an httpmock identity
//! service and API: one token for many polls, a fresh one after a 401, single
//! flight, typed errors, and token calls bounded by the deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use httpmock::{HttpMockRequest, HttpMockResponse, Mock, MockServer};
use progress_model::ManualClock;
use progress_reqwest::{Client, ClientCredentials, ErrorKind, TokenError};

const CLIENT_ID: &str = "job-watcher";
const SECRET: &str = "s3cr3t-Value-that-must-never-show";
/// `job-watcher:s3cr3t-Value-that-must-never-show`, base64.
const BASIC: &str = "Basic am9iLXdhdGNoZXI6czNjcjN0LVZhbHVlLXRoYXQtbXVzdC1uZXZlci1zaG93";
const JOB: &str = "/reality-modeling/jobs/job-1/progress";
const ACTIVE: &str = r#"{"progress":{"percentage":40,"state":"active"}}"#;
const SUCCESS: &str = r#"{"progress":{"percentage":100,"state":"success"}}"#;

/// An identity service issuing `token-1`, `token-2`, ... living `lifetime` seconds.
fn identity(server: &MockServer, lifetime: u64, delay: Duration) -> Mock<'_> {
    let issued = AtomicUsize::new(0);
    server.mock(move |when, then| {
        when.method("POST")
            .path("/connect/token")
            .header("authorization", BASIC)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=itwin-platform");
        then.delay(delay).respond_with(move |_| {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            json(200, &format!(
                r#"{{"access_token":"token-{n}-opaque","token_type":"Bearer","expires_in":{lifetime}}}"#
            ))
        });
    })
}

fn json(status: u16, body: &str) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .build()
}

fn bearer(request: &HttpMockRequest) -> String {
    request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A provider and a client sharing a manual clock that an instant sleeper moves.
fn client_on(server: &MockServer, clock: &ManualClock) -> Client {
    let provider = ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url(server.url("/connect/token"))
        .clock(clock.clone())
        .build()
        .unwrap();
    let moved = clock.clone();
    Client::builder()
        .base_url(server.base_url())
        .jitter(0.0) // exact rungs: the token count follows the polls
        .async_token_provider(provider)
        .clock(clock.clone())
        .sleeper(move |wait: Duration| {
            moved.advance(wait);
            std::future::ready(())
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_watch_gets_one_token_for_many_polls_and_sends_it_as_a_bearer_token() {
    let server = MockServer::start();
    let tokens = identity(&server, 3600, Duration::ZERO);
    let polls = AtomicUsize::new(0);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = seen.clone();
    let api = server.mock(move |when, then| {
        when.path(JOB);
        then.respond_with(move |request| {
            recorded.lock().unwrap().push(bearer(request));
            let n = polls.fetch_add(1, Ordering::SeqCst);
            json(200, if n < 4 { ACTIVE } else { SUCCESS })
        });
    });
    let client = client_on(&server, &ManualClock::default());
    let outcome = client.wait("job-1").await.unwrap();
    assert!(outcome.is_success());
    assert_eq!(tokens.calls(), 1);
    assert_eq!(api.calls(), 5);
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|b| b == "Bearer token-1-opaque")
    );
}

#[tokio::test]
async fn tokens_are_renewed_when_less_than_the_margin_of_their_life_is_left() {
    let server = MockServer::start();
    // Ten-minute tokens, renewed five minutes before they expire.
    let tokens = identity(&server, 600, Duration::ZERO);
    let clock = ManualClock::default();
    let job_clock = clock.clone();
    server.mock(move |when, then| {
        when.path(JOB);
        // An hour of steady progress, then success.
        then.respond_with(move |_| {
            let done = job_clock.elapsed() >= Duration::from_secs(3600);
            json(200, if done { SUCCESS } else { ACTIVE })
        });
    });
    let client = client_on(&server, &clock);
    assert!(client.wait("job-1").await.unwrap().is_success());
    // One token per five minutes of a one-hour watch (not one per poll).
    let hits = tokens.calls();
    assert!((11..=14).contains(&hits), "{hits} token requests");
}

#[tokio::test]
async fn after_a_401_a_fresh_token_is_fetched_at_once() {
    let server = MockServer::start();
    let tokens = identity(&server, 3600, Duration::ZERO);
    let api = server.mock(|when, then| {
        when.path(JOB);
        then.respond_with(|request| match bearer(request).as_str() {
            "Bearer token-1-opaque" => json(401, r#"{"error":{"code":"InvalidToken"}}"#),
            _ => json(200, SUCCESS),
        });
    });
    let clock = ManualClock::default();
    let client = client_on(&server, &clock);
    assert!(client.wait("job-1").await.unwrap().is_success());
    assert_eq!(tokens.calls(), 2);
    assert_eq!(api.calls(), 2);
    assert_eq!(clock.elapsed(), Duration::ZERO, "no wait before the retry");
}

#[tokio::test]
async fn a_refused_client_ends_the_watch_naming_the_oauth_error() {
    let server = MockServer::start();
    let tokens =
        server.mock(|when, then| {
            when.path("/connect/token");
            then.status(400).header("content-type", "application/json").body(
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
        );
        });
    let api = server.mock(|when, then| {
        when.path(JOB);
        then.status(200).body(SUCCESS);
    });
    let client = client_on(&server, &ManualClock::default());
    let error = client.wait("job-1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Token);
    let message = error.to_string();
    assert!(
        message.contains("invalid_client: Client authentication failed"),
        "{message}"
    );
    assert_eq!(
        error.oauth_error().and_then(|e| e.code()),
        Some("invalid_client")
    );
    assert!(!format!("{message} {error:?}").contains(SECRET));
    assert_eq!((tokens.calls(), api.calls()), (1, 0));
}

#[tokio::test]
async fn an_unavailable_identity_service_is_retried_and_counted_like_any_transient_failure() {
    let server = MockServer::start();
    let tokens = server.mock(|when, then| {
        when.path("/connect/token");
        then.status(503).body("busy");
    });
    let clock = ManualClock::default();
    let provider = ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url(server.url("/connect/token"))
        .clock(clock.clone())
        .build()
        .unwrap();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let listener = heard.clone();
    let moved = clock.clone();
    let client = Client::builder()
        .base_url(server.base_url())
        .async_token_provider(provider)
        .clock(clock)
        .max_retries(2)
        .on_retry(move |retry| listener.lock().unwrap().push(retry.to_string()))
        .sleeper(move |wait: Duration| {
            moved.advance(wait);
            std::future::ready(())
        })
        .build()
        .unwrap();
    let error = client.wait("job-1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RetriesExhausted);
    let heard = heard.lock().unwrap();
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert!(
        heard[0].contains("identity service is unavailable (HTTP 503"),
        "{heard:?}"
    );
    assert_eq!(tokens.calls(), 3);
    assert!(!format!("{error} {error:?} {heard:?}").contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_watches_starting_together_make_one_token_request() {
    let server = MockServer::start();
    // A slow identity service: every watch asks while the first request is out.
    let tokens = identity(&server, 3600, Duration::from_millis(300));
    let api = server.mock(|when, then| {
        when.path(JOB)
            .header("authorization", "Bearer token-1-opaque");
        then.status(200).body(SUCCESS);
    });
    let client = client_on(&server, &ManualClock::default());
    let watches: Vec<_> = (0..1000)
        .map(|_| tokio::spawn(client.wait("job-1")))
        .collect();
    for watch in watches {
        assert!(watch.await.unwrap().unwrap().is_success());
    }
    assert_eq!(tokens.calls(), 1);
    assert_eq!(api.calls(), 1000);
}

#[tokio::test]
async fn a_provider_that_never_answers_ends_the_watch_at_a_two_second_deadline() {
    let never = || std::future::pending::<Result<String, TokenError>>();
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .async_token_provider(never)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.wait("job-1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Deadline, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_identity_service_that_never_answers_ends_the_watch_at_a_two_second_deadline() {
    // Accepts connections and never writes a byte.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/connect/token", silent.local_addr().unwrap());
    let provider = ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url(url)
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .async_token_provider(provider)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.wait("job-1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Deadline, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn neither_debug_nor_build_errors_show_the_secret() {
    let provider = ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .build()
        .unwrap();
    assert!(!format!("{provider:?}").contains(SECRET));
    let insecure = ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url("http://ims.example.com/connect/token")
        .build()
        .unwrap_err();
    assert_eq!(insecure.kind(), ErrorKind::InsecureUrl);
    assert!(!format!("{insecure} {insecure:?}").contains(SECRET));
}
