//! `itwin-progress webhooks`: create, list, activate and delete against the
//! simulated Webhooks API v2, with client credentials; no secret in any output.

mod common;

use common::{Run, as_application, bare, run, temp_file};
use progress_sim::{Scenario, Simulator};

const CLIENT_ID: &str = "hook-admin";
const CLIENT_SECRET: &str = "cli-Secret-hooks-77aa";

/// The simulated platform: an identity service that knows the application,
/// and the Webhooks API behind its tokens.
fn platform() -> Simulator {
    Simulator::builder(platform_scenario())
        .start_blocking()
        .unwrap()
}

fn platform_scenario() -> Scenario {
    Scenario::from_json(&format!(
        r#"{{ "oauth": {{ "clients": {{ "{CLIENT_ID}": {{ "secret": "{CLIENT_SECRET}", "scopes": ["itwin-platform"] }} }} }},
             "jobs": {{}} }}"#
    ))
    .unwrap()
}

/// `itwin-progress webhooks ARGS` as the application.
fn webhooks(sim: &Simulator, args: &[&str]) -> std::process::Command {
    let mut command = as_application(sim, CLIENT_ID, CLIENT_SECRET);
    command.arg("webhooks").args(args);
    command
}

/// Runs it, and checks that no secret of any kind is in its output.
fn run_hiding(command: &mut std::process::Command, webhook_secret: Option<&str>) -> Run {
    let run = run(command);
    for output in [&run.stdout, &run.stderr] {
        assert!(
            !output.contains(CLIENT_SECRET),
            "the client secret leaked: {output}"
        );
        assert!(!output.contains("sim-at-"), "a token leaked: {output}");
        if let Some(secret) = webhook_secret {
            assert!(
                !output.contains(secret),
                "the webhook secret leaked: {output}"
            );
        }
    }
    run
}

/// A path no file is at yet.
fn fresh_path(name: &str) -> std::path::PathBuf {
    let path = temp_file(name, "");
    std::fs::remove_file(&path).unwrap();
    path
}

#[test]
fn create_list_activate_and_delete_a_webhook() {
    let sim = platform();
    let secret_file = fresh_path("hook-secret");
    let callback = "http://127.0.0.1:9/itwin-hook";
    let created = run_hiding(
        webhooks(
            &sim,
            &["create", "--callback-url", callback, "--itwin-id", "twin-1"],
        )
        .arg("--secret-file")
        .arg(&secret_file),
        None,
    );
    assert_eq!(created.code, Some(0), "{created:?}");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    let secret = secret.trim();
    assert!(
        secret.len() >= 32,
        "a secret of {} characters",
        secret.len()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the secret file is readable by others");
    }
    for output in [&created.stdout, &created.stderr] {
        assert!(
            !output.contains(secret),
            "the webhook secret leaked: {output}"
        );
    }
    let (id, state) = created
        .stdout
        .trim()
        .split_once('\t')
        .expect("id and state");
    assert_eq!(state, "inactive");
    assert!(
        created.stderr.contains("webhooks activate"),
        "{}",
        created.stderr
    );

    let listed = run_hiding(&mut webhooks(&sim, &["list"]), Some(secret));
    assert_eq!(listed.code, Some(0), "{listed:?}");
    assert_eq!(
        listed.stdout,
        format!("{id}\tinactive\tiTwin:twin-1\trealityModeling.jobCompleted.v2\t{callback}\n")
    );

    let activated = run_hiding(&mut webhooks(&sim, &["activate", id]), Some(secret));
    assert_eq!(activated.code, Some(0), "{activated:?}");
    assert!(
        activated.stdout.starts_with(&format!("{id}\tactive\t")),
        "{activated:?}"
    );
    let listed = run_hiding(&mut webhooks(&sim, &["list"]), Some(secret));
    assert!(
        listed.stdout.starts_with(&format!("{id}\tactive\t")),
        "{listed:?}"
    );

    let deleted = run_hiding(&mut webhooks(&sim, &["delete", id]), Some(secret));
    assert_eq!(deleted.code, Some(0), "{deleted:?}");
    let listed = run_hiding(&mut webhooks(&sim, &["list"]), Some(secret));
    assert_eq!((listed.code, listed.stdout.as_str()), (Some(0), ""));
    std::fs::remove_file(secret_file).unwrap();
}

#[test]
fn list_reads_every_page() {
    let mut scenario = platform_scenario();
    scenario.webhook_page_size = Some(2);
    let sim = Simulator::builder(scenario).start_blocking().unwrap();
    let secret = "a-secret-for-every-page-0123456789abcdef";
    let secret_file = temp_file("paged-secret", secret);
    let mut created = Vec::new();
    for n in 0..5 {
        let callback = format!("https://hooks.example.com/{n}");
        let mut create = webhooks(&sim, &["create", "--callback-url", &callback]);
        let run = run_hiding(create.arg("--secret-file").arg(&secret_file), Some(secret));
        assert_eq!(run.code, Some(0), "{run:?}");
        created.push(run.stdout.split('\t').next().unwrap().to_owned());
    }
    let listed = run_hiding(&mut webhooks(&sim, &["list"]), Some(secret));
    assert_eq!(listed.code, Some(0), "{listed:?}");
    let ids: Vec<&str> = listed
        .stdout
        .lines()
        .map(|line| line.split('\t').next().unwrap())
        .collect();
    assert_eq!(ids, created, "three pages of two, two and one");
    std::fs::remove_file(secret_file).unwrap();
}

#[test]
fn an_existing_secret_file_is_used_and_the_events_follow_the_service() {
    let sim = platform();
    let secret = "my-own-webhook-secret-0123456789abcdef";
    let secret_file = temp_file("own-secret", &format!("{secret}\n"));
    let mut create = webhooks(
        &sim,
        &["create", "--callback-url", "https://hooks.example.com/x"],
    );
    let created = run_hiding(
        create
            .args(["--service", "reality-analysis"])
            .arg("--secret-file")
            .arg(&secret_file),
        Some(secret),
    );
    assert_eq!(created.code, Some(0), "{created:?}");
    // Kept as it was.
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap(),
        format!("{secret}\n")
    );
    let listed = run_hiding(&mut webhooks(&sim, &["list"]), Some(secret));
    assert!(
        listed.stdout.contains(
            "\tinactive\tAccount\trealityAnalysis.jobCompleted.v2\thttps://hooks.example.com/x\n"
        ),
        "{listed:?}"
    );
    std::fs::remove_file(secret_file).unwrap();
}

#[test]
fn a_short_secret_file_is_refused_before_anything_is_sent() {
    let sim = platform();
    let short = "only-twenty-chars-ab";
    let secret_file = temp_file("short-secret", short);
    let mut create = webhooks(
        &sim,
        &["create", "--callback-url", "https://hooks.example.com/x"],
    );
    let refused = run_hiding(create.arg("--secret-file").arg(&secret_file), Some(short));
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains("shorter than 32 characters"),
        "{}",
        refused.stderr
    );
    assert_eq!(sim.token_requests(), 0);
    std::fs::remove_file(secret_file).unwrap();
}

#[test]
fn deleting_an_unknown_webhook_says_so_with_the_platform_s_message() {
    let sim = platform();
    let missing = run_hiding(&mut webhooks(&sim, &["delete", "no-such-hook"]), None);
    assert_eq!(missing.code, Some(1), "{missing:?}");
    assert!(missing.stderr.starts_with("error: webhook not found (HTTP 404 WebhookNotFound: Requested webhook is not available."), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("  status: 404\n"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_webhook_the_platform_refuses_leaves_no_secret_file_behind() {
    let sim = platform();
    let secret_file = fresh_path("refused-secret");
    // The simulator, like the platform, takes http:// only to this machine.
    let mut create = webhooks(
        &sim,
        &["create", "--callback-url", "http://hooks.example.com/x"],
    );
    let refused = run_hiding(create.arg("--secret-file").arg(&secret_file), None);
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("HTTP 400 InvalidWebhookRequest: callbackUrl must be an absolute https URL"),
        "{}",
        refused.stderr
    );
    assert!(!secret_file.exists());
}

#[test]
fn only_a_service_application_may_manage_webhooks() {
    let sim = platform();
    let mut list = bare();
    list.args(["--base-url", &sim.base_url(), "webhooks", "list"])
        .env("ITWIN_ACCESS_TOKEN", "a-user-token-0123456789");
    let refused = run(&mut list);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("--client-id"), "{}", refused.stderr);
    assert!(
        !refused.stderr.contains("a-user-token"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_wrong_client_secret_is_the_identity_service_s_error() {
    let sim = platform();
    let mut list = webhooks(&sim, &["list"]);
    let refused = run_hiding(list.env("ITWIN_CLIENT_SECRET", "not-the-right-one"), None);
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("not-the-right-one"),
        "{}",
        refused.stderr
    );
}
