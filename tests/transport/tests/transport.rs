//! For each adapter, what only a real socket shows: one connection kept alive
//! across polls, the body cap enforced while reading, redirects not followed,
//! timeouts and refused connections as transient errors, and no token in `Debug`.

mod raw_server;

use std::time::Duration;

use httpmock::MockServer;
use progress_model::{Error, ErrorKind, JobState, Progress};
use raw_server::{Behaviour, RawServer};

/// The settings each test varies.
#[derive(Clone)]
struct Setup {
    base_url: String,
    body_cap: usize,
    request_timeout: Duration,
    max_retries: u32,
}

impl Setup {
    fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            body_cap: 1 << 20,
            request_timeout: Duration::from_secs(20),
            max_retries: 5,
        }
    }
}

/// Builds an adapter's client from a setup, with a sleeper that returns at once,
/// and runs one call: `wait` when `watch`, else `progress`.
trait Adapter {
    const NAME: &'static str;
    fn run(setup: &Setup, watch: bool) -> Result<Progress, Error>;
}

struct Blocking;
impl Adapter for Blocking {
    const NAME: &'static str = "blocking";
    fn run(setup: &Setup, watch: bool) -> Result<Progress, Error> {
        let client = progress_ureq::Client::builder()
            .base_url(&setup.base_url)
            .token("tok")
            .body_cap(setup.body_cap)
            .request_timeout(setup.request_timeout)
            .max_retries(setup.max_retries)
            .sleeper(|_| {})
            .build()?;
        if watch {
            client.wait("job")
        } else {
            client.progress("job")
        }
    }
}

struct Tokio;
impl Adapter for Tokio {
    const NAME: &'static str = "tokio";
    fn run(setup: &Setup, watch: bool) -> Result<Progress, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = progress_reqwest::Client::builder()
                .base_url(&setup.base_url)
                .token("tok")
                .body_cap(setup.body_cap)
                .request_timeout(setup.request_timeout)
                .max_retries(setup.max_retries)
                .sleeper(|_| async {})
                .build()?;
            if watch {
                client.wait("job").await
            } else {
                client.progress("job").await
            }
        })
    }
}

const ACTIVE_ACTIVE_SUCCESS: &[&str] = &[
    r#"{"progress":{"percentage":10,"state":"active"}}"#,
    r#"{"progress":{"percentage":10,"state":"active"}}"#,
    r#"{"progress":{"percentage":100,"state":"success"}}"#,
];

fn one_connection_serves_every_poll<A: Adapter>() {
    let server = RawServer::start(Behaviour::Bodies(ACTIVE_ACTIVE_SUCCESS));
    let outcome = A::run(&Setup::new(&server.base_url), true).unwrap();
    assert_eq!(outcome.state, JobState::Success, "{}", A::NAME);
    assert_eq!(server.requests(), 3, "{}", A::NAME);
    assert_eq!(
        server.connections(),
        1,
        "{}: polls did not reuse the connection",
        A::NAME
    );
}

fn the_body_cap_is_enforced_while_reading<A: Adapter>() {
    let server = RawServer::start(Behaviour::EndlessBody);
    let setup = Setup {
        body_cap: 4096,
        ..Setup::new(&server.base_url)
    };
    // Reading the whole body would end in a timeout after 20 s, not in this error.
    let error = A::run(&setup, false).unwrap_err();
    assert_eq!(
        error.kind(),
        ErrorKind::InvalidResponse,
        "{}: {error}",
        A::NAME
    );
    assert!(
        error.to_string().contains("4096-byte cap"),
        "{}: {error}",
        A::NAME
    );
}

/// The progress path redirects to `/elsewhere`, which would answer success.
fn redirect_elsewhere(server: &MockServer) -> (httpmock::Mock<'_>, httpmock::Mock<'_>) {
    let redirect = server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job/progress");
        then.status(302)
            .header("location", server.url("/elsewhere"));
    });
    let elsewhere = server.mock(|when, then| {
        when.path("/elsewhere");
        then.status(200).body(r#"{"progress":{"state":"success"}}"#);
    });
    (redirect, elsewhere)
}

fn redirects_are_not_followed<A: Adapter>() {
    let server = MockServer::start();
    let (redirect, elsewhere) = redirect_elsewhere(&server);
    let error = A::run(&Setup::new(server.base_url()), false).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{}", A::NAME);
    assert!(
        error.to_string().contains("/elsewhere"),
        "{}: {error}",
        A::NAME
    );
    assert_eq!((redirect.calls(), elsewhere.calls()), (1, 0), "{}", A::NAME);
}

fn a_silent_server_times_out_as_a_transient_error<A: Adapter>() {
    let server = RawServer::start(Behaviour::Silent);
    let setup = Setup {
        request_timeout: Duration::from_millis(200),
        max_retries: 1,
        ..Setup::new(&server.base_url)
    };
    let error = A::run(&setup, false).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{}: {error}", A::NAME);
    assert!(error.is_transient());

    let error = A::run(&setup, true).unwrap_err();
    match error {
        Error::RetriesExhausted {
            attempts: 2, last, ..
        } => {
            assert_eq!(last.kind(), ErrorKind::Timeout, "{}", A::NAME)
        }
        other => panic!("{}: expected two timeouts, got {other}", A::NAME),
    }
}

fn a_refused_connection_is_a_transient_connect_error<A: Adapter>() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = A::run(&Setup::new(format!("http://127.0.0.1:{port}")), false).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connect, "{}: {error}", A::NAME);
    assert!(error.is_transient());
}

fn a_tls_failure_is_final_not_retried<A: Adapter>() {
    // A plain-HTTP server answers the TLS handshake with garbage.
    let server = RawServer::start(Behaviour::PlainTextAtOnce);
    let https = server.base_url.replace("http://", "https://");
    let error = A::run(&Setup::new(https), true).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Tls, "{}: {error}", A::NAME);
    assert!(!error.is_transient());
    assert_eq!(
        server.connections(),
        1,
        "{}: a TLS failure was retried",
        A::NAME
    );
}

fn a_host_in_capitals_is_not_taken_for_a_redirect<A: Adapter>() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job/progress");
        then.status(200).body(r#"{"progress":{"state":"success"}}"#);
    });
    // The clients normalise `LOCALHOST` to `localhost`: the same place.
    let shouting = format!("http://LOCALHOST:{}", server.port());
    let progress = A::run(&Setup::new(shouting), false);
    assert!(progress.is_ok(), "{}: {progress:?}", A::NAME);
}

macro_rules! for_each_adapter {
    ($($test:ident),* $(,)?) => {
        mod blocking_client {
            $(#[test] fn $test() { super::$test::<super::Blocking>() })*
        }
        mod tokio_client {
            $(#[test] fn $test() { super::$test::<super::Tokio>() })*
        }
    };
}

for_each_adapter!(
    one_connection_serves_every_poll,
    the_body_cap_is_enforced_while_reading,
    redirects_are_not_followed,
    a_silent_server_times_out_as_a_transient_error,
    a_refused_connection_is_a_transient_connect_error,
    a_tls_failure_is_final_not_retried,
    a_host_in_capitals_is_not_taken_for_a_redirect,
);

#[test]
fn debug_output_never_shows_the_token() {
    let secret = "s3cr3t-t0ken";
    let blocking = progress_ureq::Client::builder().token(secret);
    assert!(!format!("{blocking:?}").contains(secret));
    assert!(!format!("{:?}", blocking.build().unwrap()).contains(secret));
    let asynchronous = progress_reqwest::Client::builder().token(secret);
    assert!(!format!("{asynchronous:?}").contains(secret));
    assert!(!format!("{:?}", asynchronous.build().unwrap()).contains(secret));
}

#[test]
fn http_to_a_remote_host_is_refused_when_building() {
    let error = progress_ureq::Client::builder()
        .base_url("http://api.bentley.com")
        .token("tok")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InsecureUrl);
    let error = progress_reqwest::Client::builder()
        .base_url("http://10.1.2.3:8080")
        .token("tok")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InsecureUrl);
}

#[test]
fn many_watches_on_one_thread_share_the_connection_pool() {
    const WATCHES: usize = 40;
    let server = RawServer::start(Behaviour::Bodies(active_then_success(WATCHES * 2)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcomes = runtime.block_on(async {
        let client = progress_reqwest::Client::builder()
            .base_url(&server.base_url)
            .token("tok")
            .intervals([Duration::from_millis(20)])
            .build()
            .unwrap();
        // Joined, not spawned: every watch runs on this one thread.
        let watches = (0..WATCHES).map(|_| client.wait("job"));
        futures_util::future::join_all(watches).await
    });
    assert!(outcomes.iter().all(|outcome| outcome.is_ok()));
    let requests = server.requests();
    assert!(requests >= WATCHES * 2, "{requests} requests");
    assert!(
        server.connections() <= WATCHES,
        "{} connections for {requests} requests: polls did not reuse pooled connections",
        server.connections()
    );
}

/// Active for the first `active` answers, then success.
fn active_then_success(active: usize) -> &'static [&'static str] {
    let mut bodies = vec![r#"{"progress":{"percentage":10,"state":"active"}}"#; active];
    bodies.push(r#"{"progress":{"percentage":100,"state":"success"}}"#);
    Box::leak(bodies.into_boxed_slice())
}

#[test]
fn a_reqwest_client_that_follows_redirects_is_caught_all_the_same() {
    let server = MockServer::start();
    redirect_elsewhere(&server);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(async {
            // reqwest's default policy follows up to ten redirects.
            let following = reqwest::Client::builder().build().unwrap();
            let client = progress_reqwest::Client::builder()
                .base_url(server.base_url())
                .token("tok")
                .http_client(following)
                .build()
                .unwrap();
            client.progress("job").await
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect);
    assert!(error.to_string().contains("/elsewhere"), "{error}");
}

#[test]
fn a_ureq_agent_that_follows_redirects_is_overridden_per_request() {
    let server = MockServer::start();
    let (_, elsewhere) = redirect_elsewhere(&server);
    let following: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(10)
        .build()
        .into();
    let client = progress_ureq::Client::builder()
        .base_url(server.base_url())
        .token("tok")
        .agent(following)
        .build()
        .unwrap();
    let error = client.progress("job").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect);
    assert_eq!(elsewhere.calls(), 0);
}

/// A caller's agent with the client's timeouts that follows no redirect,
/// but turns statuses into errors, still gets settings of its own for each
/// request: the 404 is read by the model (a missing job), not lost in
/// ureq's status error.
#[test]
fn a_ureq_agent_that_fits_all_but_one_setting_is_still_overridden() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/reality-modeling/jobs/gone/progress");
        then.status(404)
            .body(r#"{"error":{"code":"JobNotFound","message":"no such job"}}"#);
    });
    let (connect, request) = (Duration::from_secs(5), Duration::from_secs(20));
    let no_redirects: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(connect))
        .timeout_global(Some(request))
        .build()
        .into();
    assert!(no_redirects.config().http_status_as_error());
    let client = progress_ureq::Client::builder()
        .base_url(server.base_url())
        .token("tok")
        .connect_timeout(connect)
        .request_timeout(request)
        .agent(no_redirects)
        .build()
        .unwrap();
    let error = client.progress("gone").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
}
