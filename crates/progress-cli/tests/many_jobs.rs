//! `itwin-progress watch JOB JOB ...` and `watch -`: many jobs on one client.

mod common;

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};

use common::{FAST, TOKEN, assert_no_token, cli, run, start};

/// Jobs already in these states, each at 42% in step Tiling.
fn jobs(states: &[(&str, &str)]) -> String {
    let jobs: Vec<String> = states
        .iter()
        .map(|(id, state)| {
            format!(
                r#""{id}": {{"points": [{{"at_seconds": 0, "state": "{state}", "percentage": 42, "step": "Tiling"}}]}}"#
            )
        })
        .collect();
    format!("{{{}}}", jobs.join(","))
}

#[test]
fn plain_lines_name_their_job_and_the_exit_code_is_the_worst_outcome() {
    let simulator = start(&jobs(&[
        ("ok", "success"),
        ("bad", "failed"),
        ("gone", "cancelled"),
    ]));
    let run = run(cli(&simulator)
        .args(["watch", "ok", "bad", "gone"])
        .args(FAST));
    // failed (3) is worse than cancelled (4) and success (0).
    assert_eq!(run.code, Some(3), "{run:?}");
    let mut lines: Vec<&str> = run.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "bad: 42% failed (Tiling)",
            "gone: 42% cancelled (Tiling)",
            "ok: 42% success (Tiling)"
        ]
    );
}

#[test]
fn an_error_outranks_every_state_and_is_reported_with_its_job() {
    let simulator = start(&jobs(&[("ok", "success"), ("bad", "failed")]));
    let run = run(cli(&simulator)
        .args(["watch", "ok", "bad", "missing"])
        .args(FAST));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
    assert!(run.stderr.contains("status: 404"), "{}", run.stderr);
}

#[test]
fn json_events_carry_the_job_and_the_event() {
    let simulator = start(&jobs(&[("a", "success"), ("b", "Over")]));
    let run = run(cli(&simulator)
        .args(["watch", "a", "b", "nope", "--json"])
        .args(FAST));
    assert_eq!(run.code, Some(1), "{run:?}");
    let events = run.json_lines();
    for event in &events {
        assert!(event["job"].is_string(), "{event}");
        assert!(event["event"].is_string(), "{event}");
    }
    let finished = |job: &str| {
        events
            .iter()
            .find(|e| e["job"] == job && e["event"] == "finished")
            .unwrap_or_else(|| panic!("no end for {job}: {events:?}"))
            .clone()
    };
    assert_eq!(finished("a")["outcome"]["state"], "success");
    assert_eq!(finished("a")["outcome"]["percentage"], 42);
    assert_eq!(finished("b")["outcome"]["state"], "over");
    let error = &finished("nope")["error"];
    assert_eq!(error["kind"], "not_found");
    assert_eq!(error["status"], 404);
    assert!(
        events
            .iter()
            .any(|e| e["job"] == "a" && e["event"] == "observed" && e["state"] == "success")
    );
}

#[test]
fn ids_come_from_stdin_after_a_dash() {
    let simulator = start(&jobs(&[
        ("a", "success"),
        ("b", "success"),
        ("c", "cancelled"),
    ]));
    let child = spawn_piped(
        cli(&simulator)
            .args(["watch", "a", "-", "--max-in-flight", "1", "--rate", "50"])
            .args(FAST),
    );
    let output = fed(child, b"b\n\nc\na\n");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_no_token(&stdout, &stderr);
    assert_eq!(output.status.code(), Some(4), "{stdout}{stderr}");
    // Each job once, though `a` was named twice.
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert_eq!(simulator.requests_for("a"), 1);
}

#[test]
fn a_bad_id_on_stdin_is_skipped_with_a_warning_and_the_others_are_watched() {
    let simulator = start(&jobs(&[("a", "success"), ("b", "success")]));
    let child = spawn_piped(cli(&simulator).args(["watch", "-"]).args(FAST));
    let output = fed(child, b"a\n..\n\nb\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The bad id makes it an error (1), though both jobs succeeded.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("warning: stdin line 2:"), "{stderr}");
    assert!(stderr.contains("`..`"), "{stderr}");
    assert!(
        stderr.contains("warning: stdin line 3 is empty"),
        "{stderr}"
    );
    assert_eq!(simulator.requests_for("a"), 1);
    assert_eq!(simulator.requests_for("b"), 1);
}

#[test]
fn the_token_pasted_among_the_jobs_is_refused_and_never_sent() {
    let simulator = start(&jobs(&[("a", "success")]));
    let run = run(cli(&simulator).args(["watch", "a", TOKEN]));
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(simulator.served().total(), 0);
}

/// A producer that keeps stdin open and writes ids as it submits jobs:
/// each job is watched as soon as its line is read, and the command ends
/// once stdin is closed and every watch has ended.
#[test]
fn ids_on_a_pipe_held_open_are_watched_as_they_come() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    let simulator = start(&jobs(&[("a", "success"), ("b", "failed")]));
    let mut child = spawn_piped(cli(&simulator).args(["watch", "-"]).args(FAST));
    let mut stdin = child.stdin.take().unwrap();
    let (lines, seen) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines() {
            let _ = lines.send(line.unwrap());
        }
    });
    // A bound, not a pause: the line comes at once or the test fails.
    let next_line = || seen.recv_timeout(Duration::from_secs(20));
    stdin.write_all(b"a\n").unwrap();
    assert_eq!(next_line().as_deref(), Ok("a: 42% success (Tiling)"));
    stdin.write_all(b"b\n").unwrap();
    assert_eq!(next_line().as_deref(), Ok("b: 42% failed (Tiling)"));
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3));
}

/// `watch ... | head -1`: once nobody reads stdout, the command ends at
/// once, without a word, and polls no more.
#[test]
fn a_closed_stdout_ends_the_command_at_once_and_silently() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    // Jobs that never end; the deadline only bounds a failing run.
    let simulator = start(&jobs(&[("a", "active"), ("b", "active")]));
    for args in [&["a", "b"][..], &["a"]] {
        let mut child = cli(&simulator)
            .arg("watch")
            .args(args)
            .args(["--deadline", "60s"])
            .args(FAST)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(first.contains("42% active"), "{first}");
        drop(stdout); // as `head -1` exits
        let (ended, end) = mpsc::channel();
        std::thread::spawn(move || ended.send(child.wait_with_output().unwrap()));
        // A bound, not a pause: a command that keeps polling fails here.
        let output = end
            .recv_timeout(Duration::from_secs(20))
            .expect("the command ended once stdout was closed");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?}");
    }
}

/// `watch a .. b`: the id that is none gets a warning naming it, the others
/// are watched, and the exit code tells of it (1, no other job did worse).
#[test]
fn an_invalid_id_among_jobs_is_a_warning_and_the_others_are_watched() {
    let simulator = start(&jobs(&[("a", "success"), ("b", "cancelled")]));
    let run = run(cli(&simulator)
        .args(["watch", "a", "..", "b", "bad\u{7}id"])
        .args(FAST));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("warning: ") && run.stderr.contains("`..`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(r"bad\u{7}id"), "{}", run.stderr);
    assert_eq!(simulator.requests_for("a"), 1);
    assert_eq!(simulator.requests_for("b"), 1);
    let mut lines: Vec<&str> = run.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        ["a: 42% success (Tiling)", "b: 42% cancelled (Tiling)"]
    );
    // Alone, it is still a usage error.
    let alone = common::run(cli(&simulator).args(["watch", ".."]));
    assert_eq!(alone.code, Some(2), "{alone:?}");
}

/// Spawns `command` with its stdin, stdout and stderr piped to the test.
fn spawn_piped(command: &mut Command) -> Child {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Writes `input` to the child's stdin, closes it, and waits for the end.
fn fed(mut child: Child, input: &[u8]) -> Output {
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}
