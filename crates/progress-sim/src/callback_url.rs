//! Where a webhook's deliveries go: `https://` anywhere, `http://` only to
//! this machine (the rule the simulator applies for users' tests).

use std::net::IpAddr;

use http::Uri;

/// A checked callback URL, with what a delivery needs to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallbackUrl {
    /// As given, echoed in the API's answers.
    pub(crate) text: String,
    pub(crate) https: bool,
    /// `host:port`, brackets kept for IPv6: the `Host` header and what to
    /// connect to.
    pub(crate) authority: String,
    pub(crate) path_and_query: String,
}

impl CallbackUrl {
    /// `None` for anything but an absolute `https://` URL, or an `http://`
    /// one to `localhost` or a loopback address.
    pub(crate) fn parse(text: &str) -> Option<CallbackUrl> {
        let uri: Uri = text.parse().ok()?;
        let https = match uri.scheme_str()? {
            scheme if scheme.eq_ignore_ascii_case("https") => true,
            scheme if scheme.eq_ignore_ascii_case("http") => false,
            _ => return None,
        };
        let authority = uri.authority()?;
        if authority.as_str().contains('@') {
            return None;
        }
        let host = authority.host();
        if host.is_empty() || (!https && !is_loopback(host)) {
            return None;
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(CallbackUrl {
            text: text.to_owned(),
            https,
            authority: format!("{host}:{port}"),
            path_and_query: uri
                .path_and_query()
                .map_or("/".to_owned(), |path| path.as_str().to_owned()),
        })
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_loopback() {
        for (url, accepted) in [
            ("https://hooks.example.com/itwin", true),
            ("https://10.0.0.1:8443/", true),
            ("http://127.0.0.1:9000/hook", true),
            ("http://127.8.9.10/hook", true),
            ("http://localhost:9000/hook", true),
            ("http://[::1]:9000/hook", true),
            ("http://hooks.example.com/itwin", false),
            ("http://10.0.0.1/hook", false),
            ("http://127.0.0.1.example.com/", false),
            ("ftp://127.0.0.1/", false),
            ("/relative", false),
            ("https://user:pw@example.com/", false),
            ("", false),
        ] {
            assert_eq!(CallbackUrl::parse(url).is_some(), accepted, "{url}");
        }
    }

    #[test]
    fn keeps_what_a_delivery_needs() {
        let url = CallbackUrl::parse("http://[::1]:9000/a/b?c=d").unwrap();
        assert_eq!(url.authority, "[::1]:9000");
        assert_eq!(url.path_and_query, "/a/b?c=d");
        assert!(!url.https);
        let url = CallbackUrl::parse("http://localhost").unwrap();
        assert_eq!(
            (url.authority.as_str(), url.path_and_query.as_str()),
            ("localhost:80", "/")
        );
    }
}
