//! `watch --state PATH`: the command killed (`kill -9`) mid-run and started
//! again with the same file goes on where it stopped.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use common::{FAST, TOKEN, cli, run, start, start_manual};
use progress_model::WatchState;
use progress_sim::Simulator;

/// A path of its own for one test's state file, not there yet.
fn state_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "itwin-progress-state-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.json")
}

/// The watches a state file holds, each checked as a resume would.
fn saved(path: &Path) -> Vec<WatchState> {
    let text = std::fs::read_to_string(path).unwrap();
    let document: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("a whole state file, not {text:?}: {error}"));
    assert_eq!(document["format"], 1);
    document["watches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|watch| WatchState::from_json(&watch.to_string()).unwrap())
        .collect()
}

/// The command watching `jobs` with the state file, its stdout piped.
fn spawn(simulator: &Simulator, jobs: &[&str], path: &Path) -> Child {
    cli(simulator)
        .arg("watch")
        .args(jobs)
        .arg("--state")
        .arg(path)
        .args(FAST)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Reads the child's stdout until `done` says so, then kills it (SIGKILL
/// on Unix: nothing of the command runs after it).
fn kill_when(mut child: Child, mut done: impl FnMut(&str) -> bool) {
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        if done(&line.unwrap()) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_killed_watch_goes_on_from_its_state_file_and_finished_jobs_are_not_asked_again() {
    let (simulator, clock) = start_manual(
        r#"{"done": {"points": [{"at_seconds": 0, "state": "success", "percentage": 100}]},
            "long": {"points": [{"at_seconds": 0, "state": "active", "percentage": 42, "step": "Tiling"},
                                {"at_seconds": 100, "state": "success", "percentage": 100}]}}"#,
    );
    let path = state_path("resume");
    let mut seen = Vec::new();
    kill_when(spawn(&simulator, &["done", "long"], &path), |line| {
        seen.push(line.to_owned());
        seen.iter().any(|line| line.starts_with("done:"))
            && seen.iter().any(|line| line.starts_with("long:"))
    });
    // Each line is shown after its state is saved.
    let states = saved(&path);
    let done = states
        .iter()
        .find(|state| state.job.as_str() == "done")
        .unwrap();
    assert!(done.final_observation().is_some(), "{done:?}");
    let long = states
        .iter()
        .find(|state| state.job.as_str() == "long")
        .unwrap();
    assert!(long.final_observation().is_none() && !long.is_over());
    let asked_about_done = simulator.requests_for("done");

    clock.advance(200.0);
    // Started again naming only `done`: `long` goes on from the file too.
    let again = run(cli(&simulator)
        .args(["watch", "done", "--state"])
        .arg(&path)
        .args(FAST));
    assert_eq!(again.code, Some(0), "{again:?}");
    let mut lines: Vec<&str> = again.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["done: 100% success", "long: 100% success"]);
    assert_eq!(
        simulator.requests_for("done"),
        asked_about_done,
        "done was reported from the file"
    );
    assert!(
        saved(&path)
            .iter()
            .all(|state| state.final_observation().is_some())
    );
}

#[test]
fn a_kill_at_any_point_leaves_a_whole_state_file() {
    let ids: Vec<String> = (0..300).map(|index| format!("job-{index}")).collect();
    let jobs: Vec<String> = ids
        .iter()
        .map(|id| format!(r#""{id}": {{"points": [{{"at_seconds": 0, "state": "active", "percentage": 42}}]}}"#))
        .collect();
    let simulator = start(&format!("{{{}}}", jobs.join(",")));
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let path = state_path("kill");
    // Killed after ever more lines: each kill lands somewhere in the
    // writing of a file of up to 300 states, rewritten after each batch
    // (a file written in place instead fails here most runs).
    for lines in [1, 3, 10, 30, 100, 200, 299, 400, 600, 900] {
        let mut count = 0;
        kill_when(spawn(&simulator, &ids, &path), |_| {
            count += 1;
            count >= lines
        });
        let states = saved(&path);
        assert!(
            !states.is_empty() && states.len() <= ids.len(),
            "after {lines} lines: {} states",
            states.len()
        );
    }
}

#[test]
fn a_file_that_is_no_state_file_is_a_usage_error_and_left_as_it_is() {
    let simulator = start(&common::forever("job-1", "success"));
    let path = state_path("garbled");
    for text in [
        "{\"format\": 1, \"watches\": [{\"job\": 3}]}",
        "{\"format\": 2, \"watches\": []}",
        "\u{0}\u{1}garbage",
    ] {
        std::fs::write(&path, text).unwrap();
        let refused = run(cli(&simulator)
            .args(["watch", "job-1", "--state"])
            .arg(&path));
        assert_eq!(refused.code, Some(2), "{refused:?}");
        assert!(refused.stderr.contains("state.json"), "{}", refused.stderr);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        assert_eq!(simulator.requests_for("job-1"), 0, "nothing was sent");
    }
    assert!(!TOKEN.is_empty());
}

#[test]
fn temporary_files_a_kill_left_do_not_pile_up_beside_the_state_file() {
    let simulator = start(&common::forever("job-1", "success"));
    let path = state_path("leftovers");
    let dir = path.parent().unwrap();
    // What a kill between creating the temporary file and renaming it
    // leaves (named as this version and as earlier ones did), long ago.
    let leftovers = [
        dir.join(".itwin-progress-state.state.json.Ab12Cd"),
        dir.join(".itwin-progress-stateQw34Er"),
    ];
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for leftover in &leftovers {
        std::fs::write(leftover, "{\"format\": 1, \"wat").unwrap();
        std::fs::File::options()
            .write(true)
            .open(leftover)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    }
    for _ in 0..2 {
        let watched = run(cli(&simulator)
            .args(["watch", "job-1", "--state"])
            .arg(&path)
            .args(FAST));
        assert_eq!(watched.code, Some(0), "{watched:?}");
    }
    let mut left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["state.json"], "only the state file is left");
}
