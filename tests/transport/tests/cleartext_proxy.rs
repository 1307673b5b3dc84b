//! A clear-text request never goes through a proxy, whatever the letter case of
//! its scheme: a proxy elsewhere would carry the token across a network unencrypted.
//!
//! Proxies come from the environment, which a test cannot set for itself
//! without `unsafe`; so the test runs this binary again as a child with the
//! proxy variables set, and the child sends the requests.

#[allow(dead_code)] // Shared with the other transport tests; this one serves bodies only.
mod raw_server;

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use raw_server::{Behaviour, RawServer};

/// Set in the child: the base URL it sends to.
const CHILD_BASE_URL: &str = "PROGRESS_TEST_CLEARTEXT_BASE_URL";

const ACTIVE: &str = r#"{"progress":{"percentage":5,"state":"active"}}"#;

/// A "proxy" that counts the connections it is offered and closes each one.
fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let offered = Arc::new(AtomicUsize::new(0));
    let counter = offered.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, offered)
}

#[test]
fn clear_text_in_any_letter_case_bypasses_the_proxy() {
    let (proxy, offered) = counting_proxy();
    let server = RawServer::start(Behaviour::Bodies(&[ACTIVE]));
    for scheme in ["HTTP://", "Http://"] {
        let base_url = server.base_url.replacen("http://", scheme, 1);
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_sends_with_both_clients", "--nocapture"])
            .env(CHILD_BASE_URL, &base_url)
            .env("HTTP_PROXY", &proxy)
            .env("http_proxy", &proxy)
            .env("HTTPS_PROXY", &proxy)
            .env("ALL_PROXY", &proxy)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .unwrap();
        assert!(
            child.status.success(),
            "{base_url}: {}",
            String::from_utf8_lossy(&child.stdout)
        );
    }
    assert_eq!(
        offered.load(Ordering::SeqCst),
        0,
        "a clear-text request went to the proxy"
    );
    assert_eq!(server.requests(), 4, "two clients, two base URLs");
}

/// The child's part: both clients, each one request. Does nothing unless run
/// by the test above.
#[test]
fn child_sends_with_both_clients() {
    let Ok(base_url) = std::env::var(CHILD_BASE_URL) else {
        return;
    };
    let blocking = progress_ureq::Client::builder()
        .base_url(&base_url)
        .token("tok")
        .build()
        .unwrap();
    let progress = blocking.progress("job").expect("blocking client");
    assert_eq!(progress.percentage, Some(5.0));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let asynchronous = progress_reqwest::Client::builder()
        .base_url(&base_url)
        .token("tok")
        .build()
        .unwrap();
    let progress = runtime
        .block_on(asynchronous.progress("job"))
        .expect("async client");
    assert_eq!(progress.percentage, Some(5.0));
}
