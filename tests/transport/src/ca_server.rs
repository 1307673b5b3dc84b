//! A progress server on loopback that speaks TLS with a certificate from a
//! company-like root made at start (rcgen, on ring): no client trusts it
//! until that root is added. It answers every request with one progress
//! body, except for the job `moved`, which it redirects elsewhere, and it
//! keeps each request's head so a test can see what arrived.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The name the root certificate gives itself, as a client's error should show it.
pub const CA_NAME: &str = "Example Corp Inspection Root";

/// What the server answers.
pub const PROGRESS: &str = r#"{"progress":{"percentage":42,"state":"active"}}"#;

/// The server; it runs until the test process ends.
#[derive(Debug)]
pub struct CaTlsServer {
    /// `https://localhost:PORT`
    pub base_url: String,
    /// Its port.
    pub port: u16,
    /// The root certificate, PEM: what a company hands out.
    pub ca_pem: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl CaTlsServer {
    /// Starts a server with a new root.
    pub fn start() -> Self {
        let (config, ca_pem) = config_signed_by_a_new_root();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = config.clone();
                let seen = seen.clone();
                thread::spawn(move || serve(stream, config, &seen));
            }
        });
        Self {
            base_url: format!("https://localhost:{port}"),
            port,
            ca_pem,
            heads,
        }
    }

    /// The heads of the requests that arrived (request line and headers).
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

/// A root, a server certificate it signs for `localhost` and `127.0.0.1`, and
/// the server's configuration; the root's PEM.
fn config_signed_by_a_new_root() -> (ServerConfig, String) {
    let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
    root.distinguished_name.push(DnType::CommonName, CA_NAME);
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let root_key = KeyPair::generate().unwrap();
    let root_cert = root.self_signed(&root_key).unwrap();
    let issuer = Issuer::new(root, root_key);

    let leaf =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let key = PrivatePkcs8KeyDer::from(leaf_key.serialize_der());
    #[allow(deprecated)] // ring: no post-quantum key exchange, which a test server does not need
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf_cert.der().clone()], PrivateKeyDer::Pkcs8(key))
            .unwrap();
    (config, pem(root_cert.der()))
}

/// A certificate as a PEM file holds it.
fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// Answers requests on one connection until the client closes it.
fn serve(stream: TcpStream, config: Arc<ServerConfig>, heads: &Mutex<Vec<String>>) {
    let connection = ServerConnection::new(config).unwrap();
    let mut tls = BufReader::new(StreamOwned::new(connection, stream));
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match tls.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => head.push_str(&line),
            }
        }
        let answer = if head.starts_with("GET ") && head.contains("/jobs/moved/") {
            "HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/steal\r\nContent-Length: 0\r\n\r\n"
                .to_owned()
        } else {
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{PROGRESS}",
                PROGRESS.len()
            )
        };
        heads.lock().unwrap().push(head);
        let stream = tls.get_mut();
        if stream
            .write_all(answer.as_bytes())
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}
