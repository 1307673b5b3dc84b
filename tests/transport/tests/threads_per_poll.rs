//! Blocking polls on one client start no thread each: ureq resolves a host on a
//! thread of its own whenever a timeout is set, even to reuse a pooled
//! connection, which doubled the cost of a poll.

// This binary uses only part of the helper.
#[allow(dead_code)]
mod raw_server;

use raw_server::{Behaviour, RawServer};

const POLLS: usize = 100;

/// Every thread std starts gets the next number of a process-wide counter, so
/// the id of a thread started now, compared with one started earlier, counts
/// the threads this process started in between. Read from `Debug`
/// (`ThreadId(7)`): the number itself is not yet a stable API.
fn next_thread_id() -> u64 {
    let id = std::thread::spawn(|| std::thread::current().id())
        .join()
        .unwrap();
    let text = format!("{id:?}");
    let digits = text.trim_start_matches("ThreadId(").trim_end_matches(')');
    digits.parse().unwrap()
}

/// How many threads were started while one client polled `POLLS` times (the
/// other test, running beside this one, may add a few).
fn threads_started_by_polls(host: &str) -> u64 {
    let server = RawServer::start(Behaviour::Bodies(&[
        r#"{"progress":{"percentage":10,"state":"active"}}"#,
    ]));
    let base_url = server.base_url.replace("127.0.0.1", host);
    let client = progress_ureq::Client::builder()
        .base_url(base_url)
        .token("tok")
        .build()
        .unwrap();
    client.progress("job").unwrap();
    let before = next_thread_id();
    for _ in 0..POLLS {
        client.progress("job").unwrap();
    }
    let after = next_thread_id();
    assert_eq!(
        server.connections(),
        1,
        "the polls did not share a connection"
    );
    after - before - 1
}

#[test]
fn polls_to_an_ip_address_start_no_thread_each() {
    let started = threads_started_by_polls("127.0.0.1");
    assert!(started < 10, "{started} threads for {POLLS} polls");
}

#[test]
fn polls_to_a_host_name_start_no_thread_each() {
    let started = threads_started_by_polls("localhost");
    assert!(started < 10, "{started} threads for {POLLS} polls");
}
