//! `itwin-progress demo`: a whole job, simulated in-process, in about ten seconds.

mod common;

use std::collections::BTreeSet;

use common::{bare, run};

#[test]
fn the_demo_watches_a_job_through_its_steps_to_success() {
    // No token and no network: the demo needs neither.
    let run = run(bare().arg("demo"));
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"100% success (Export)"), "{lines:?}");
    let steps: BTreeSet<&str> = lines
        .iter()
        .filter_map(|line| {
            line.split_once(" (")
                .map(|(_, step)| step.trim_end_matches(')'))
        })
        .collect();
    assert!(steps.len() >= 3, "{steps:?}");
    assert!(run.stderr.contains("requests"), "{}", run.stderr);
    assert!(run.stderr.contains("1 answered 429"), "{}", run.stderr);
}
