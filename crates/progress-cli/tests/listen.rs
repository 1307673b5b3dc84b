//! `watch --listen`: the webhook receiver beside the watch, on deliveries
//! from the simulated platform; the webhook's secret in no output.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Run, as_application, run, temp_file};
use progress_sim::{ManualSimClock, Scenario, Simulator, WebhookDelivery};

const CLIENT_ID: &str = "listener-app";
const CLIENT_SECRET: &str = "cli-Secret-listen-3f9e";
const WEBHOOK_SECRET: &str = "listen-webhook-s3cret-0123456789abcdef";

/// The identity service, the Webhooks API and these jobs (a JSON object).
fn scenario(jobs: &str, time_scale: f64) -> Scenario {
    Scenario::from_json(&format!(
        r#"{{ "time_scale": {time_scale},
             "oauth": {{ "clients": {{ "{CLIENT_ID}": {{ "secret": "{CLIENT_SECRET}", "scopes": ["itwin-platform"] }} }} }},
             "jobs": {jobs} }}"#
    ))
    .unwrap()
}

/// The command as the application, pointed at `sim`.
fn command(sim: &Simulator) -> Command {
    as_application(sim, CLIENT_ID, CLIENT_SECRET)
}

/// A free port on the loopback interface, for the command to listen on.
fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
}

/// An active webhook delivering to `127.0.0.1:port`, signed with
/// [`WEBHOOK_SECRET`], created and activated with the command.
fn register(sim: &Simulator, port: u16) {
    let secret_file = temp_file(&format!("listen-secret-{port}"), WEBHOOK_SECRET);
    let created = run(command(sim)
        .args(["webhooks", "create", "--callback-url"])
        .arg(format!("http://127.0.0.1:{port}/itwin"))
        .arg("--secret-file")
        .arg(&secret_file));
    assert_eq!(created.code, Some(0), "{created:?}");
    let id = created.stdout.split('\t').next().unwrap().to_owned();
    let activated = run(command(sim).args(["webhooks", "activate", &id]));
    assert_eq!(activated.code, Some(0), "{activated:?}");
    std::fs::remove_file(secret_file).unwrap();
}

fn assert_no_secret(run: &Run) {
    for output in [&run.stdout, &run.stderr] {
        assert!(
            !output.contains(WEBHOOK_SECRET),
            "the webhook secret leaked: {output}"
        );
        assert!(
            !output.contains(CLIENT_SECRET),
            "the client secret leaked: {output}"
        );
    }
}

#[test]
fn a_delivery_is_answered_while_the_watch_runs() {
    answered_while_watching(&["watched"]);
}

#[test]
fn a_delivery_is_answered_while_many_watches_run() {
    answered_while_watching(&["watched", "watched-2"]);
}

/// Watches `jobs` (none of which ends) with a receiver, while another job
/// ends: its delivery is answered 200, and the watches go on to their deadline.
fn answered_while_watching(jobs: &[&str]) {
    // One job ends (and is delivered); the one watched never does.
    let clock = ManualSimClock::new();
    let timelines = r#"{ "ended": { "points": [
            { "at_seconds": 0, "state": "Active", "percentage": 10 },
            { "at_seconds": 60, "state": "Success", "percentage": 100 } ] },
        "watched": { "points": [ { "at_seconds": 0, "state": "Active", "percentage": 5 } ] },
        "watched-2": { "points": [ { "at_seconds": 0, "state": "Active", "percentage": 5 } ] } }"#;
    let sim = Simulator::builder(scenario(timelines, 1.0))
        .clock(clock.clone())
        .start_blocking()
        .unwrap();
    let port = free_port();
    register(&sim, port);
    let mut child = command(&sim)
        // Polled until the deadline, so it listens until then.
        .arg("watch")
        .args(jobs)
        .args(["--intervals", "0.5", "--deadline", "3s"])
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("ITWIN_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it listens, the other job ends.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert_eq!(
        first,
        format!("listening for webhook deliveries on 127.0.0.1:{port}\n")
    );
    clock.advance(61.0);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let output = child.wait_with_output().unwrap();
    let finished = Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: first + &rest,
    };
    assert_no_secret(&finished);
    // The deadline ended the watch: a delivery of another job does not.
    assert_eq!(finished.code, Some(5), "{finished:?}");
    let deliveries: Vec<WebhookDelivery> = sim.webhook_deliveries();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0].job_id, "ended");
    assert_eq!(deliveries[0].status, Some(200), "{deliveries:?}");
}

#[test]
fn listening_needs_a_secret_of_32_characters_never_shown() {
    let sim = Simulator::builder(scenario("{}", 1.0))
        .start_blocking()
        .unwrap();
    let short = temp_file("short-webhook-secret", "short-s3cret-value");
    let missing = temp_file("missing-webhook-secret", "");
    std::fs::remove_file(&missing).unwrap();
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (&[], None, "ITWIN_WEBHOOK_SECRET"),
        (
            &[],
            Some("short-s3cret-value"),
            "shorter than 32 characters",
        ),
        (
            &["--webhook-secret-file", short.to_str().unwrap()],
            None,
            "shorter than 32 characters",
        ),
        (
            &["--webhook-secret-file", missing.to_str().unwrap()],
            None,
            "cannot read",
        ),
    ];
    for (args, env, says) in cases {
        let mut watch = command(&sim);
        watch
            .args(["watch", "job-1", "--listen", "127.0.0.1:0"])
            .args(args);
        if let Some(secret) = env {
            watch.env("ITWIN_WEBHOOK_SECRET", secret);
        }
        let refused = run(&mut watch);
        assert_eq!(refused.code, Some(2), "{args:?}: {refused:?}");
        assert!(
            refused.stderr.contains(says),
            "{args:?}: {}",
            refused.stderr
        );
        assert!(
            !refused.stderr.contains("short-s3cret"),
            "{}",
            refused.stderr
        );
        assert!(!refused.stderr.contains("listening"), "{}", refused.stderr);
    }
    // A secret file without --listen is a mistake too.
    let mut watch = command(&sim);
    watch
        .args(["watch", "job-1", "--webhook-secret-file"])
        .arg(&short);
    assert_eq!(run(&mut watch).code, Some(2));
    assert_eq!(sim.token_requests(), 0);
    std::fs::remove_file(short).unwrap();
}

/// Jobs that end 600 simulated seconds in, 300 times faster than real
/// time: 2 s after the simulator starts. Watched on the default ladder
/// (15, 30, 60, 120 s), their end would be seen at the poll 15 s in; the
/// deliveries make the watches ask at once.
#[test]
fn a_delivery_makes_the_watch_see_the_end_within_a_second() {
    woken(&["job-1"]);
}

#[test]
fn deliveries_make_many_watches_see_their_ends_within_a_second() {
    woken(&["job-1", "job-2"]);
}

fn woken(jobs: &[&str]) {
    const SCALE: f64 = 300.0;
    const END: f64 = 600.0;
    let timeline = |job: &str| {
        format!(
            r#""{job}": {{ "points": [
                {{ "at_seconds": 0, "state": "Active", "percentage": 10 }},
                {{ "at_seconds": {END}, "state": "Success", "percentage": 100 }} ] }}"#
        )
    };
    let timelines = format!(
        "{{ {} }}",
        jobs.iter()
            .map(|job| timeline(job))
            .collect::<Vec<_>>()
            .join(",")
    );
    let sim = Simulator::builder(scenario(&timelines, SCALE))
        .start_blocking()
        .unwrap();
    let port = free_port();
    register(&sim, port);
    let secret_file = temp_file(&format!("wake-secret-{port}"), WEBHOOK_SECRET);
    let mut watch = command(&sim);
    watch
        .arg("watch")
        .args(jobs)
        .args(["--json", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--webhook-secret-file")
        .arg(&secret_file);
    let finished = run(&mut watch);
    // Read at once: how late, in simulated seconds, the command saw the ends.
    let late = sim.simulated_seconds() - END;
    assert_no_secret(&finished);
    assert_eq!(finished.code, Some(0), "{finished:?}");
    let ended = finished
        .json_lines()
        .iter()
        .filter(|line| line["state"] == "success")
        .count();
    assert_eq!(ended, jobs.len(), "{finished:?}");
    assert!(
        late < SCALE,
        "the end was seen {:.1} s after it came (the ladder's poll comes 13 s after it)",
        late / SCALE
    );
    let delivered = sim.webhook_deliveries();
    assert_eq!(delivered.len(), jobs.len(), "{delivered:?}");
    assert!(
        delivered.iter().all(|d| d.status == Some(200)),
        "{delivered:?}"
    );
    std::fs::remove_file(secret_file).unwrap();
}
