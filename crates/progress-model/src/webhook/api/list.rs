//! `GET /webhooks` page by page: each answer's webhooks, and the link to
//! the next page (`_links.next.href`, the iTwin APIs' paging) followed only
//! where the token may go.

use http::Uri;

use super::answer::read_page;
use super::{WebhooksApi, WebhooksError};
use crate::{AccessToken, HttpResponse};

/// The most pages one listing reads: past it, [`WebhooksError::TooManyPages`]
/// (a service answering `next` forever must not keep the client forever).
pub const MAX_PAGES: u32 = 100;

/// A list of webhooks being read: the request for the page to read next,
/// then its answer, until no page follows.
///
/// A `next` link is followed only when it is on the Webhooks API's own
/// scheme, host, port and path (the query may differ): the token goes
/// nowhere else.
///
/// ```
/// # // Hidden: the facade has these as `AccessToken`, `core::{HttpResponse,
/// # // Settings}` and `webhook::api::{ListStep, WebhooksApi}`.
/// # use progress_model::{AccessToken, HttpResponse, Settings};
/// # use progress_model::webhook::api::{ListStep, WebhooksApi};
/// let api = WebhooksApi::new(&Settings::default()).unwrap();
/// let token = AccessToken::new("tok");
/// let mut listing = api.listing();
/// let first = listing.request(&token).unwrap();
/// assert_eq!(first.uri(), "https://api.bentley.com/webhooks");
/// let body = r#"{"webhooks":[{"id":"a"}],
///     "_links":{"next":{"href":"https://api.bentley.com/webhooks?$continuationToken=x"}}}"#;
/// let answer = HttpResponse::new(200, Default::default(), body.into());
/// assert!(matches!(listing.read(answer, &token), Ok(ListStep::More)));
/// let second = listing.request(&token).unwrap();
/// assert_eq!(second.uri(), "https://api.bentley.com/webhooks?$continuationToken=x");
/// let answer = HttpResponse::new(200, Default::default(), br#"{"webhooks":[{"id":"b"}]}"#.to_vec());
/// let Ok(ListStep::Done(all)) = listing.read(answer, &token) else { panic!() };
/// assert_eq!(all.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Listing {
    api: WebhooksApi,
    /// The URL of the page to ask for next.
    next: String,
    /// Pages read so far.
    pages: u32,
    webhooks: Vec<super::Webhook>,
}

/// What a page's answer leaves to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListStep {
    /// Another page follows: send [`Listing::request`] again.
    More,
    /// That was the last page: every webhook, in the order listed.
    Done(Vec<super::Webhook>),
}

impl WebhooksApi {
    /// Reads the list of webhooks page by page; see [`Listing`].
    pub fn listing(&self) -> Listing {
        Listing {
            next: self.collection.clone(),
            api: self.clone(),
            pages: 0,
            webhooks: Vec::new(),
        }
    }
}

impl Listing {
    /// `GET` of the page to read next, with `token`.
    pub fn request(&self, token: &AccessToken) -> Result<http::Request<Vec<u8>>, WebhooksError> {
        self.api.get(self.next.clone(), token)
    }

    /// Reads the answer to [`request`](Self::request), sent with
    /// `sent_with`: its webhooks are kept, and its `next` link, checked,
    /// is the page to ask for next.
    pub fn read(
        &mut self,
        response: HttpResponse,
        sent_with: &AccessToken,
    ) -> Result<ListStep, WebhooksError> {
        let (webhooks, next) = read_page(response, sent_with)?;
        self.pages += 1;
        self.webhooks.extend(webhooks);
        let Some(next) = next else {
            return Ok(ListStep::Done(std::mem::take(&mut self.webhooks)));
        };
        if self.pages >= MAX_PAGES {
            return Err(WebhooksError::TooManyPages { pages: self.pages });
        }
        self.next = same_place(&self.api.collection, &next)?;
        Ok(ListStep::More)
    }
}

/// `next` when it is on `collection`'s scheme, host, port and path (with or
/// without a final `/`), its fragment dropped; otherwise the error naming
/// the host it points to.
fn same_place(collection: &str, next: &str) -> Result<String, WebhooksError> {
    let invalid = || WebhooksError::InvalidResponse {
        status: 200,
        reason: "the next page's link is not an absolute http(s) URL".into(),
    };
    let next = next.split('#').next().unwrap_or_default();
    let link: Uri = next.parse().map_err(|_| invalid())?;
    let own: Uri = collection.parse().map_err(|_| invalid())?;
    let (Some(scheme), Some(host)) = (link.scheme_str(), link.host()) else {
        return Err(invalid());
    };
    let port = |uri: &Uri| {
        uri.port_u16().or(match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => Some(443),
            Some(s) if s.eq_ignore_ascii_case("http") => Some(80),
            _ => None,
        })
    };
    let path = link.path().strip_suffix('/').unwrap_or(link.path());
    let same = own
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        && own.host().is_some_and(|h| h.eq_ignore_ascii_case(host))
        && port(&own) == port(&link)
        && path == own.path();
    if same {
        Ok(next.to_owned())
    } else {
        Err(WebhooksError::ForeignNextPage {
            host: crate::internal::escape_controls(host),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;

    fn listing() -> Listing {
        let mut settings = Settings::default();
        settings.set_base_url("http://127.0.0.1:8080/root");
        WebhooksApi::new(&settings.check().unwrap())
            .unwrap()
            .listing()
    }

    fn page(ids: &[&str], next: Option<&str>) -> HttpResponse {
        let webhooks: Vec<_> = ids
            .iter()
            .map(|id| serde_json::json!({ "id": id }))
            .collect();
        let mut body = serde_json::json!({ "webhooks": webhooks });
        if let Some(next) = next {
            body["_links"] = serde_json::json!({ "next": { "href": next } });
        }
        HttpResponse::new(200, Default::default(), body.to_string().into_bytes())
    }

    fn token() -> AccessToken {
        AccessToken::new("tok-1234567890")
    }

    #[test]
    fn pages_are_followed_on_the_same_origin_and_path() {
        let mut listing = listing();
        let next = [
            "http://127.0.0.1:8080/root/webhooks?$continuationToken=a",
            "HTTP://127.0.0.1:8080/root/webhooks/?$top=2&$continuationToken=b#x",
        ];
        for (n, href) in next.iter().enumerate() {
            let step = listing.read(page(&[&n.to_string()], Some(href)), &token());
            assert_eq!(step.unwrap(), ListStep::More);
            let request = listing.request(&token()).unwrap();
            assert_eq!(
                request.uri().to_string(),
                href.split('#').next().unwrap().replace("HTTP", "http")
            );
        }
        let Ok(ListStep::Done(all)) = listing.read(page(&["2"], None), &token()) else {
            panic!("not done");
        };
        let ids: Vec<_> = all.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["0", "1", "2"]);
    }

    #[test]
    fn a_link_elsewhere_is_refused_naming_its_host() {
        let cases = [
            ("https://127.0.0.1:8080/root/webhooks?x", "127.0.0.1"),
            ("http://evil.example:8080/root/webhooks", "evil.example"),
            ("http://127.0.0.1:8081/root/webhooks", "127.0.0.1"),
            ("http://127.0.0.1/root/webhooks", "127.0.0.1"),
            ("http://127.0.0.1:8080/root/webhooks/other", "127.0.0.1"),
            ("http://127.0.0.1:8080/elsewhere?x", "127.0.0.1"),
            (
                "http://user@evil.example:8080/root/webhooks",
                "evil.example",
            ),
        ];
        for (href, host) in cases {
            let error = listing()
                .read(page(&["a"], Some(href)), &token())
                .unwrap_err();
            assert!(
                matches!(&error, WebhooksError::ForeignNextPage { host: h } if h == host),
                "{href}: {error:?}"
            );
            assert!(error.to_string().contains(host), "{error}");
        }
        for href in [
            "/root/webhooks?x",
            "webhooks",
            "ftp://127.0.0.1:8080/root/webhooks",
        ] {
            let error = listing()
                .read(page(&["a"], Some(href)), &token())
                .unwrap_err();
            assert!(
                matches!(
                    error,
                    WebhooksError::InvalidResponse { .. } | WebhooksError::ForeignNextPage { .. }
                ),
                "{href}: {error:?}"
            );
        }
    }

    #[test]
    fn a_list_that_never_ends_stops_at_the_bound() {
        let mut listing = listing();
        let href = "http://127.0.0.1:8080/root/webhooks?$continuationToken=same";
        for _ in 1..MAX_PAGES {
            assert_eq!(
                listing.read(page(&["a"], Some(href)), &token()).unwrap(),
                ListStep::More
            );
        }
        let error = listing
            .read(page(&["a"], Some(href)), &token())
            .unwrap_err();
        assert!(
            matches!(error, WebhooksError::TooManyPages { pages: MAX_PAGES }),
            "{error:?}"
        );
    }
}
