//! `itwin-progress demo`: a whole job, simulated in-process, in about ten
//! seconds; and a build without the `demo` feature, which says it has none.

mod common;

use common::{bare, run};

#[cfg(feature = "demo")]
#[test]
fn the_demo_watches_a_job_through_its_steps_to_success() {
    // No token and no network: the demo needs neither.
    let run = run(bare().arg("demo"));
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"100% success (Export)"), "{lines:?}");
    let steps: std::collections::BTreeSet<&str> = lines
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

#[cfg(feature = "demo")]
#[test]
fn help_lists_the_demo() {
    let run = run(bare().arg("--help"));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("\n  demo "), "{}", run.stdout);
}

/// `cargo test -p itwin-progress --no-default-features`: the slim build.
#[cfg(not(feature = "demo"))]
#[test]
fn a_build_without_the_demo_feature_says_so_and_does_not_offer_it() {
    let run = run(bare().arg("demo"));
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("the `demo` feature"), "{}", run.stderr);
    let help = common::run(bare().arg("--help"));
    assert_eq!(help.code, Some(0), "{help:?}");
    assert!(help.stdout.contains("\n  watch "), "{}", help.stdout);
    assert!(!help.stdout.contains("\n  demo "), "{}", help.stdout);
}
