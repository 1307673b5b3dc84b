//! `--client-id` with the secret from `ITWIN_CLIENT_SECRET` or
//! `--client-secret-file`: tokens from the simulator's identity service,
//! never a secret or a token in any output.

mod common;

use common::{FAST, bare, run, temp_file, with_identity};
use progress_sim::{Scenario, Simulator};

const CLIENT_ID: &str = "cli-watcher";
const SECRET: &str = "cli-Secret-8c7b6a5f4e3d";

/// A simulator whose API takes only tokens its identity service issued.
fn identity_and_api() -> Simulator {
    let scenario = Scenario::from_json(&format!(
        r#"{{ "oauth": {{ "clients": {{ "{CLIENT_ID}": {{ "secret": "{SECRET}", "scopes": ["itwin-platform", "extra"] }} }} }},
             "jobs": {{ "job-1": {{ "points": [
                {{ "at_seconds": 0, "state": "Active", "percentage": 10 }},
                {{ "at_seconds": 0.2, "state": "Success", "percentage": 100 }}
             ] }} }} }}"#
    ))
    .unwrap();
    Simulator::builder(scenario).start_blocking().unwrap()
}

/// The command pointed at `sim`, for its identity service, with `args`.
fn command(sim: &Simulator, args: &[&str]) -> std::process::Command {
    let mut command = with_identity(sim);
    command.args(args);
    command
}

/// Neither the secret nor a token the simulator issued appears in any output.
fn assert_nothing_secret(run: &common::Run) {
    for output in [&run.stdout, &run.stderr] {
        assert!(!output.contains(SECRET), "the secret leaked: {output}");
        assert!(!output.contains("sim-at-"), "a token leaked: {output}");
    }
}

#[test]
fn a_client_id_and_the_secret_from_the_environment_watch_a_job_to_the_end() {
    let sim = identity_and_api();
    let mut watch = command(
        &sim,
        &["watch", "job-1", "--client-id", CLIENT_ID, "--json"],
    );
    let run = run(watch.env("ITWIN_CLIENT_SECRET", SECRET).args(FAST));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_nothing_secret(&run);
    assert_eq!(run.json_lines().last().unwrap()["state"], "success");
    // One token for every poll of the watch.
    assert_eq!(sim.token_requests(), 1);
    assert!(sim.requests_for("job-1") >= 2);
}

#[test]
fn the_client_id_from_the_environment_and_the_secret_from_a_file() {
    let sim = identity_and_api();
    let secret_file = temp_file("client-secret", &format!("  {SECRET}\n"));
    let mut get = command(&sim, &["get", "job-1", "--scope", "itwin-platform extra"]);
    let run = run(get
        .env("ITWIN_CLIENT_ID", CLIENT_ID)
        .arg("--client-secret-file")
        .arg(&secret_file));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_nothing_secret(&run);
    assert_eq!(sim.token_requests(), 1);
    std::fs::remove_file(secret_file).unwrap();
}

#[test]
fn a_client_id_without_a_secret_is_a_usage_error_saying_where_to_put_it() {
    let sim = identity_and_api();
    let run = run(&mut command(
        &sim,
        &["watch", "job-1", "--client-id", CLIENT_ID],
    ));
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("ITWIN_CLIENT_SECRET"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--client-secret-file"),
        "{}",
        run.stderr
    );
    assert_eq!(sim.token_requests() + sim.requests_for("job-1"), 0);
}

#[test]
fn a_wrong_secret_ends_with_the_identity_service_s_error() {
    let sim = identity_and_api();
    let mut watch = command(&sim, &["watch", "job-1", "--client-id", CLIENT_ID]);
    let run = run(watch.env("ITWIN_CLIENT_SECRET", "not-the-right-one"));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("invalid_client"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-right-one"), "{}", run.stderr);
    assert_nothing_secret(&run);
    assert_eq!(sim.requests_for("job-1"), 0);
}

#[test]
fn client_credential_options_without_a_client_id_are_a_usage_error() {
    let sim = identity_and_api();
    let mut get = command(&sim, &["get", "job-1", "--scope", "itwin-platform"]);
    let run = run(get.env("ITWIN_ACCESS_TOKEN", "some-token"));
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("--client-id"), "{}", run.stderr);
}

#[test]
fn help_names_the_client_credential_options() {
    let help = run(bare().arg("--help"));
    for option in [
        "--client-id",
        "--client-secret-file",
        "--scope",
        "--token-url",
        "ITWIN_CLIENT_SECRET",
        "ITWIN_CLIENT_ID",
    ] {
        assert!(help.stdout.contains(option), "{option}: {}", help.stdout);
    }
}

#[test]
fn an_identity_service_that_never_answers_ends_at_the_deadline() {
    // Accepts connections and never writes a byte.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let token_url = format!("http://{}/connect/token", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let run = run(bare()
        .args([
            "--base-url",
            "http://127.0.0.1:9",
            "--token-url",
            &token_url,
        ])
        .args([
            "watch",
            "job-1",
            "--client-id",
            CLIENT_ID,
            "--deadline",
            "2s",
        ])
        .env("ITWIN_CLIENT_SECRET", SECRET));
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    assert_nothing_secret(&run);
    drop(silent);
}

/// A gateway in front of the identity service that refuses every request
/// with a page echoing it, headers and body, as some proxies and WAFs do.
fn echoing_gateway() -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut echoed = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                echoed.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            echoed.push_str(&String::from_utf8_lossy(&body));
            let page = format!("<html><h1>403 Forbidden</h1><pre>{echoed}</pre></html>");
            let _ = write!(
                stream,
                "HTTP/1.1 403 Forbidden\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    format!("http://{address}/connect/token")
}

/// Issue 19: the page echoed `Authorization: Basic <id:secret in base64>`,
/// and its excerpt went to stderr.
#[test]
fn an_echoing_gateway_s_page_shows_the_secret_in_no_form_on_stderr() {
    use base64::Engine as _;
    let sim = identity_and_api();
    let mut watch = bare();
    watch.args([
        "watch",
        "job-1",
        "--client-id",
        CLIENT_ID,
        "--base-url",
        &sim.base_url(),
        "--token-url",
        &echoing_gateway(),
    ]);
    let run = run(watch.env("ITWIN_CLIENT_SECRET", SECRET));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("403"), "{}", run.stderr);
    assert!(run.stderr.contains("Basic <redacted>"), "{}", run.stderr);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
    assert!(!run.stderr.contains(&basic), "{}", run.stderr);
    assert_nothing_secret(&run);
}
