//! Async token providers: an async closure called before each request, a
//! provider that fetches a fresh token after a 401, and one that never answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use httpmock::MockServer;
use progress_reqwest::{AccessToken, AsyncTokenProvider, BoxFuture, Client, JobState, TokenError};

const SUCCESS: &str = r#"{"progress":{"percentage":100,"state":"success"}}"#;

/// Answers 401 to `Bearer old` and success to `Bearer new`.
fn server() -> MockServer {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.header("authorization", "Bearer old");
        then.status(401)
            .body(r#"{"error":{"code":"InvalidToken","message":"expired"}}"#);
    });
    server.mock(|when, then| {
        when.header("authorization", "Bearer new");
        then.status(200).body(SUCCESS);
    });
    server
}

/// Hands out `old` until asked to refresh, then `new`; counts the refreshes.
#[derive(Default)]
struct Refreshing {
    refreshes: AtomicUsize,
}

impl AsyncTokenProvider for Refreshing {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let token = if self.refreshes.load(Ordering::SeqCst) == 0 {
            "old"
        } else {
            "new"
        };
        Box::pin(async move { Ok(AccessToken::new(token)) })
    }

    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            // Stands for a round trip to an identity provider.
            tokio::task::yield_now().await;
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken::new("new"))
        })
    }
}

/// A client on `server` whose provider the test can still inspect.
fn client_with_refreshing_provider(server: &MockServer) -> (Client, Arc<Refreshing>) {
    let provider = Arc::new(Refreshing::default());
    let client = Client::builder()
        .base_url(server.base_url())
        .async_token_provider(SharedProvider(provider.clone()))
        .build()
        .unwrap();
    (client, provider)
}

#[tokio::test(flavor = "current_thread")]
async fn a_401_makes_the_watch_fetch_a_fresh_token_and_retry() {
    let server = server();
    let (client, provider) = client_with_refreshing_provider(&server);
    let outcome = client.wait("job").await.unwrap();
    assert_eq!(outcome.state, JobState::Success);
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_single_call_reports_the_401_without_refreshing() {
    let server = server();
    let (client, provider) = client_with_refreshing_provider(&server);
    let error = client.progress("job").await.unwrap_err();
    assert_eq!(error.code(), Some("InvalidToken"));
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn an_async_closure_is_asked_before_every_request() {
    let server = server();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let client = Client::builder()
        .base_url(server.base_url())
        .async_token_provider(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, TokenError>("Bearer new") }
        })
        .build()
        .unwrap();
    assert_eq!(
        client.progress("job").await.unwrap().state,
        JobState::Success
    );
    assert_eq!(
        client.progress("job").await.unwrap().state,
        JobState::Success
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_provider_ends_the_watch_with_a_token_error() {
    let server = server();
    let client = Client::builder()
        .base_url(server.base_url())
        .async_token_provider(|| async {
            Err::<String, TokenError>("identity provider down".into())
        })
        .build()
        .unwrap();
    let error = client.wait("job").await.unwrap_err();
    assert_eq!(error.kind(), progress_reqwest::ErrorKind::Token);
    assert!(error.to_string().contains("identity provider down"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_provider_that_never_answers_ends_the_watch_at_its_deadline() {
    // A future that never resolves: the client itself must cut the call.
    let never = || std::future::pending::<Result<String, TokenError>>();
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .async_token_provider(never)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.wait("job-1").await.unwrap_err();
    assert_eq!(
        error.kind(),
        progress_reqwest::ErrorKind::Deadline,
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// Lets a test keep a handle on the provider it gives away.
struct SharedProvider(Arc<Refreshing>);

impl AsyncTokenProvider for SharedProvider {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.0.token()
    }
    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.0.refresh()
    }
}

/// A blocking provider that hangs until the test lets it go, and a client
/// whose watches have two seconds.
fn client_with_a_hanging_blocking_provider() -> (Client, std::sync::mpsc::Sender<()>) {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = std::sync::Mutex::new(released);
    let hanging = move || -> Result<&'static str, TokenError> {
        let _ = released.lock().unwrap().recv();
        Ok("tok")
    };
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .token_provider(hanging)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    (client, release)
}

/// Runs `watch` on `runtime` on a thread of its own: how it ended, or
/// `None` if it had not within ten seconds (it hung with the executor).
fn ended_within_ten_seconds<F>(
    run: F,
) -> Option<Result<progress_reqwest::Progress, progress_reqwest::Error>>
where
    F: FnOnce() -> Result<progress_reqwest::Progress, progress_reqwest::Error> + Send + 'static,
{
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(run()));
    outcome.recv_timeout(Duration::from_secs(10)).ok()
}

#[test]
fn a_hanging_blocking_provider_is_cut_at_the_bound_on_a_one_thread_tokio_runtime() {
    let (client, release) = client_with_a_hanging_blocking_provider();
    let outcome = ended_within_ten_seconds(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let outcome = runtime.block_on(client.wait("job-1"));
        // Dropped as is, the runtime would wait for the provider's call.
        runtime.shutdown_background();
        outcome
    });
    drop(release); // the provider's calls end
    let error = outcome
        .expect("the provider held the executor thread")
        .unwrap_err();
    assert_eq!(
        error.kind(),
        progress_reqwest::ErrorKind::Deadline,
        "{error}"
    );
}

#[cfg(feature = "runtime-smol")]
#[test]
fn a_hanging_blocking_provider_is_cut_at_the_bound_on_smol() {
    let (client, release) = client_with_a_hanging_blocking_provider();
    let outcome = ended_within_ten_seconds(move || smol::block_on(client.wait("job-1")));
    drop(release);
    let error = outcome
        .expect("the provider held the executor thread")
        .unwrap_err();
    assert_eq!(
        error.kind(),
        progress_reqwest::ErrorKind::Deadline,
        "{error}"
    );
}
