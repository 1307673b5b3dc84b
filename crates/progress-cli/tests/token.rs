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
    assert!(help.stderr.is_empty(), "{}", help.stderr);
    let version = run(bare().arg("--version"));
    assert!(
        version.stdout.starts_with("itwin-progress "),
        "{}",
        version.stdout
    );
}

#[test]
fn a_value_in_the_wrong_place_is_not_repeated_in_the_usage_error() {
    let cases: [&[&str]; 5] = [
        // A token pasted as an extra argument.
        &["watch", "job-1", TOKEN],
        &["get", "job", "SECRET-LIKE-VALUE-123"],
        // A password in a URL that is refused.
        &[
            "--base-url",
            "https://user:S3CRETpass@127.0.0.1:1",
            "get",
            "j",
        ],
        &[TOKEN],
        &["watch", "job-1", "--intervals", TOKEN],
    ];
    for args in cases {
        // `run` checks that TOKEN is in no output.
        // The user's own token, pasted: `watch` takes many jobs, so after a
        // job id it is refused as the token it is rather than as a stray value.
        let run = run(bare().env("ITWIN_ACCESS_TOKEN", TOKEN).args(args));
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        for secret in ["SECRET-LIKE", "S3CRET"] {
            assert!(!run.stderr.contains(secret), "{args:?}: {}", run.stderr);
        }
        assert!(
            run.stderr.contains("<hidden>") || run.stderr.contains("holds the access token"),
            "{args:?}: {}",
            run.stderr
        );
    }
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
fn an_unreadable_token_file_exits_1_without_showing_its_path() {
    // `--token-file "$TOKEN"`: the path is the secret, so errors never show it.
    let run =
        run(bare()
            .env("ITWIN_ACCESS_TOKEN", "x")
            .args(["get", "job-1", "--token-file", TOKEN]));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr
            .contains("cannot read the file given to --token-file"),
        "{}",
        run.stderr
    );
}
