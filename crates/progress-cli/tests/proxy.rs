//! A proxy in the environment never sees a clear-text request: with an
//! `http://` (loopback) base URL the token would cross the network unencrypted.

mod common;

use std::net::TcpListener;

use common::{TOKEN, cli, forever, start};

#[test]
fn proxy_variables_are_ignored_for_a_cleartext_base_url() {
    let simulator = start(&forever("job-1", "success"));
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let output = cli(&simulator)
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .args(["get", "job-1"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(simulator.requests_for("job-1"), 1);
    // Non-blocking: an error here means nobody ever connected to the proxy.
    assert!(
        proxy.accept().is_err(),
        "the request went through the proxy"
    );
    let shown = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(!shown.contains(TOKEN));
}
