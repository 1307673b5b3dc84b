//! Every ending of a watch, as the exit code a script sees.

mod common;

use std::process::Stdio;

use common::{FAST, TOKEN, bare, cli, forever, run, start};

/// A watch of a job that is already in `state` exits with `code`.
fn watch_exits_with(state: &str, code: i32) -> common::Run {
    let simulator = start(&forever("job-1", state));
    let run = run(cli(&simulator).args(["watch", "job-1"]).args(FAST));
    assert_eq!(run.code, Some(code), "{state}: {run:?}");
    assert_eq!(
        run.stdout.lines().last(),
        Some(format!("42% {} (Tiling)", state.to_lowercase()).as_str())
    );
    run
}

#[test]
fn success_exits_0() {
    let run = watch_exits_with("success", 0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn over_exits_6_not_success() {
    // ContextCapture's `Over` says the job ended, not how: the outcome lives on
    // the job, so the command must not claim success.
    let run = watch_exits_with("Over", 6);
    assert!(
        run.stderr
            .contains("the job ended `over`; the progress answer does not say how"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_documents_exit_code_6() {
    for args in [&["--help"][..], &["watch", "--help"]] {
        let run = run(bare().args(args));
        assert_eq!(run.code, Some(0), "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("\n  6    the job ended `over`"),
            "{args:?}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains("or `over`"), "{}", run.stdout);
    }
}

#[test]
fn failed_exits_3() {
    watch_exits_with("failed", 3);
}

#[test]
fn cancelled_exits_4() {
    watch_exits_with("cancelled", 4);
}

#[test]
fn deadline_exits_5_with_the_last_progress() {
    let simulator = start(&forever("endless", "active"));
    let run = run(cli(&simulator).args([
        "watch",
        "endless",
        "--intervals",
        "0.05",
        "--deadline",
        "300ms",
    ]));
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(run.stderr.contains("deadline"), "{}", run.stderr);
    assert!(
        run.stderr.contains("last seen: 42% active (Tiling)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.starts_with("42% active (Tiling)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn unknown_job_exits_1_with_code_status_and_correlation_id() {
    let simulator = start(&forever("job-1", "active"));
    for command in ["watch", "get"] {
        let run = run(cli(&simulator)
            .args([command, "no-such-job"])
            .args(if command == "watch" { &FAST[..] } else { &[] }));
        assert_eq!(run.code, Some(1), "{command}: {run:?}");
        assert!(run.stdout.is_empty(), "{command}: {}", run.stdout);
        assert!(run.stderr.contains("ProgressNotFound"), "{}", run.stderr);
        assert!(run.stderr.contains("  status: 404\n"), "{}", run.stderr);
        assert!(
            run.stderr.contains("  code: ProgressNotFound\n"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("  correlation id: sim-"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn refused_token_exits_1_without_showing_it() {
    let simulator = start(&forever("job-1", "active"));
    let run = run(cli(&simulator)
        .env("ITWIN_ACCESS_TOKEN", format!("{TOKEN}-but-wrong"))
        .args(["watch", "job-1"])
        .args(FAST));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("InvalidToken"), "{}", run.stderr);
    assert!(run.stderr.contains("status: 401"), "{}", run.stderr);
    // The environment's token cannot change: a 401 is final, with no retry.
    assert_eq!(simulator.requests_for("job-1"), 1);
}

#[test]
fn missing_token_is_a_usage_error() {
    for command in ["get", "watch"] {
        let run = run(bare().args([command, "job-1", "--base-url", "http://127.0.0.1:9"]));
        assert_eq!(run.code, Some(2), "{command}: {run:?}");
        assert!(run.stderr.contains("ITWIN_ACCESS_TOKEN"), "{}", run.stderr);
        assert!(run.stderr.contains("--token-file"), "{}", run.stderr);
    }
    let empty = run(bare()
        .env("ITWIN_ACCESS_TOKEN", "  ")
        .args(["get", "job-1"]));
    assert_eq!(empty.code, Some(2), "{empty:?}");
}

#[test]
fn bad_intervals_are_a_usage_error() {
    // 1e-9 and 0.009: below the 0.01 s minimum, a wait that would flood the service.
    for intervals in [
        "0", "-1", "abc", "1,,2", "0.05,0", "15s", "", "1e-9", "0.009",
    ] {
        let run = run(bare().env("ITWIN_ACCESS_TOKEN", TOKEN).args([
            "watch",
            "job-1",
            "--intervals",
            intervals,
        ]));
        assert_eq!(run.code, Some(2), "{intervals:?}: {run:?}");
        assert!(run.stderr.contains("--intervals"), "{}", run.stderr);
    }
}

#[test]
fn other_bad_values_are_usage_errors() {
    // The --service and --accept-version cases were refused only when the
    // client was built, and exited 1.
    let cases: [&[&str]; 11] = [
        &["watch", "job-1", "--deadline", "soon"],
        &["watch", "job-1", "--deadline", "0s"],
        &["get", "job-1", "--service", "../x"],
        &["get", "job-1", "--service", "a b"],
        &["get", "job-1", "--service", "a?b"],
        &[
            "get",
            "job-1",
            "--accept-version",
            "application/json\r\nX-Injected: 1",
        ],
        &["watch", "job-1", "--max-retries", "-1"],
        &["get", "job-1", "--env", "staging"],
        &["get", "job-1", "--base-url", "http://example.com"],
        &["get", "job-1", "--accept-version", "v9"],
        &["get", ".."],
    ];
    for args in cases {
        let run = run(bare().env("ITWIN_ACCESS_TOKEN", TOKEN).args(args));
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
    }
}

#[test]
fn an_unreachable_service_exits_1() {
    // A port nothing listens on: the simulator is started and stopped to find one.
    let url = {
        let simulator = start(&forever("job-1", "active"));
        simulator.base_url()
    };
    let run = run(bare()
        .env("ITWIN_ACCESS_TOKEN", TOKEN)
        .args(["watch", "job-1", "--base-url", &url, "--max-retries", "1"])
        .args(FAST));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("gave up after 2 failed attempts"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_closed_stderr_does_not_turn_an_error_into_a_panic() {
    let simulator = start(&forever("job-1", "active"));
    let mut child = cli(&simulator)
        .args(["get", "no-such-job"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Closing the read end makes every write to stderr fail (EPIPE): the
    // error message is lost, but the exit code must stay 1, not 101.
    drop(child.stderr.take());
    let status = child.wait().expect("the child can be waited for");
    assert_eq!(status.code(), Some(1), "{status:?}");
    assert_eq!(simulator.requests_for("no-such-job"), 1);
}
