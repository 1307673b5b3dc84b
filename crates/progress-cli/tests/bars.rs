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
    let size = Winsize {
        ws_row: 24,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None).expect("a pseudo-terminal");
    let started = Instant::now();
    let child = cli(&simulator)
        .arg("watch")
        .args((0..count).map(|index| format!("job-{index}")))
        .args(["--intervals", "0.2", "--max-in-flight", "64"])
        .stdin(Stdio::null())
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
    // No more job rows at once than the terminal has lines.
    let most_rows = run
        .drawn
        .split("300 jobs: ")
        .map(|frame| frame.matches("job-").count())
        .max()
        .unwrap_or(0);
    assert!(most_rows <= 24, "{most_rows} rows in one frame");
}
