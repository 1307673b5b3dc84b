//! `POST /connect/token`: the client-credentials grant, its errors, and the
//! tokens it issues as the progress endpoint sees them.

mod common;

use common::{Reply, get, post_token, send, start_manual};

const JOB: &str = "/reality-modeling/jobs/job-1/progress";

const SCENARIO: &str = r#"{
    "oauth": {
        "clients": {
            "service-a": { "secret": "s3cret" },
            "app:one": { "secret": "p@ss word", "scopes": ["itwin-platform", "projects:read"] }
        },
        "token_lifetime_seconds": 3600
    },
    "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active", "percentage": 5 } ] } }
}"#;

const GRANT: &str = "grant_type=client_credentials&scope=itwin-platform";

fn oauth_error(reply: &Reply) -> String {
    reply.json()["error"]
        .as_str()
        .expect("an OAuth error body")
        .to_owned()
}

fn access_token(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["access_token"]
        .as_str()
        .expect("an access_token")
        .to_owned()
}

#[test]
fn basic_credentials_get_a_bearer_token_in_the_standard_answer() {
    let (sim, _clock) = start_manual(SCENARIO);
    let reply = post_token(&sim, Some("service-a:s3cret"), GRANT).unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["token_type"], "Bearer");
    assert_eq!(answer["expires_in"], 3600);
    assert_eq!(answer["scope"], "itwin-platform");
    assert!(!answer["access_token"].as_str().unwrap().is_empty());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));

    let token = access_token(&reply);
    assert_eq!(get(&sim, JOB, Some(&token)).unwrap().status, 200);
    assert_eq!(sim.token_requests(), 1);
    assert_eq!(sim.token_endpoint_served().ok, 1);
}

#[test]
fn credentials_are_form_decoded_from_basic_and_also_accepted_in_the_body() {
    let (sim, _clock) = start_manual(SCENARIO);
    // RFC 6749 §2.3.1: id and secret are form-encoded before Base64.
    let basic = post_token(&sim, Some("app%3Aone:p%40ss+word"), GRANT).unwrap();
    let in_body = post_token(
        &sim,
        None,
        "grant_type=client_credentials&client_id=app%3Aone&client_secret=p%40ss+word",
    )
    .unwrap();
    let first = access_token(&basic);
    let second = access_token(&in_body);
    assert_ne!(first, second, "every grant is a new token");
    assert_eq!(
        in_body.json()["scope"],
        "itwin-platform projects:read",
        "no scope asked: all the client's scopes"
    );
}

#[test]
fn a_wrong_secret_an_unknown_client_or_no_credentials_are_401_invalid_client() {
    let (sim, _clock) = start_manual(SCENARIO);
    let attempts = [
        post_token(&sim, Some("service-a:wrong"), GRANT).unwrap(),
        post_token(&sim, Some("nobody:s3cret"), GRANT).unwrap(),
        post_token(&sim, None, GRANT).unwrap(),
        post_token(
            &sim,
            None,
            "grant_type=client_credentials&client_id=service-a&client_secret=wrong",
        )
        .unwrap(),
    ];
    for reply in &attempts {
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(oauth_error(reply), "invalid_client");
        assert!(reply.json()["error_description"].is_string());
        assert_eq!(
            reply.header("www-authenticate"),
            Some(r#"Basic realm="progress-sim""#)
        );
    }
    assert_eq!(sim.token_requests(), 4);
    assert_eq!(sim.token_endpoint_served().rejected, 4);
}

#[test]
fn other_grants_and_scopes_beyond_the_clients_are_refused_as_section_5_2_says() {
    let (sim, _clock) = start_manual(SCENARIO);
    let password = post_token(&sim, Some("service-a:s3cret"), "grant_type=password").unwrap();
    assert_eq!(
        (password.status, oauth_error(&password).as_str()),
        (400, "unsupported_grant_type")
    );
    let scope = post_token(
        &sim,
        Some("service-a:s3cret"),
        "grant_type=client_credentials&scope=itwin-platform%20projects:read",
    )
    .unwrap();
    assert_eq!(
        (scope.status, oauth_error(&scope).as_str()),
        (400, "invalid_scope")
    );
    let subset = post_token(
        &sim,
        Some("app%3Aone:p%40ss+word"),
        "grant_type=client_credentials&scope=projects:read",
    )
    .unwrap();
    assert_eq!(subset.json()["scope"], "projects:read");
}

#[test]
fn malformed_requests_are_400_invalid_request_and_other_methods_405() {
    let (sim, _clock) = start_manual(SCENARIO);
    let requests = [
        // No grant_type.
        post_token(&sim, Some("service-a:s3cret"), "scope=itwin-platform").unwrap(),
        // A parameter twice.
        post_token(
            &sim,
            Some("service-a:s3cret"),
            "grant_type=client_credentials&grant_type=client_credentials",
        )
        .unwrap(),
        // Two ways of authenticating at once.
        post_token(
            &sim,
            Some("service-a:s3cret"),
            "grant_type=client_credentials&client_secret=s3cret",
        )
        .unwrap(),
        // Not a form.
        send(
            &sim,
            "POST",
            "/connect/token",
            &[("Content-Type", "application/json")],
            r#"{"grant_type":"client_credentials"}"#,
        )
        .unwrap(),
    ];
    for reply in &requests {
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(oauth_error(reply), "invalid_request");
    }
    let get = send(&sim, "GET", "/connect/token", &[], "").unwrap();
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), Some("POST"));
}

#[test]
fn a_token_holds_for_its_lifetime_in_simulated_seconds_then_is_401_invalid_token() {
    let (sim, clock) = start_manual(SCENARIO);
    let token = access_token(&post_token(&sim, Some("service-a:s3cret"), GRANT).unwrap());
    clock.advance(3599.0);
    assert_eq!(get(&sim, JOB, Some(&token)).unwrap().status, 200);
    clock.advance(1.0);
    let expired = get(&sim, JOB, Some(&token)).unwrap();
    assert_eq!(expired.status, 401);
    assert_eq!(expired.error_code(), "InvalidToken");
    assert!(
        expired.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    let unknown = get(&sim, JOB, Some("sim-at-made-up")).unwrap();
    assert_eq!(
        (unknown.status, unknown.error_code().as_str()),
        (401, "InvalidToken")
    );

    let fresh = access_token(&post_token(&sim, Some("service-a:s3cret"), GRANT).unwrap());
    assert_eq!(get(&sim, JOB, Some(&fresh)).unwrap().status, 200);
    assert_eq!(sim.token_requests(), 2);
}

#[test]
fn accepted_tokens_still_work_beside_issued_ones() {
    let (sim, _clock) = start_manual(
        r#"{
            "accepted_tokens": ["static-token"],
            "oauth": { "clients": { "c": { "secret": "s" } } },
            "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } }
        }"#,
    );
    assert_eq!(get(&sim, JOB, Some("static-token")).unwrap().status, 200);
    assert_eq!(get(&sim, JOB, Some("anything")).unwrap().status, 401);
}

#[test]
fn without_oauth_there_is_no_token_endpoint_and_any_token_works() {
    let (sim, _clock) = start_manual(
        r#"{ "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } } }"#,
    );
    let reply = post_token(&sim, Some("a:b"), GRANT).unwrap();
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "ResourceNotFound");
    assert_eq!(get(&sim, JOB, Some("anything")).unwrap().status, 200);
    assert_eq!(sim.token_requests(), 0);
}

#[test]
fn the_token_endpoint_has_seeded_faults_of_its_own() {
    let (sim, _clock) = start_manual(
        r#"{
            "oauth": {
                "clients": { "c": { "secret": "s" } },
                "faults": { "seed": 5, "server_error_rate": 0.5 }
            },
            "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } }
        }"#,
    );
    let statuses: Vec<u16> = (0..30)
        .map(|_| post_token(&sim, Some("c:s"), GRANT).unwrap().status)
        .collect();
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.iter().any(|status| *status >= 500), "{statuses:?}");
    let served = sim.token_endpoint_served();
    assert_eq!(served.ok + served.faults, 30);
    assert_eq!(sim.token_requests(), 30);
}

#[test]
fn the_token_endpoint_can_storm_429s_and_stall() {
    let (storming, _clock) = start_manual(
        r#"{
            "oauth": {
                "clients": { "c": { "secret": "s" } },
                "faults": { "seed": 1, "storm_seconds_rate": 1.0, "storm_retry_after_seconds": 3 }
            },
            "jobs": {}
        }"#,
    );
    let reply = post_token(&storming, Some("c:s"), GRANT).unwrap();
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("3"));
    assert_eq!(storming.token_endpoint_served().faults, 1);

    let (stalling, _clock) = start_manual(
        r#"{
            "oauth": {
                "clients": { "c": { "secret": "s" } },
                "faults": { "seed": 1, "stall_rate": 1.0, "stall_ms": 400 }
            },
            "jobs": {}
        }"#,
    );
    let started = std::time::Instant::now();
    let stalled = post_token(&stalling, Some("c:s"), GRANT);
    assert!(stalled.is_err(), "no answer at all: {stalled:?}");
    assert!(started.elapsed() >= std::time::Duration::from_millis(350));
}
