//! Both clients behind a real forward proxy (tinyproxy) on loopback, in front
//! of a TLS server whose certificate comes from a company root: they reach it
//! through `HTTPS_PROXY` / `ALL_PROXY` in a `CONNECT` tunnel, bypass it for
//! `NO_PROXY`, authenticate with the URL's credentials without ever showing
//! them, and keep their rules (no redirect followed, the token only inside
//! the tunnel) on the way.
//!
//! Proxies come from the environment, which a test cannot set for itself
//! without `unsafe`; so each test runs this binary again as a child with the
//! variables set, and the child sends the requests and prints what happened.

use std::process::Command;

use progress_transport_tests::ca_server::{CaTlsServer, PROGRESS};
use progress_transport_tests::forward_proxy::Tinyproxy;

/// Set in the child: the base URL, the root to trust, the job to ask about.
const CHILD_BASE_URL: &str = "PROGRESS_TEST_PROXY_BASE_URL";
const CHILD_CA_PEM: &str = "PROGRESS_TEST_PROXY_CA_PEM";
const CHILD_JOB: &str = "PROGRESS_TEST_PROXY_JOB";
/// Set in the child: a proxy to give the builders (`off` for `no_proxy()`).
const CHILD_BUILDER_PROXY: &str = "PROGRESS_TEST_PROXY_BUILDER";

/// Long enough that finding it anywhere means it leaked.
const TOKEN: &str = "eyJ-a-token-long-enough-to-spot-0123456789";

/// What the child printed (stdout and stderr), one line per client.
struct Run {
    output: String,
}

impl Run {
    fn line(&self, client: &str) -> &str {
        self.output
            .lines()
            .find(|line| line.starts_with(&format!("{client}: ")))
            .unwrap_or_else(|| panic!("no line for {client}: {}", self.output))
    }

    fn assert_both_ok(&self) {
        for client in ["blocking", "async"] {
            assert_eq!(
                self.line(client),
                format!("{client}: ok 42"),
                "{}",
                self.output
            );
        }
    }
}

/// Runs both clients in a child with these variables (and no other proxy variable).
fn run_child(server: &CaTlsServer, job: &str, vars: &[(&str, &str)]) -> Run {
    run_child_at(&server.base_url, &server.ca_pem, job, vars)
}

/// [`run_child`] for any base URL, trusting `ca_pem` too.
fn run_child_at(base_url: &str, ca_pem: &str, job: &str, vars: &[(&str, &str)]) -> Run {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "child_asks_with_both_clients", "--nocapture"])
        .env(CHILD_BASE_URL, base_url)
        .env(CHILD_CA_PEM, ca_pem)
        .env(CHILD_JOB, job);
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        CHILD_BUILDER_PROXY,
    ] {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let child = command.output().unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    assert!(child.status.success(), "{output}");
    Run { output }
}

fn authority(server: &CaTlsServer) -> String {
    format!("localhost:{}", server.port)
}

#[test]
fn both_clients_tunnel_through_https_proxy_and_the_token_stays_inside() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    let run = run_child(&server, "job", &[("HTTPS_PROXY", &proxy.url)]);
    run.assert_both_ok();
    assert_eq!(proxy.connects_to(&authority(&server)), 2, "{}", proxy.log());
    let heads = server.heads();
    assert_eq!(heads.len(), 2);
    for head in &heads {
        assert!(head.contains(&format!("Bearer {TOKEN}")), "{head}");
    }
    assert!(!proxy.log().contains(TOKEN), "the proxy saw the token");
    assert!(!run.output.contains(TOKEN), "{}", run.output);
}

#[test]
fn all_proxy_in_lower_case_is_honoured_too() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    let run = run_child(&server, "job", &[("all_proxy", &proxy.url)]);
    run.assert_both_ok();
    assert_eq!(proxy.connects_to(&authority(&server)), 2, "{}", proxy.log());
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    let run = run_child(
        &server,
        "job",
        &[
            ("HTTPS_PROXY", &proxy.url),
            ("NO_PROXY", "example.org,localhost"),
        ],
    );
    run.assert_both_ok();
    assert_eq!(proxy.connects_to(&authority(&server)), 0, "{}", proxy.log());
    assert_eq!(server.heads().len(), 2);
}

/// Issue 19: `*.name` and `host:port` entries matched nothing, so the
/// request went through the proxy. An entry for another port does not exempt.
#[test]
fn no_proxy_takes_wildcards_and_ports_as_curl_users_write_them() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    for list in [
        "*.localhost".to_owned(),
        format!("example.org, localhost:{}", server.port),
    ] {
        let vars = [("HTTPS_PROXY", proxy.url.as_str()), ("NO_PROXY", &list)];
        run_child(&server, "job", &vars).assert_both_ok();
        assert_eq!(
            proxy.connects_to(&authority(&server)),
            0,
            "{list}: {}",
            proxy.log()
        );
    }
    let other_port = format!("localhost:{}", server.port.wrapping_add(1));
    let vars = [
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("NO_PROXY", &other_port),
    ];
    run_child(&server, "job", &vars).assert_both_ok();
    assert_eq!(proxy.connects_to(&authority(&server)), 2, "{}", proxy.log());
}

#[test]
fn the_builder_s_no_proxy_wins_over_the_environment() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    let run = run_child(
        &server,
        "job",
        &[("HTTPS_PROXY", &proxy.url), (CHILD_BUILDER_PROXY, "off")],
    );
    run.assert_both_ok();
    assert_eq!(proxy.connects_to(&authority(&server)), 0, "{}", proxy.log());
}

#[test]
fn the_builder_s_proxy_is_used_without_any_variable() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    let run = run_child(&server, "job", &[(CHILD_BUILDER_PROXY, &proxy.url)]);
    run.assert_both_ok();
    assert_eq!(proxy.connects_to(&authority(&server)), 2, "{}", proxy.log());
}

#[test]
fn a_proxy_asking_for_credentials_gets_them_and_they_never_show() {
    let proxy = Tinyproxy::start(Some(("alice", "pr0xy-pass-word")));
    let server = CaTlsServer::start();
    let with_credentials = proxy
        .url
        .replace("http://", "http://alice:pr0xy-pass-word@");
    let run = run_child(&server, "job", &[("HTTPS_PROXY", &with_credentials)]);
    run.assert_both_ok();
    assert_eq!(proxy.connects_to(&authority(&server)), 2, "{}", proxy.log());
    assert!(!run.output.contains("pr0xy-pass-word"), "{}", run.output);

    // Refused (a 407): final, not a network failure to retry, and the error
    // says it is the proxy's authentication and names the proxy, still
    // without the password.
    let wrong = proxy
        .url
        .replace("http://", "http://alice:wr0ng-pass-word@");
    let run = run_child(&server, "job", &[("HTTPS_PROXY", &wrong)]);
    let named = format!(
        "through the proxy http://<redacted>@127.0.0.1:{}",
        proxy.port
    );
    for client in ["blocking", "async"] {
        let line = run.line(client);
        assert!(
            line.starts_with(&format!("{client}: error ProxyAuth")),
            "{}",
            run.output
        );
        assert!(line.contains("proxy refused its authentication"), "{line}");
        assert!(line.contains(&named), "{line}");
    }
    assert!(!run.output.contains("wr0ng-pass-word"), "{}", run.output);
    assert_eq!(
        server.heads().len(),
        2,
        "only the first run reached the server"
    );
}

#[test]
fn a_redirect_through_the_proxy_is_still_not_followed() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    let run = run_child(&server, "moved", &[("HTTPS_PROXY", &proxy.url)]);
    for client in ["blocking", "async"] {
        let line = run.line(client);
        assert!(
            line.starts_with(&format!("{client}: error Redirect")),
            "{}",
            run.output
        );
        assert!(line.contains("elsewhere.example"), "{line}");
    }
    assert_eq!(server.heads().len(), 2);
    assert_eq!(
        proxy.connects_to("elsewhere.example:443"),
        0,
        "{}",
        proxy.log()
    );
}

#[test]
fn clear_text_to_loopback_never_goes_through_the_proxy() {
    let proxy = Tinyproxy::start(None);
    let tls = CaTlsServer::start();
    let server = httpmock::MockServer::start();
    let progress = server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job/progress");
        then.status(200).body(PROGRESS);
    });
    let every_variable = [
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("HTTP_PROXY", proxy.url.as_str()),
        ("http_proxy", proxy.url.as_str()),
        ("ALL_PROXY", proxy.url.as_str()),
    ];
    for base_url in [
        server.base_url(),
        server.base_url().replacen("http://", "HTTP://", 1),
    ] {
        let run = run_child_at(&base_url, &tls.ca_pem, "job", &every_variable);
        run.assert_both_ok();
    }
    progress.assert_calls(4);
    // Any request would be logged as `Request (...)`; the one bare
    // connection logged is the harness's own check that the proxy listens.
    assert!(
        !proxy.log().contains("Request ("),
        "a clear-text request went to the proxy: {}",
        proxy.log()
    );
}

/// Issue 19: `ALL_PROXY=socks5h://...` or `HTTPS_PROXY=https://...` made
/// `build()` fail even for a client whose requests never go through a proxy.
#[test]
fn a_proxy_variable_the_clients_cannot_use_fails_only_requests_that_would_use_it() {
    let tls = CaTlsServer::start();
    let server = httpmock::MockServer::start();
    server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job/progress");
        then.status(200).body(PROGRESS);
    });
    let socks = [("ALL_PROXY", "socks5h://sam:s0cks-pass-word@proxy.corp:1080")];
    // Clear text to loopback: never through a proxy.
    run_child_at(&server.base_url(), &tls.ca_pem, "job", &socks).assert_both_ok();
    // Exempted by NO_PROXY.
    let exempt = [
        ("HTTPS_PROXY", "https://sam:s0cks-pass-word@proxy.corp:443"),
        ("NO_PROXY", "localhost"),
    ];
    run_child(&tls, "job", &exempt).assert_both_ok();
    // A request that would go through it: refused, naming the variable and
    // the proxies the clients can use, never the password.
    let run = run_child(&tls, "job", &socks);
    for client in ["blocking", "async"] {
        let line = run.line(client);
        assert!(
            line.starts_with(&format!("{client}: error Config")),
            "{}",
            run.output
        );
        assert!(line.contains("ALL_PROXY"), "{line}");
        assert!(line.contains("http://"), "{line}");
    }
    assert!(!run.output.contains("s0cks-pass-word"), "{}", run.output);
    assert_eq!(
        tls.heads().len(),
        2,
        "only the exempted run reached the server"
    );
}

/// The child's part: both clients, one request each, trusting the test root;
/// prints `CLIENT: ok PERCENT` or `CLIENT: error KIND: CHAIN`, and each
/// builder's and client's `Debug`. Does nothing unless run by a test above.
#[test]
fn child_asks_with_both_clients() {
    let (Ok(base_url), Ok(ca_pem), Ok(job)) = (
        std::env::var(CHILD_BASE_URL),
        std::env::var(CHILD_CA_PEM),
        std::env::var(CHILD_JOB),
    ) else {
        return;
    };
    let builder_proxy = std::env::var(CHILD_BUILDER_PROXY).ok();
    let report =
        |client: &str, outcome: Result<progress_model::Progress, progress_model::Error>| {
            match outcome {
                Ok(progress) => println!("{client}: ok {}", progress.percentage.unwrap_or(-1.0)),
                Err(error) => println!("{client}: error {:?}: {}", error.kind(), error.chain()),
            }
        };

    let mut blocking = progress_ureq::Client::builder()
        .base_url(&base_url)
        .token(TOKEN)
        .add_root_certificate(&ca_pem);
    match builder_proxy.as_deref() {
        Some("off") => blocking = blocking.no_proxy(),
        Some(url) => blocking = blocking.proxy(url),
        None => {}
    }
    println!("{blocking:?}");
    let blocking = blocking.build().unwrap();
    println!("{blocking:?}");
    report("blocking", blocking.progress(&job));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut asynchronous = progress_reqwest::Client::builder()
        .base_url(&base_url)
        .token(TOKEN)
        .add_root_certificate(&ca_pem);
    match builder_proxy.as_deref() {
        Some("off") => asynchronous = asynchronous.no_proxy(),
        Some(url) => asynchronous = asynchronous.proxy(url),
        None => {}
    }
    println!("{asynchronous:?}");
    let asynchronous = asynchronous.build().unwrap();
    println!("{asynchronous:?}");
    report("async", runtime.block_on(asynchronous.progress(&job)));
}
