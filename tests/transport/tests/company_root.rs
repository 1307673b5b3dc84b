//! A server whose certificate comes from a company's own root (as behind a
//! proxy that inspects TLS): both clients refuse it by default with an error
//! that names the root and says how to trust it, and reach it once the root
//! is added, whichever root stores they are told to use. Run once with the
//! default TLS (rustls) and once with `--features native-tls`.

use progress_model::{Error, ErrorKind, Progress, Roots};
use progress_transport_tests::ca_server::{CA_NAME, CaTlsServer};

type Blocking = progress_ureq::ClientBuilder;
type Async = progress_reqwest::ClientBuilder;

fn blocking(
    server: &CaTlsServer,
    configure: impl FnOnce(Blocking) -> Blocking,
) -> Result<Progress, Error> {
    let builder = progress_ureq::Client::builder()
        .base_url(&server.base_url)
        .token("tok")
        .sleeper(|_| {});
    configure(builder).build()?.progress("job")
}

fn asynchronous(
    server: &CaTlsServer,
    configure: impl FnOnce(Async) -> Async,
) -> Result<Progress, Error> {
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
    assert!(text.contains("add_root_certificate"), "{client}: {text}");
    assert!(text.contains("--ca-cert"), "{client}: {text}");
    // rustls tells which certificate it could not trust; the platform's
    // library (native-tls) says only that it could not.
    if cfg!(not(feature = "native-tls")) {
        assert!(text.contains(CA_NAME), "{client}: {text}");
    }
}

#[test]
fn by_default_a_company_root_is_not_trusted_and_the_error_says_what_to_do() {
    let server = CaTlsServer::start();
    assert_refused_with_advice("blocking", blocking(&server, |b| b));
    assert_refused_with_advice("async", asynchronous(&server, |b| b));
    assert!(
        server.heads().is_empty(),
        "a request went out over untrusted TLS"
    );
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

/// The kind of a token provider's failure to reach the identity service, if
/// it did not reach it.
fn token_error_kind(error: progress_model::TokenError) -> Option<ErrorKind> {
    match *error.downcast::<progress_model::oauth::OAuthError>().ok()? {
        progress_model::oauth::OAuthError::Unreachable(error) => Some(error.kind()),
        _ => None,
    }
}

#[test]
fn the_token_providers_trust_an_added_root_too() {
    use progress_model::TokenProvider as _;
    use progress_reqwest::AsyncTokenProvider as _;

    let server = CaTlsServer::start();
    let token_url = format!("{}/connect/token", server.base_url);
    // The server answers with progress, not a token: past TLS, the answer is wrong.
    let blocking = |trusted: bool| {
        let mut builder =
            progress_ureq::ClientCredentials::builder("id", "secret").token_url(&token_url);
        if trusted {
            builder = builder.add_root_certificate(&server.ca_pem);
        }
        token_error_kind(builder.build().unwrap().token().unwrap_err())
    };
    assert_eq!(blocking(false), Some(ErrorKind::Tls));
    assert_ne!(blocking(true), Some(ErrorKind::Tls));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let asynchronous = |trusted: bool| {
        let mut builder =
            progress_reqwest::ClientCredentials::builder("id", "secret").token_url(&token_url);
        if trusted {
            builder = builder.add_root_certificate(&server.ca_pem);
        }
        let provider = builder.build().unwrap();
        token_error_kind(runtime.block_on(provider.token()).unwrap_err())
    };
    assert_eq!(asynchronous(false), Some(ErrorKind::Tls));
    assert_ne!(asynchronous(true), Some(ErrorKind::Tls));

    let token_requests = server
        .heads()
        .iter()
        .filter(|head| head.starts_with("POST /connect/token "))
        .count();
    assert_eq!(token_requests, 2, "one per trusting provider");
}
