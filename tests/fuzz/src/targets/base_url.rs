//! Base URLs: accepted only as `https://`, or `http://` to a loopback host;
//! kept in one normal form; always good for a request.

use std::net::IpAddr;

use progress_model::{AccessToken, BaseUrl, JobId, Settings};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Target;

/// `BaseUrl::new` and the request built on it.
#[derive(Debug)]
pub struct BaseUrls;

/// A URL assembled from pieces a caller might write, some of them wrong.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    url: String,
}

fn pieces() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(
        &[
            "https://",
            "http://",
            "HTTP://",
            "HtTpS://",
            "ftp://",
            "https:/",
            "",
            "http://user:pw@",
        ][..],
    );
    let host = prop_oneof![
        6 => prop::sample::select(&[
            "api.bentley.com", "127.0.0.1", "127.9.8.7", "localhost", "LOCALHOST", "[::1]", "[::ffff:127.0.0.1]",
            "10.0.0.1", "localhost.evil.com", "127.0.0.1.evil.com", "0.0.0.0", "[::]", "", "ex ample.com",
            "xn--bcher-kva.example", "127.1", "2130706433", "%31%32%37.0.0.1", "[fe80::1%25eth0]",
        ][..]).prop_map(str::to_owned),
        1 => "[a-z0-9.-]{0,12}",
    ];
    let port = prop_oneof![
        3 => Just(String::new()),
        2 => any::<u16>().prop_map(|port| format!(":{port}")),
        1 => prop::sample::select(&[":", ":99999", ":-1", ":0x50", ": 80"][..]).prop_map(str::to_owned),
    ];
    let path = prop::collection::vec(
        prop_oneof![
            3 => "[a-z0-9-]{1,6}",
            1 => prop::sample::select(&["", "..", "%2F", "é", " ", "?q=1", "#frag", "//", "\\"][..])
                .prop_map(str::to_owned),
        ],
        0..3,
    )
    .prop_map(|segments| {
        segments
            .iter()
            .map(|segment| format!("/{segment}"))
            .collect::<String>()
    });
    let trailing = prop::sample::select(&["", "/", "//", "?", "#", " "][..]);
    (scheme, host, port, path, trailing).prop_map(|(scheme, host, port, path, trailing)| {
        format!("{scheme}{host}{port}{path}{trailing}")
    })
}

impl Target for BaseUrls {
    const NAME: &'static str = "base-url";
    type Input = Input;

    fn strategy() -> BoxedStrategy<Input> {
        prop_oneof![
            9 => pieces(),
            1 => any::<String>(),
        ]
        .prop_map(|url| Input { url })
        .boxed()
    }

    fn check(input: &Input) -> Result<(), String> {
        let given = input.url.as_str();
        let base = match BaseUrl::new(given) {
            Ok(base) => base,
            Err(error) => {
                let shown = error.to_string();
                return if shown.chars().any(char::is_control) {
                    Err(format!("the refusal shows a control character: {shown:?}"))
                } else {
                    Ok(())
                };
            }
        };
        let url = base.as_str();
        let (scheme, _) = url
            .split_once("://")
            .ok_or_else(|| format!("{given:?} kept as {url:?}, with no scheme"))?;
        let uri: http::Uri = url
            .parse()
            .map_err(|_| format!("{given:?} kept as {url:?}, which is not a URI"))?;
        let host = uri.host().unwrap_or_default();
        match scheme {
            "https" if !base.is_cleartext() => {}
            "http" if base.is_cleartext() && is_loopback(host) => {}
            _ => {
                return Err(format!(
                    "{given:?} accepted as {url:?} (clear text: {})",
                    base.is_cleartext()
                ));
            }
        }
        if url.ends_with('/') || url.contains(['@', '?', '#']) || url != url.trim() {
            return Err(format!("{given:?} kept as {url:?}"));
        }
        if host.is_empty() {
            return Err(format!("{given:?} accepted with no host: {url:?}"));
        }
        match BaseUrl::new(url) {
            Ok(again) if again == base => {}
            again => return Err(format!("{url:?} reads back as {again:?}")),
        }
        let mut settings = Settings::default();
        settings.set_base_url(given);
        let settings = settings
            .check()
            .map_err(|error| format!("settings refuse the accepted {given:?}: {error}"))?;
        let job = JobId::new("job-1").map_err(|error| error.to_string())?;
        let request = settings
            .progress_request(&job, &AccessToken::new("t"))
            .map_err(|error| format!("no request on {url:?}: {error}"))?;
        let sent_host = request.uri().host().unwrap_or_default().to_owned();
        if host != sent_host {
            return Err(format!("the request on {url:?} goes to host {sent_host:?}"));
        }
        Ok(())
    }
}

/// Loopback, written here on its own: `localhost`, 127.0.0.0/8, `::1`.
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
