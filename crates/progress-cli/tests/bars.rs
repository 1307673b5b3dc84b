//! Bars on a terminal (a pseudo-terminal here) for hundreds of jobs: a
//! screenful of rows and one summary line, drawn at a bounded rate.

#![cfg(unix)]

mod common;

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{TOKEN, cli};
use nix::pty::{Winsize, openpty};
use progress_sim::{Scenario, Simulator};

/// `count` jobs, active at 10% and successful one second in.
fn simulator(count: usize) -> Simulator {
    let jobs: Vec<String> = (0..count)
        .map(|index| {
            format!(
                r#""job-{index}": {{"points": [
                    {{"at_seconds": 0, "state": "active", "percentage": 10}},
                    {{"at_seconds": 1, "state": "success", "percentage": 100}}]}}"#
            )
        })
        .collect();
    let scenario = Scenario::from_json(&format!(
        r#"{{"accepted_tokens": ["{TOKEN}"], "jobs": {{{}}}}}"#,
        jobs.join(",")
    ))
    .expect("a valid scenario");
    Simulator::builder(scenario)
        .start_blocking()
        .expect("the simulator starts")
}

/// What the command drew on its terminal and wrote on stdout, and its exit code.
struct OnTerminal {
    drawn: String,
    stdout: String,
    code: Option<i32>,
    took: Duration,
}

/// Runs `watch` of `count` jobs with stderr on a 24-row pseudo-terminal.
fn watch_on_a_terminal(count: usize) -> OnTerminal {
    let simulator = simulator(count);
    let ids = (0..count).map(|index| format!("job-{index}"));
    let args: Vec<String> = ids
        .chain(["--intervals", "0.2", "--max-in-flight", "64"].map(String::from))
        .collect();
    run_on_a_terminal(&simulator, &args, Stdio::null())
}

/// Runs `watch ARGS` against `simulator`, stdin from `stdin`, stderr on a
/// 24-row pseudo-terminal.
fn run_on_a_terminal(simulator: &Simulator, args: &[String], stdin: Stdio) -> OnTerminal {
    let size = Winsize {
        ws_row: 24,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None).expect("a pseudo-terminal");
    let started = Instant::now();
    let child = cli(simulator)
        .arg("watch")
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(pty.slave))
        .spawn()
        .expect("the binary runs");
    // Read the terminal while the command draws: a full one would block it.
    let mut terminal = std::fs::File::from(pty.master);
    let reader = std::thread::spawn(move || {
        let mut drawn = Vec::new();
        // Ends with EIO once the command, the last holder of the terminal, exits.
        let _ = terminal.read_to_end(&mut drawn);
        drawn
    });
    let output = child.wait_with_output().expect("the command ends");
    let took = started.elapsed();
    let drawn = reader.join().expect("the terminal was read");
    OnTerminal {
        drawn: String::from_utf8_lossy(&drawn).into_owned(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        code: output.status.code(),
        took,
    }
}

#[test]
fn three_hundred_jobs_draw_a_screenful_and_one_summary_line() {
    let run = watch_on_a_terminal(300);
    assert_eq!(run.code, Some(0), "{}", run.drawn);
    assert_eq!(run.stdout.lines().count(), 300, "one final line per job");
    assert!(!run.drawn.contains(TOKEN));
    assert!(
        run.drawn.contains("300 jobs: "),
        "no summary line in {:?}",
        &run.drawn[..run.drawn.len().min(2000)]
    );
    // A screenful redrawn ten times a second at most: kilobytes, where a
    // bar per job redrawn on every tick wrote tens of megabytes.
    assert!(
        run.drawn.len() < 500_000,
        "{} bytes drawn in {:?}",
        run.drawn.len(),
        run.took
    );
    // No more job rows at once than the terminal has lines. Every frame
    // ends with the summary line (`N jobs: ...`, N growing as the ids are
    // taken in).
    let most_rows = run
        .drawn
        .split(" jobs: ")
        .map(|frame| frame.matches("job-").count())
        .max()
        .unwrap_or(0);
    assert!(most_rows <= 24, "{most_rows} rows in one frame");
}

/// The most memory any child of this test process held, in KiB (Linux
/// counts `ru_maxrss` in KiB).
fn most_memory_of_children_kib() -> i64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .expect("the children's usage")
        .max_rss()
}

#[test]
fn a_hundred_thousand_ids_on_stdin_are_read_as_they_come_and_summed_up_in_one_line() {
    const IDS: usize = 100_000;
    let simulator = simulator(0);
    let lines: String = (0..IDS).map(|index| format!("job-{index:06}\n")).collect();
    let ids = common::temp_file("hundred-thousand-ids", &lines);
    let stdin = std::fs::File::open(&ids).expect("the id file");
    // A deadline of 1 ms, counted from when each id is read: every watch
    // ends within a poll, so the test is about reading and drawing.
    let args = ["-", "--deadline", "1ms", "--max-in-flight", "64"].map(String::from);
    let run = run_on_a_terminal(&simulator, &args, Stdio::from(stdin));
    let _ = std::fs::remove_file(&ids);
    assert!(matches!(run.code, Some(1 | 5)), "{:?}", run.code);
    assert_eq!(run.stdout.lines().count(), IDS, "one final line per job");
    let summary = format!("{IDS} jobs: 0 active");
    assert!(
        run.drawn.contains(&summary),
        "no {summary:?} in the last of {:?}",
        &run.drawn[run.drawn.len().saturating_sub(2000)..]
    );
    assert!(
        run.drawn.len() < 1_000_000,
        "{} bytes drawn",
        run.drawn.len()
    );
    // The ids are neither kept in a list nor twice over: a hundred thousand
    // of them take a few MiB, a bar or a thread each far more.
    let most = most_memory_of_children_kib();
    assert!(most < 100 * 1024, "the command held {most} KiB");
}
