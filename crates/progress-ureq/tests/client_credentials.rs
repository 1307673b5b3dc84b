//! The blocking client with `ClientCredentials` against an httpmock identity
//! service and API: one token for many polls, a fresh one after a 401, single
//! flight across threads, typed errors, and token calls bounded by the deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use httpmock::{HttpMockRequest, HttpMockResponse, Mock, MockServer};
use progress_model::ManualClock;
use progress_ureq::{Client, ClientCredentials, ErrorKind, TokenProvider};

const CLIENT_ID: &str = "job-watcher";
const SECRET: &str = "s3cr3t-Value-that-must-never-show";
/// `job-watcher:s3cr3t-Value-that-must-never-show`, base64.
const BASIC: &str = "Basic am9iLXdhdGNoZXI6czNjcjN0LVZhbHVlLXRoYXQtbXVzdC1uZXZlci1zaG93";
const JOB: &str = "/reality-modeling/jobs/job-1/progress";
const ACTIVE: &str = r#"{"progress":{"percentage":40,"state":"active"}}"#;
const SUCCESS: &str = r#"{"progress":{"percentage":100,"state":"success"}}"#;

/// An identity service issuing `token-1`, `token-2`, ... living an hour.
fn identity(server: &MockServer, delay: Duration) -> Mock<'_> {
    let issued = AtomicUsize::new(0);
    server.mock(move |when, then| {
        when.method("POST")
            .path("/connect/token")
            .header("authorization", BASIC)
            .body("grant_type=client_credentials&scope=itwin-platform");
        then.delay(delay).respond_with(move |_| {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            json(
                200,
                &format!(r#"{{"access_token":"token-{n}-opaque","token_type":"Bearer","expires_in":3600}}"#),
            )
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

fn provider(server: &MockServer, clock: &ManualClock) -> ClientCredentials {
    ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url(server.url("/connect/token"))
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// A client whose sleeper moves the manual clock that the provider also reads.
fn client_on(server: &MockServer, clock: &ManualClock) -> Client {
    let moved = clock.clone();
    Client::builder()
        .base_url(server.base_url())
        .jitter(0.0) // exact rungs: the token count follows the polls
        .token_provider(provider(server, clock))
        .clock(clock.clone())
        .sleeper(move |wait: Duration| moved.advance(wait))
        .build()
        .unwrap()
}

#[test]
fn a_watch_gets_one_token_for_many_polls() {
    let server = MockServer::start();
    let tokens = identity(&server, Duration::ZERO);
    let polls = AtomicUsize::new(0);
    let api = server.mock(move |when, then| {
        when.path(JOB)
            .header("authorization", "Bearer token-1-opaque");
        then.respond_with(move |_| {
            let n = polls.fetch_add(1, Ordering::SeqCst);
            json(200, if n < 4 { ACTIVE } else { SUCCESS })
        });
    });
    let client = client_on(&server, &ManualClock::default());
    assert!(client.wait("job-1").unwrap().is_success());
    assert_eq!((tokens.calls(), api.calls()), (1, 5));
}

#[test]
fn after_a_401_a_fresh_token_is_fetched_at_once() {
    let server = MockServer::start();
    let tokens = identity(&server, Duration::ZERO);
    let api = server.mock(|when, then| {
        when.path(JOB);
        then.respond_with(|request| match bearer(request).as_str() {
            "Bearer token-1-opaque" => json(401, r#"{"error":{"code":"InvalidToken"}}"#),
            _ => json(200, SUCCESS),
        });
    });
    let clock = ManualClock::default();
    let client = client_on(&server, &clock);
    assert!(client.wait("job-1").unwrap().is_success());
    assert_eq!((tokens.calls(), api.calls()), (2, 2));
    assert_eq!(clock.elapsed(), Duration::ZERO, "no wait before the retry");
}

#[test]
fn refusals_end_the_watch_naming_the_oauth_error() {
    for (code, description) in [
        ("invalid_client", "Client authentication failed"),
        ("unauthorized_client", "Grant type not allowed"),
        ("invalid_scope", "Unknown scope"),
    ] {
        let server = MockServer::start();
        let tokens = server.mock(|when, then| {
            when.path("/connect/token");
            then.status(400).body(format!(
                r#"{{"error":"{code}","error_description":"{description}"}}"#
            ));
        });
        let client = client_on(&server, &ManualClock::default());
        let error = client.wait("job-1").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Token);
        let message = error.to_string();
        assert!(
            message.contains(&format!("{code}: {description}")),
            "{message}"
        );
        assert!(!format!("{message} {error:?}").contains(SECRET));
        assert_eq!(tokens.calls(), 1);
    }
}

#[test]
fn an_unavailable_identity_service_is_retried_and_counted_like_any_transient_failure() {
    let server = MockServer::start();
    let tokens = server.mock(|when, then| {
        when.path("/connect/token");
        then.status(429).header("retry-after", "40");
    });
    let clock = ManualClock::default();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let listener = heard.clone();
    let moved = clock.clone();
    let client = Client::builder()
        .base_url(server.base_url())
        .token_provider(provider(&server, &clock))
        .clock(clock.clone())
        .jitter(0.0) // the exact Retry-After is checked
        .max_retries(1)
        .on_retry(move |retry| listener.lock().unwrap().push(retry.wait))
        .sleeper(move |wait: Duration| moved.advance(wait))
        .build()
        .unwrap();
    let error = client.wait("job-1").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RetriesExhausted);
    // The identity service's Retry-After is honoured like the API's.
    assert_eq!(*heard.lock().unwrap(), [Duration::from_secs(40)]);
    assert_eq!(tokens.calls(), 2);
}

#[test]
fn threads_asking_together_share_one_token_request() {
    let server = MockServer::start();
    let tokens = identity(&server, Duration::from_millis(300));
    let provider = provider(&server, &ManualClock::default());
    let answers: Vec<String> = std::thread::scope(|scope| {
        let asking: Vec<_> = (0..50)
            .map(|_| scope.spawn(|| provider.token().unwrap().secret().to_owned()))
            .collect();
        asking.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|token| token == "token-1-opaque"));
    assert_eq!(tokens.calls(), 1);
}

#[test]
fn an_identity_service_that_never_answers_ends_the_watch_at_a_two_second_deadline() {
    // Accepts connections and never writes a byte.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/connect/token", silent.local_addr().unwrap());
    let provider = ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url(url)
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .token_provider(provider)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.wait("job-1").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Deadline, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}
