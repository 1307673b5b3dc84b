//! Errors a person can act on, in both clients against real servers: the
//! cause in one line, the job named once, what to check when `https://`
//! meets a plain HTTP server, a long job id shortened, and a zero deadline
//! refused as the command refuses it.
#![cfg(feature = "blocking")]

use std::time::Duration;

use futures_util::StreamExt;
use itwin_job_progress::{Error, ErrorKind, WatchOptions};
use progress_sim::{Scenario, Simulator};

const CLEAR_TEXT: &str = "the server answered in clear text; is the base URL's scheme right?";

/// A loopback address nothing listens on: the port of a listener just closed.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn simulator() -> Simulator {
    Simulator::start_blocking(Scenario::demo()).unwrap()
}

/// What a person reads: one line, the job named once, the cause at the end.
fn assert_says_the_cause_once(error: &Error, job: &str, cause: &str) {
    let display = error.to_string();
    assert!(!display.contains('\n'), "{display}");
    assert!(display.ends_with(cause), "{display}");
    let chain = error.chain().to_string();
    assert_eq!(chain.matches(&format!("job `{job}`")).count(), 1, "{chain}");
    assert_eq!(chain.matches(cause).count(), 1, "{chain}");
}

#[test]
fn exhausted_retries_say_why_in_the_blocking_client() {
    let url = closed_port_url();
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(&url)
        .token("demo-token")
        .sleeper(|_: Duration| {})
        .build()
        .unwrap();
    let error = client.wait("ok-1").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RetriesExhausted);
    let refused = std::io::ErrorKind::ConnectionRefused.to_string();
    assert!(
        error.to_string().starts_with(&format!(
            "job `ok-1`: gave up after 6 failed attempts in a row: connection failed: {url}/"
        )),
        "{error}"
    );
    assert_says_the_cause_once(&error, "ok-1", &refused);
}

#[tokio::test(flavor = "current_thread")]
async fn exhausted_retries_say_why_in_the_async_client() {
    let url = closed_port_url();
    let client = itwin_job_progress::Client::builder()
        .base_url(&url)
        .token("demo-token")
        .sleeper(|_| std::future::ready(()))
        .build()
        .unwrap();
    let error = client.wait("ok-1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RetriesExhausted);
    let refused = std::io::ErrorKind::ConnectionRefused.to_string();
    assert_says_the_cause_once(&error, "ok-1", &refused);
    // The details are still there for code: the last failure, typed.
    assert_eq!(error.status(), None);
    assert_eq!(error.job_id().map(|job| job.as_str()), Some("ok-1"));
}

/// The simulator speaks plain HTTP; an `https://` base URL to it.
fn https_to(sim: &Simulator) -> String {
    sim.base_url().replacen("http://", "https://", 1)
}

#[test]
fn https_to_a_plain_http_server_says_to_check_the_scheme_in_the_blocking_client() {
    let sim = simulator();
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(https_to(&sim))
        .no_proxy()
        .token("demo-token")
        .build()
        .unwrap();
    let error = client.progress("demo-job").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Tls, "{error}");
    assert_says_the_cause_once(&error, "demo-job", CLEAR_TEXT);
}

#[tokio::test(flavor = "current_thread")]
async fn https_to_a_plain_http_server_says_to_check_the_scheme_in_the_async_client() {
    let sim = simulator();
    let client = itwin_job_progress::Client::builder()
        .base_url(https_to(&sim))
        .no_proxy()
        .token("demo-token")
        .build()
        .unwrap();
    let error = client.progress("demo-job").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Tls, "{error}");
    assert_says_the_cause_once(&error, "demo-job", CLEAR_TEXT);
}

#[test]
fn a_long_job_id_is_shortened_in_messages() {
    let sim = simulator();
    let id = "j".repeat(10_000);
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(sim.base_url())
        .token("demo-token")
        .build()
        .unwrap();
    let error = client.progress(&id).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    let display = error.to_string();
    assert!(
        display.starts_with(&format!("job `{}…` (10000 characters): ", "j".repeat(64))),
        "{display}"
    );
    assert!(display.len() < 300, "{display}");
    // The id itself is kept whole for code.
    assert_eq!(error.job_id().map(|job| job.as_str()), Some(id.as_str()));

    // A URL in a transport failure carries the id too.
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(closed_port_url())
        .token("demo-token")
        .max_retries(0)
        .build()
        .unwrap();
    let error = client.progress(&id).unwrap_err();
    assert!(error.to_string().len() < 400, "{error}");
    assert!(error.to_string().contains("(10000 characters)"), "{error}");
}

#[test]
fn a_zero_deadline_is_refused_by_both_builders_as_by_the_command() {
    let blocking = itwin_job_progress::blocking::Client::builder()
        .token("demo-token")
        .deadline(Duration::ZERO)
        .build()
        .unwrap_err();
    let not_async = itwin_job_progress::Client::builder()
        .token("demo-token")
        .deadline(Duration::ZERO)
        .build()
        .unwrap_err();
    for error in [blocking, not_async] {
        assert_eq!(error.kind(), ErrorKind::Config, "{error}");
        assert!(
            error
                .to_string()
                .contains("the deadline must be longer than zero"),
            "{error}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_zero_deadline_for_one_watch_is_refused_before_anything_is_sent() {
    let sim = simulator();
    let options = || WatchOptions::new().deadline(Duration::ZERO);
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(sim.base_url())
        .token("demo-token")
        .build()
        .unwrap();
    let first = client.watch_with("demo-job", options()).next().unwrap();
    assert_eq!(first.unwrap_err().kind(), ErrorKind::Config);

    let client = itwin_job_progress::Client::builder()
        .base_url(sim.base_url())
        .token("demo-token")
        .build()
        .unwrap();
    let first = client
        .watch_with("demo-job", options())
        .next()
        .await
        .unwrap();
    assert_eq!(first.unwrap_err().kind(), ErrorKind::Config);
    assert_eq!(sim.requests_for("demo-job"), 0);
}
