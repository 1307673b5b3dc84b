//! A TLS server on loopback whose certificate, made at start, no client trusts:
//! self-signed for `localhost` and `127.0.0.1`. It counts the connections that
//! try a handshake.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};

#[derive(Debug)]
pub struct UntrustedTlsServer {
    pub base_url: String,
    connections: Arc<AtomicUsize>,
}

impl UntrustedTlsServer {
    pub fn start() -> Self {
        let config = Arc::new(self_signed_config());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!(
            "https://localhost:{}",
            listener.local_addr().unwrap().port()
        );
        let connections = Arc::new(AtomicUsize::new(0));
        let accepted = connections.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                accepted.fetch_add(1, Ordering::SeqCst);
                let config = config.clone();
                thread::spawn(move || handshake(stream, config));
            }
        });
        Self {
            base_url,
            connections,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

#[allow(deprecated)] // ring: no post-quantum key exchange, which a test server does not need
fn self_signed_config() -> ServerConfig {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![certified.cert.der().clone()],
            PrivateKeyDer::Pkcs8(key),
        )
        .unwrap()
}

/// Plays the server's part of the handshake until the client gives up on it.
fn handshake(mut stream: TcpStream, config: Arc<ServerConfig>) {
    let mut connection = ServerConnection::new(config).unwrap();
    while connection.is_handshaking() {
        if connection.complete_io(&mut stream).is_err() {
            return;
        }
    }
}
