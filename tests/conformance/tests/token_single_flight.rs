//! Single flight, the one part of `ClientCredentials` each client does its own
//! way: callers that need a token at the same moment share one request to the
//! identity service, threads waiting on a condvar in the blocking client,
//! tasks on an async mutex in the async one. Everything else the providers do
//! is checked once for all adapters by the `oauth_*` vectors.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::{HttpMockResponse, Mock, MockServer};
use progress_model::TokenProvider;
use progress_model::oauth::{ClientCredentialsBuilder, FromProviderSettings};

/// An identity service that takes 300 ms to issue `token-1`, `token-2`, ...:
/// long enough for every caller to ask while the first request is out.
fn slow_identity_service(server: &MockServer) -> Mock<'_> {
    let issued = AtomicUsize::new(0);
    server.mock(move |when, then| {
        when.method("POST").path("/connect/token");
        then.delay(Duration::from_millis(300))
            .respond_with(move |_| {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(format!(
                        r#"{{"access_token":"token-{n}","token_type":"Bearer","expires_in":3600}}"#
                    ))
                    .build()
            });
    })
}

/// Either client's provider, asking `server`.
fn provider<P: FromProviderSettings>(server: &MockServer) -> P {
    ClientCredentialsBuilder::<P>::new("job-watcher", "s3cr3t".to_owned())
        .token_url(server.url("/connect/token"))
        .build()
        .unwrap()
}

#[test]
fn fifty_threads_asking_together_share_one_token_request() {
    let server = MockServer::start();
    let tokens = slow_identity_service(&server);
    let provider: progress_ureq::ClientCredentials = provider(&server);
    let answers: Vec<String> = std::thread::scope(|scope| {
        let asking: Vec<_> = (0..50)
            .map(|_| scope.spawn(|| provider.token().unwrap().secret().to_owned()))
            .collect();
        asking.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(
        answers.iter().all(|token| token == "token-1"),
        "{answers:?}"
    );
    assert_eq!(tokens.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_watches_starting_together_make_one_token_request() {
    let server = MockServer::start();
    let tokens = slow_identity_service(&server);
    let api = server.mock(|when, then| {
        when.method("GET").header("authorization", "Bearer token-1");
        then.status(200)
            .body(r#"{"progress":{"percentage":100,"state":"success"}}"#);
    });
    let client = progress_reqwest::Client::builder()
        .base_url(server.base_url())
        .async_token_provider(provider::<progress_reqwest::ClientCredentials>(&server))
        .build()
        .unwrap();
    let watches: Vec<_> = (0..1000)
        .map(|_| tokio::spawn(client.wait("job-1")))
        .collect();
    for watch in watches {
        assert!(watch.await.unwrap().unwrap().is_success());
    }
    assert_eq!(tokens.calls(), 1);
    assert_eq!(api.calls(), 1000);
}

/// A thread waiting for another thread's token request gives up at its own
/// bound (the time its watch has left), not when that request ends; the
/// request goes on for the thread that sent it.
#[test]
fn a_thread_waiting_for_another_threads_request_gives_up_at_its_own_bound() {
    let server = MockServer::start();
    let tokens = server.mock(|when, then| {
        when.method("POST").path("/connect/token");
        then.delay(Duration::from_secs(2))
            .header("content-type", "application/json")
            .body(r#"{"access_token":"token-1","token_type":"Bearer","expires_in":3600}"#);
    });
    let provider: progress_ureq::ClientCredentials = provider(&server);
    std::thread::scope(|scope| {
        let asking = scope.spawn(|| provider.token().map(|token| token.secret().to_owned()));
        while tokens.calls() == 0 {
            std::thread::yield_now(); // the first thread's request is out
        }
        let started = std::time::Instant::now();
        let waited = provider.token_within(false, Duration::from_millis(100));
        let took = started.elapsed();
        let error = waited.expect_err("no token within 100 ms");
        assert!(took < Duration::from_secs(1), "gave up after {took:?}");
        assert!(
            error
                .to_string()
                .contains("no token from the identity service within"),
            "{error}"
        );
        assert_eq!(asking.join().unwrap().unwrap(), "token-1");
    });
    assert_eq!(
        tokens.calls(),
        1,
        "the waiting thread sent no request of its own"
    );
}

/// An identity service that takes a second to issue `token-1`.
fn identity_service_taking_a_second(server: &MockServer) -> Mock<'_> {
    server.mock(|when, then| {
        when.method("POST").path("/connect/token");
        then.delay(Duration::from_secs(1))
            .header("content-type", "application/json")
            .body(r#"{"access_token":"token-1","token_type":"Bearer","expires_in":3600}"#);
    })
}

/// The shared token request runs under the provider's own request timeout:
/// the thread that started it with a short bound (its watch near its
/// deadline) gives up at that bound, and a thread waiting with a longer one
/// still gets the token that request brings.
#[test]
fn a_short_bound_that_starts_the_token_request_does_not_cut_it_for_the_others() {
    let server = MockServer::start();
    let tokens = identity_service_taking_a_second(&server);
    let provider: progress_ureq::ClientCredentials = provider(&server);
    std::thread::scope(|scope| {
        let hurried = scope.spawn(|| provider.token_within(false, Duration::from_millis(200)));
        while tokens.calls() == 0 {
            std::thread::yield_now(); // the hurried thread's request is out
        }
        let patient = provider.token_within(false, Duration::from_secs(10));
        assert_eq!(patient.unwrap().secret(), "token-1");
        assert!(hurried.join().unwrap().is_err(), "no token within 200 ms");
    });
    assert_eq!(tokens.calls(), 1, "one request for both");
}

/// The same for the async provider: a caller whose future is dropped at its
/// bound (as the client drops it) leaves the request to the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_caller_dropped_at_its_bound_leaves_the_token_request_to_the_others() {
    use progress_reqwest::AsyncTokenProvider;
    let server = MockServer::start();
    let tokens = identity_service_taking_a_second(&server);
    let provider: progress_reqwest::ClientCredentials = provider(&server);
    let short = Duration::from_millis(200);
    let hurried = tokio::time::timeout(short, provider.token_within(false, short));
    let patient = provider.token_within(false, Duration::from_secs(10));
    let (hurried, patient) = tokio::join!(hurried, patient);
    assert!(hurried.is_err(), "no token within 200 ms");
    assert_eq!(patient.unwrap().secret(), "token-1");
    assert_eq!(tokens.calls(), 1, "one request for both");
}

/// An identity service that issues `token-1`, `token-2`, ... at once, and an
/// API that refuses `token-1` (job-a's answer coming a second late) and
/// accepts `token-2`: job-b's refresh replaces `token-1` while job-a's 401
/// is still on its way.
fn late_401_after_another_refresh(server: &MockServer) -> (Mock<'_>, Mock<'_>) {
    let issued = AtomicUsize::new(0);
    let tokens = server.mock(move |when, then| {
        when.method("POST").path("/connect/token");
        then.respond_with(move |_| {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            HttpMockResponse::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"access_token":"token-{n}","token_type":"Bearer","expires_in":3600}}"#
                ))
                .build()
        });
    });
    let late = server.mock(|when, then| {
        when.path_includes("/job-a/")
            .header("authorization", "Bearer token-1");
        then.status(401).delay(Duration::from_secs(1));
    });
    server.mock(|when, then| {
        when.path_includes("/job-b/")
            .header("authorization", "Bearer token-1");
        then.status(401);
    });
    server.mock(|when, then| {
        when.header("authorization", "Bearer token-2");
        then.status(200)
            .body(r#"{"progress":{"percentage":100,"state":"success"}}"#);
    });
    (tokens, late)
}

/// A 401 for a token another watch's refresh already replaced is retried
/// with the current token: no token request of its own.
#[test]
fn a_late_401_for_a_replaced_token_retries_with_the_current_one() {
    let server = MockServer::start();
    let (tokens, late) = late_401_after_another_refresh(&server);
    let client = progress_ureq::Client::builder()
        .base_url(server.base_url())
        .token_provider(provider::<progress_ureq::ClientCredentials>(&server))
        .build()
        .unwrap();
    std::thread::scope(|scope| {
        let a = scope.spawn(|| client.wait("job-a"));
        while late.calls() == 0 {
            std::thread::yield_now(); // job-a's request with token-1 is out
        }
        assert!(client.wait("job-b").unwrap().is_success());
        assert!(a.join().unwrap().unwrap().is_success());
    });
    assert_eq!(tokens.calls(), 2, "token-1, then token-2 for job-b's 401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_late_401_for_a_replaced_token_retries_with_the_current_one() {
    let server = MockServer::start_async().await;
    let (tokens, late) = late_401_after_another_refresh(&server);
    let client = progress_reqwest::Client::builder()
        .base_url(server.base_url())
        .async_token_provider(provider::<progress_reqwest::ClientCredentials>(&server))
        .build()
        .unwrap();
    let a = tokio::spawn(client.wait("job-a"));
    while late.calls_async().await == 0 {
        tokio::task::yield_now().await; // job-a's request with token-1 is out
    }
    assert!(client.wait("job-b").await.unwrap().is_success());
    assert!(a.await.unwrap().unwrap().is_success());
    assert_eq!(
        tokens.calls_async().await,
        2,
        "token-1, then token-2 for job-b's 401"
    );
}
