//! The token: from the environment or a file, never an argument, never printed.

mod common;

use common::{FAST, TOKEN, bare, cli, forever, run, start, temp_file};

#[test]
fn help_never_shows_the_token() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["watch", "--help"],
        &["get", "--help"],
        &["demo", "--help"],
        &["--version"],
    ] {
        let run = run(bare().env("ITWIN_ACCESS_TOKEN", TOKEN).args(args));
        assert_eq!(run.code, Some(0), "{args:?}: {run:?}");
    }
    let help = run(bare().env("ITWIN_ACCESS_TOKEN", TOKEN).arg("--help"));
    assert!(help.stdout.contains("ITWIN_ACCESS_TOKEN"));
    assert!(help.stdout.contains("Exit codes:"));
    assert!(help.stdout.contains("130"));
}

#[test]
fn there_is_no_token_argument() {
    let run = run(bare().args(["get", "job-1", "--token", TOKEN]));
    assert_eq!(run.code, Some(2), "{run:?}");
}

#[test]
fn the_token_file_is_trimmed_and_wins_over_the_environment() {
    let simulator = start(&forever("job-1", "success"));
    let file = temp_file("token", &format!("\n  Bearer {TOKEN}  \n"));
    let run = run(cli(&simulator)
        .env("ITWIN_ACCESS_TOKEN", "not-the-token")
        .args(["watch", "job-1", "--token-file"])
        .arg(&file)
        .args(FAST));
    assert_eq!(run.code, Some(0), "{run:?}");
    std::fs::remove_file(file).unwrap();
}

#[test]
fn a_refused_file_token_is_read_again_once_then_reported_without_its_value() {
    let simulator = start(&forever("job-1", "active"));
    let file = temp_file("wrong-token", &format!("{TOKEN}-expired"));
    let run = run(bare()
        .args([
            "watch",
            "job-1",
            "--base-url",
            &simulator.base_url(),
            "--token-file",
        ])
        .arg(&file)
        .args(FAST));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("unauthorized"), "{}", run.stderr);
    // One request, then one more with the token read again from the file.
    assert_eq!(simulator.requests_for("job-1"), 2);
    std::fs::remove_file(file).unwrap();
}

#[test]
fn an_unreadable_token_file_exits_1() {
    let missing = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-token-file");
    let run = run(bare()
        .env("ITWIN_ACCESS_TOKEN", TOKEN)
        .args(["get", "job-1", "--token-file"])
        .arg(&missing));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("cannot read the token file"),
        "{}",
        run.stderr
    );
}
