//! A `reqwest::Client` the caller brought (the `reqwest` feature), used as
//! it is: its pool, its proxy, its TLS.

use hyper::body::Bytes;
use progress_model::Error;

use crate::failure::{failure, mentions};

/// Sends the request and returns the answer with its body unread. A
/// redirect the client followed anyway is an error, never the answer.
pub(crate) async fn start(
    client: &reqwest::Client,
    request: http::Request<Vec<u8>>,
) -> Result<reqwest::Response, Error> {
    let (parts, body) = request.into_parts();
    let url = reqwest::Url::parse(&parts.uri.to_string())
        .map_err(|error| Error::Config(format!("cannot send to this URL: {error}")))?;
    let mut request = client
        .request(parts.method, url.clone())
        .headers(parts.headers);
    if !body.is_empty() {
        request = request.body(body);
    }
    let response = request
        .send()
        .await
        .map_err(|error| reqwest_failure(url.as_str(), error))?;
    // Compared as parsed URLs: `LOCALHOST` and `localhost:80` are the same place.
    if *response.url() != url {
        // A client the caller brought may follow redirects; we never report
        // where one led as if it were the answer.
        return Err(Error::redirect(
            response.status().as_u16(),
            Some(response.url().to_string()),
            None,
        ));
    }
    Ok(response)
}

/// The next piece of the body; `None` at its end.
pub(crate) async fn next_chunk(
    response: &mut reqwest::Response,
    url: &str,
) -> Result<Option<Bytes>, Error> {
    response
        .chunk()
        .await
        .map_err(|error| reqwest_failure(url, error))
}

/// What reqwest tells only through its own error, then what any stack tells
/// ([`failure`]); reqwest's errors name the URL but never the headers, so
/// their text is safe.
fn reqwest_failure(url: &str, error: reqwest::Error) -> Error {
    let failed = if error.is_builder() {
        return Error::Config(format!("cannot send to {url}: {error}"));
    } else if error.is_timeout() {
        // The caller's client's own timeout.
        Error::timeout(url)
    } else if mentions(&error, "proxy authorization required") {
        // reqwest's tunnel tells a 407 only in its text, and no other status.
        Error::tunnel_refused(url, 407)
    } else if error.is_connect() || error.is_request() || error.is_body() {
        return failure(url, error.into());
    } else {
        Error::transport(url)
    };
    failed.caused_by(error)
}
