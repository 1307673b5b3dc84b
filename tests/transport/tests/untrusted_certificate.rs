//! An untrusted certificate is a TLS error in both clients, and final: a watch
//! ends at once instead of retrying what waiting cannot fix. Run once with the
//! default TLS (rustls) and once with `--features native-tls`.

mod tls_server;

use progress_model::{Error, ErrorKind};
use tls_server::UntrustedTlsServer;

/// Watches a job on a server no client trusts.
fn watch_blocking(base_url: &str) -> Error {
    let client = progress_ureq::Client::builder()
        .base_url(base_url)
        .token("tok")
        .sleeper(|_| {})
        .build()
        .unwrap();
    client.wait("job").unwrap_err()
}

fn watch_async(base_url: &str) -> Error {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = progress_reqwest::Client::builder()
            .base_url(base_url)
            .token("tok")
            .sleeper(|_| async {})
            .build()
            .unwrap();
        client.wait("job").await.unwrap_err()
    })
}

fn assert_final_tls_failure(client: &str, error: &Error, server: &UntrustedTlsServer) {
    assert_eq!(error.kind(), ErrorKind::Tls, "{client}: {error}");
    assert!(!error.is_transient(), "{client}: {error}");
    assert_eq!(
        server.connections(),
        1,
        "{client}: the TLS failure was retried"
    );
}

#[test]
fn the_blocking_client_ends_a_watch_at_an_untrusted_certificate() {
    let server = UntrustedTlsServer::start();
    let error = watch_blocking(&server.base_url);
    assert_final_tls_failure("blocking", &error, &server);
}

#[test]
fn the_async_client_ends_a_watch_at_an_untrusted_certificate() {
    let server = UntrustedTlsServer::start();
    let error = watch_async(&server.base_url);
    assert_final_tls_failure("async", &error, &server);
}
