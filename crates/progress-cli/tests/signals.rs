//! SIGINT, SIGTERM and SIGHUP end a watch cleanly, at once, each with its own
//! exit code: 128 + the signal's number, as a shell reports a process it killed.

// Signals are a Unix matter; nix is only a dev-dependency there.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use common::{assert_no_token, cli, forever, start};

/// How long the binary may take to exit after the signal; it should take milliseconds.
const GRACE: Duration = Duration::from_secs(5);

fn signal_ends_the_watch(signal: Signal, code: i32) {
    signal_ends_a_watch_with(signal, code, &[]);
}

/// [`signal_ends_the_watch`] with more arguments for the watch.
fn signal_ends_a_watch_with(signal: Signal, code: i32, more: &[&str]) {
    let simulator = start(&forever("endless", "active"));
    // A 30 s interval: without the interruptible sleeper it would not exit in time.
    let mut child = cli(&simulator)
        .args(["watch", "endless", "--json", "--intervals", "30"])
        .args(more)
        .env(
            "ITWIN_WEBHOOK_SECRET",
            "signals-webhook-secret-0123456789abcdef",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    // The sync point: the first observation is out, the watch is now asleep.
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    let observation: serde_json::Value =
        serde_json::from_str(&first).unwrap_or_else(|error| panic!("{first:?}: {error}"));
    assert_eq!(observation["state"], "active");

    let (status, stderr) = signal_and_wait(&mut child, signal);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_no_token(&format!("{first}{rest}"), &stderr);

    assert_eq!(status.code(), Some(code), "{signal}: {stderr}");
    // The last line: a receiver says where it listens first.
    assert_eq!(
        stderr.trim().lines().last(),
        Some(&*format!("interrupted by {signal}")),
        "{stderr}"
    );
    assert!(rest.is_empty(), "nothing more after the signal: {rest}");
    // The signal ended the watch in its sleep; no request went out after it.
    assert_eq!(simulator.requests_for("endless"), 1);
}

/// Sends `signal` to the child (through nix, not by running the `kill`
/// program) and waits at most [`GRACE`] for it to end, killing it and
/// failing after that: its exit status and what it wrote to stderr.
fn signal_and_wait(child: &mut Child, signal: Signal) -> (ExitStatus, String) {
    let pid = i32::try_from(child.id()).expect("a pid fits in pid_t");
    kill(Pid::from_raw(pid), signal).expect("the signal is sent");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if started.elapsed() > GRACE {
            let _ = child.kill();
            panic!("the watch did not end within {GRACE:?} of {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}

/// A watch beside a webhook receiver sleeps on its own handle (so that a
/// delivery can wake it): a signal ends that sleep at once too.
#[cfg(feature = "webhooks")]
#[test]
fn sigint_ends_a_watch_that_listens_for_webhooks() {
    signal_ends_a_watch_with(Signal::SIGINT, 130, &["--listen", "127.0.0.1:0"]);
}

#[test]
fn sigint_ends_a_watch_with_130() {
    signal_ends_the_watch(Signal::SIGINT, 130);
}

#[test]
fn sigterm_ends_a_watch_with_143() {
    signal_ends_the_watch(Signal::SIGTERM, 143);
}

#[test]
fn sighup_ends_a_watch_with_129() {
    // A closed terminal or a dropped ssh session.
    signal_ends_the_watch(Signal::SIGHUP, 129);
}

#[test]
fn sigint_ends_a_watch_of_many_jobs_at_once_with_130() {
    let jobs = r#"{"one": {"points": [{"at_seconds": 0, "state": "active", "percentage": 1}]},
                  "two": {"points": [{"at_seconds": 0, "state": "active", "percentage": 2}]}}"#;
    let simulator = start(jobs);
    let mut child = cli(&simulator)
        .args(["watch", "one", "two", "--json", "--intervals", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Both first observations are out: both watches are asleep.
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a line");
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(event["event"], "observed", "{line}");
    }
    let (status, stderr) = signal_and_wait(&mut child, Signal::SIGINT);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_no_token(&rest, &stderr);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert_eq!(stderr.trim(), "interrupted by SIGINT");
    assert!(rest.is_empty(), "nothing more after the signal: {rest}");
    assert_eq!(simulator.requests_for("one"), 1);
    assert_eq!(simulator.requests_for("two"), 1);
}
