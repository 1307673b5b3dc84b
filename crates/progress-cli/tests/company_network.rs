//! The command behind a company network: a server whose certificate comes
//! from the company's own root, reached directly or through a real forward
//! proxy (tinyproxy). `--ca-cert` or SSL_CERT_FILE trusts the root,
//! `--proxy` or HTTPS_PROXY picks the proxy, and no credential is printed.

mod common;

use std::process::Output;

use common::{TOKEN, bare};
use progress_transport_tests::ca_server::{CA_NAME, CaTlsServer};
use progress_transport_tests::forward_proxy::Tinyproxy;

/// The command asking `server` once, with these arguments and variables.
fn get(server: &CaTlsServer, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = bare();
    command
        .env("ITWIN_ACCESS_TOKEN", TOKEN)
        .args(["--base-url", &server.base_url])
        .args(args)
        .args(["get", "job"]);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn shown(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The root certificate in a file, as a company hands it out.
fn ca_file(server: &CaTlsServer) -> tempfile_path::Path {
    tempfile_path::Path::with(&server.ca_pem)
}

/// A file removed when dropped (no crate needed for one file).
mod tempfile_path {
    pub struct Path(std::path::PathBuf);

    impl Path {
        pub fn with(contents: &str) -> Self {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let path = std::env::temp_dir()
                .join(format!("itwin-progress-ca-{}-{n}.pem", std::process::id()));
            std::fs::write(&path, contents).unwrap();
            Self(path)
        }

        pub fn as_str(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for Path {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[test]
fn an_untrusted_company_root_fails_with_what_to_do() {
    let server = CaTlsServer::start();
    let output = get(&server, &[], &[]);
    assert!(!output.status.success(), "{}", shown(&output));
    let text = shown(&output);
    assert!(text.contains("TLS"), "{text}");
    assert!(text.contains(CA_NAME), "{text}");
    assert!(text.contains("--ca-cert"), "{text}");
    assert!(server.heads().is_empty());
}

#[test]
fn ca_cert_trusts_the_company_root() {
    let server = CaTlsServer::start();
    let ca = ca_file(&server);
    let output = get(&server, &["--ca-cert", ca.as_str()], &[]);
    assert!(output.status.success(), "{}", shown(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("42"),
        "{}",
        shown(&output)
    );
    assert_eq!(server.heads().len(), 1);
}

#[test]
fn ssl_cert_file_trusts_the_company_root_too() {
    let server = CaTlsServer::start();
    let ca = ca_file(&server);
    let output = get(&server, &[], &[("SSL_CERT_FILE", ca.as_str())]);
    assert!(output.status.success(), "{}", shown(&output));
    assert_eq!(server.heads().len(), 1);
}

#[test]
fn a_missing_ca_cert_file_is_a_usage_error() {
    let server = CaTlsServer::start();
    let output = get(
        &server,
        &["--ca-cert", "/nonexistent/company-root.pem"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", shown(&output));
    assert!(
        shown(&output).contains("company-root.pem"),
        "{}",
        shown(&output)
    );
}

#[test]
fn through_https_proxy_the_proxy_sees_only_the_connect() {
    let proxy = Tinyproxy::start(None);
    let server = CaTlsServer::start();
    let ca = ca_file(&server);
    let output = get(
        &server,
        &["--ca-cert", ca.as_str()],
        &[("HTTPS_PROXY", &proxy.url)],
    );
    assert!(output.status.success(), "{}", shown(&output));
    assert_eq!(
        proxy.connects_to(&format!("localhost:{}", server.port)),
        1,
        "{}",
        proxy.log()
    );
    assert!(!proxy.log().contains(TOKEN));
}

#[test]
fn proxy_with_credentials_works_and_never_shows_them() {
    let proxy = Tinyproxy::start(Some(("carol", "cl1-pass-word")));
    let server = CaTlsServer::start();
    let ca = ca_file(&server);
    let url = proxy.url.replace("http://", "http://carol:cl1-pass-word@");
    let output = get(&server, &["--ca-cert", ca.as_str(), "--proxy", &url], &[]);
    assert!(output.status.success(), "{}", shown(&output));
    assert_eq!(
        proxy.connects_to(&format!("localhost:{}", server.port)),
        1,
        "{}",
        proxy.log()
    );
    assert!(
        !shown(&output).contains("cl1-pass-word"),
        "{}",
        shown(&output)
    );

    let wrong = proxy
        .url
        .replace("http://", "http://carol:wr0ng-pass-word@");
    let output = get(&server, &["--ca-cert", ca.as_str(), "--proxy", &wrong], &[]);
    assert!(!output.status.success(), "{}", shown(&output));
    assert!(
        !shown(&output).contains("wr0ng-pass-word"),
        "{}",
        shown(&output)
    );
}

#[test]
fn a_proxy_it_cannot_use_is_a_usage_error_that_hides_the_password() {
    let server = CaTlsServer::start();
    let output = get(
        &server,
        &["--proxy", "socks5://dave:s0cks-pass-word@proxy:1080"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", shown(&output));
    let text = shown(&output);
    assert!(text.contains("http://"), "{text}");
    assert!(!text.contains("s0cks-pass-word"), "{text}");
}

#[test]
fn no_proxy_connects_directly_whatever_https_proxy_says() {
    let server = CaTlsServer::start();
    let ca = ca_file(&server);
    // Nothing listens on port 1: through the proxy, the request would fail.
    let dead_proxy = [("HTTPS_PROXY", "http://127.0.0.1:1")];
    let output = get(
        &server,
        &["--ca-cert", ca.as_str(), "--no-proxy"],
        &dead_proxy,
    );
    assert!(output.status.success(), "{}", shown(&output));
    assert!(!server.heads().is_empty());
}
