//! A program that depends on this crate with its default features and builds
//! a reqwest client of its own. Depending on us must not break that client:
//! reqwest's rustls without a built-in provider (the only way to put it on
//! ring) would make every `reqwest::Client::new()` in the program panic for
//! want of a process-wide rustls provider.

#![cfg(feature = "async")]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// Answers one request on loopback with `hello`; returns the base URL.
fn answer_once() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
            line.clear();
        }
        let mut writer = stream;
        let _ = writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello");
    });
    base_url
}

#[tokio::test(flavor = "current_thread")]
async fn the_program_s_own_reqwest_client_still_works() {
    // Our client first, on its default https:// base URL, as a program would.
    let ours = itwin_job_progress::Client::builder().token("tok").build();
    assert!(ours.is_ok(), "{ours:?}");

    let base_url = answer_once();
    let theirs = reqwest::Client::new();
    let answer = theirs.get(&base_url).send().await.unwrap();
    assert_eq!(answer.text().await.unwrap(), "hello");

    // Nor did we choose the program's rustls provider for it.
    #[allow(deprecated)] // ring has no post-quantum key exchange; fine for a test
    let installed = rustls::crypto::ring::default_provider().install_default();
    assert!(installed.is_ok(), "a rustls provider was already installed");
}
