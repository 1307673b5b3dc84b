//! What a new user meets first, in both flavours: a token that cannot work is
//! refused at `build()`, and with many jobs in one process an error says which
//! job it is about, where it was sent, and why.

use itwin_job_progress::{Error, ErrorKind};
use progress_sim::{Scenario, Simulator};

const ONE_JOB: &str =
    r#"{ "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "Active" } ] } } }"#;

fn simulator() -> Simulator {
    Simulator::builder(Scenario::from_json(ONE_JOB).unwrap())
        .start_blocking()
        .unwrap()
}

/// A loopback address nothing listens on: the port of a listener just closed.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn assert_names_the_job(error: &Error, job: &str) {
    assert_eq!(error.job_id().map(|id| id.as_str()), Some(job), "{error}");
    assert!(
        error.to_string().contains(&format!("job `{job}`")),
        "{error}"
    );
}

#[test]
fn an_empty_static_token_is_refused_at_build_in_both_clients() {
    let error = itwin_job_progress::Client::builder()
        .token("")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Token, "{error}");
    assert!(error.to_string().contains("empty"), "{error}");
    #[cfg(feature = "blocking")]
    {
        let error = itwin_job_progress::blocking::Client::builder()
            .token("")
            .build()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Token, "{error}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_http_error_names_the_job() {
    let sim = simulator();
    let client = itwin_job_progress::Client::builder()
        .base_url(sim.base_url())
        .token("demo-token")
        .build()
        .unwrap();
    let error = client.wait("no-such-job").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_names_the_job(&error, "no-such-job");
    let error = client.progress("no-such-job").await.unwrap_err();
    assert_names_the_job(&error, "no-such-job");
}

#[tokio::test(flavor = "current_thread")]
async fn exhausted_retries_name_the_job_and_the_url_and_give_the_cause() {
    let url = closed_port_url();
    let client = itwin_job_progress::Client::builder()
        .base_url(&url)
        .token("demo-token")
        .max_retries(1)
        .sleeper(|_| std::future::ready(()))
        .build()
        .unwrap();
    let error = client.wait("job-7").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RetriesExhausted);
    assert_names_the_job(&error, "job-7");
    let Error::RetriesExhausted { last, .. } = &error else {
        unreachable!()
    };
    let Error::Connect { cause, .. } = last.as_ref() else {
        panic!("{last:?}")
    };
    assert!(cause.is_some(), "the HTTP library's error is kept");
    assert!(error.to_string().contains(&url), "{error}");
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_names_the_job_and_the_url_too() {
    let url = closed_port_url();
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(&url)
        .token("demo-token")
        .build()
        .unwrap();
    let error = client.progress("job-8").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connect, "{error}");
    assert_names_the_job(&error, "job-8");
    assert!(error.to_string().contains(&url), "{error}");
    assert!(
        matches!(&error, Error::Connect { cause: Some(_), .. }),
        "ureq's error is kept: {error:?}"
    );

    let sim = simulator();
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(sim.base_url())
        .token("demo-token")
        .build()
        .unwrap();
    let error = client.wait("no-such-job").unwrap_err();
    assert_names_the_job(&error, "no-such-job");
    let error = client.progress("no-such-job").unwrap_err();
    assert_names_the_job(&error, "no-such-job");
}
