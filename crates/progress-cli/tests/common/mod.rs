//! Runs the real `itwin-progress` binary against a simulator started in the test.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use progress_sim::{ManualSimClock, Scenario, Simulator};

/// A token distinctive enough that finding it in any output is a leak.
pub const TOKEN: &str = "tok-Zq7x-distinctive-5ecret-41b9";

/// Fast polling for tests: no test waits for the real 15 s ladder.
pub const FAST: [&str; 2] = ["--intervals", "0.02,0.05"];

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_itwin-progress");

/// A simulator on a real clock that only accepts [`TOKEN`].
pub fn start(jobs_json: &str) -> Simulator {
    Simulator::builder(scenario(jobs_json, 1.0))
        .start_blocking()
        .expect("the simulator starts")
}

/// A simulator whose time moves only when the test advances the clock.
pub fn start_manual(jobs_json: &str) -> (Simulator, ManualSimClock) {
    Simulator::start_manual(scenario(jobs_json, 1.0)).expect("the simulator starts")
}

/// A scenario with these jobs (a JSON object), accepting only [`TOKEN`].
pub fn scenario(jobs_json: &str, time_scale: f64) -> Scenario {
    Scenario::from_json(&format!(
        r#"{{"time_scale": {time_scale}, "accepted_tokens": ["{TOKEN}"], "jobs": {jobs_json}}}"#
    ))
    .expect("a valid scenario")
}

/// A job that stays at one point forever.
pub fn forever(id: &str, state: &str) -> String {
    format!(
        r#"{{"{id}": {{"points": [{{"at_seconds": 0, "state": "{state}", "percentage": 42, "step": "Tiling"}}]}}}}"#
    )
}

/// The binary with [`TOKEN`] in `ITWIN_ACCESS_TOKEN`, pointed at `simulator`.
pub fn cli(simulator: &Simulator) -> Command {
    let mut command = bare();
    command
        .env("ITWIN_ACCESS_TOKEN", TOKEN)
        .args(["--base-url", &simulator.base_url()]);
    command
}

/// The binary with nothing set, pointed at `simulator` and at its identity
/// service.
pub fn with_identity(simulator: &Simulator) -> Command {
    let mut command = bare();
    command.args([
        "--base-url",
        &simulator.base_url(),
        "--token-url",
        &simulator.token_url(),
    ]);
    command
}

/// [`with_identity`] as the application `client_id`, its secret in
/// `ITWIN_CLIENT_SECRET`.
pub fn as_application(simulator: &Simulator, client_id: &str, secret: &str) -> Command {
    let mut command = with_identity(simulator);
    command
        .args(["--client-id", client_id])
        .env("ITWIN_CLIENT_SECRET", secret);
    command
}

/// The binary with no token, no client credentials and nothing else set.
pub fn bare() -> Command {
    let mut command = Command::new(BIN);
    for name in [
        "ITWIN_ACCESS_TOKEN",
        "ITWIN_CLIENT_ID",
        "ITWIN_CLIENT_SECRET",
        // The machine's own network settings must not change what a test sees.
        "SSL_CERT_FILE",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        command.env_remove(name);
    }
    command
}

/// What a run left behind.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when a signal killed it).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout lines, parsed as JSON.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|error| panic!("{line:?} is not JSON: {error}"))
            })
            .collect()
    }
}

/// Runs to the end, and checks that the token appears in no output.
pub fn run(command: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the binary runs");
    let run = Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(stderr).expect("UTF-8 stderr"),
    };
    assert_no_token(&run.stdout, &run.stderr);
    run
}

/// Fails if the token leaked into either output.
pub fn assert_no_token(stdout: &str, stderr: &str) {
    assert!(
        !stdout.contains(TOKEN),
        "the token leaked on stdout: {stdout}"
    );
    assert!(
        !stderr.contains(TOKEN),
        "the token leaked on stderr: {stderr}"
    );
}

/// A file of its own for one test, in Cargo's temporary directory for tests.
pub fn temp_file(name: &str, content: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("itwin-progress-{}-{name}", std::process::id()));
    std::fs::write(&path, content).expect("the temporary file is written");
    path
}
