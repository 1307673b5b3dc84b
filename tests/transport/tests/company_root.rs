//! A server whose certificate comes from a company's own root (as behind a
//! proxy that inspects TLS): both clients refuse it by default with an error
//! that names the root and says how to trust it, and reach it once the root
//! is added, whichever root stores they are told to use. Run once with the
//! default TLS (rustls) and once with `--features native-tls`.


use progress_transport_tests::ca_server::{CA_NAME, CaTlsServer};
use progress_model::{Error, ErrorKind, Progress, Roots};

type Blocking = progress_ureq::ClientBuilder;
type Async = progress_reqwest::ClientBuilder;

fn blocking(server: &CaTlsServer, configure: impl FnOnce(Blocking) -> Blocking) -> Result<Progress, Error> {
    let builder = progress_ureq::Client::builder()
        .base_url(&server.base_url)
        .token("tok")
        .sleeper(|_| {});
    configure(builder).build()?.progress("job")
}

fn asynchronous(server: &CaTlsServer, configure: impl FnOnce(Async) -> Async) -> Result<Progress, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let builder = progress_reqwest::Client::builder()
            .base_url(&server.base_url)
            .token("tok")
            .sleeper(|_| async {});
        configure(builder).build()?.progress("job").await
    })
}

fn assert_refused_with_advice(client: &str, outcome: Result<Progress, Error>) {
    let error = outcome.expect_err(client);
    assert_eq!(error.kind(), ErrorKind::Tls, "{client}: {}", error.chain());
    let text = error.chain().to_string();
    // rustls tells which certificate it could not trust; the platform's
    // library (native-tls) says only that it could not.
    if cfg!(not(feature = "native-tls")) {
        assert!(text.contains(CA_NAME), "{client}: {text}");
        assert!(text.contains("add_root_certificate"), "{client}: {text}");
        assert!(text.contains("--ca-cert"), "{client}: {text}");
    }
}

#[test]
fn by_default_a_company_root_is_not_trusted_and_the_error_says_what_to_do() {
    let server = CaTlsServer::start();
    assert_refused_with_advice("blocking", blocking(&server, |b| b));
    assert_refused_with_advice("async", asynchronous(&server, |b| b));
    assert!(server.heads().is_empty(), "a request went out over untrusted TLS");
}

#[test]
fn an_added_root_is_trusted_beside_every_choice_of_root_stores() {
    let server = CaTlsServer::start();
    for roots in [Roots::Both, Roots::WebPki, Roots::Platform] {
        let pem = server.ca_pem.clone();
        let progress = blocking(&server, |b| b.tls_roots(roots).add_root_certificate(&pem))
            .unwrap_or_else(|error| panic!("blocking, {roots:?}: {}", error.chain()));
        assert_eq!(progress.percentage, Some(42.0));
        let progress = asynchronous(&server, |b| b.tls_roots(roots).add_root_certificate(&pem))
            .unwrap_or_else(|error| panic!("async, {roots:?}: {}", error.chain()));
        assert_eq!(progress.percentage, Some(42.0));
    }
    assert_eq!(server.heads().len(), 6);
}

#[test]
fn the_bundled_roots_alone_still_refuse_the_company_root() {
    let server = CaTlsServer::start();
    let outcome = blocking(&server, |b| b.tls_roots(Roots::WebPki));
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Tls);
    let outcome = asynchronous(&server, |b| b.tls_roots(Roots::WebPki));
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Tls);
}

#[test]
fn a_root_certificate_that_is_not_pem_fails_the_build() {
    let server = CaTlsServer::start();
    for error in [
        blocking(&server, |b| b.add_root_certificate("not a certificate")).unwrap_err(),
        asynchronous(&server, |b| b.add_root_certificate("not a certificate")).unwrap_err(),
    ] {
        assert_eq!(error.kind(), ErrorKind::Config, "{error}");
        assert!(error.to_string().contains("PEM"), "{error}");
    }
    assert!(server.heads().is_empty());
}
