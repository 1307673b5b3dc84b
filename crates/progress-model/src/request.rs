//! From settings, job id and token to the HTTP request.

use std::sync::Arc;

use http::{HeaderValue, Method, Request, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::authorization::LastAuthorization;
use crate::redact::SecretForms;
use crate::{AccessToken, Error, JobId, Settings};

/// Everything but RFC 3986's unreserved characters is encoded, so an id stays one
/// path segment whatever it holds.
pub(crate) const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Settings {
    /// The progress URL of a job: `{base}/{service}/jobs/{id}/progress`.
    pub fn progress_url(&self, job: &JobId) -> String {
        job_url(&url_prefix(self), job)
    }

    /// The request for a job's progress, with its three headers.
    pub fn progress_request(&self, job: &JobId, token: &AccessToken) -> Result<Request<()>, Error> {
        RequestTemplate::new(self)?
            .request(job, token)
            .map(|(request, _)| request)
    }
}

/// `{base}/{service}/jobs/`: what the URLs of all jobs start with.
fn url_prefix(settings: &Settings) -> String {
    format!(
        "{}/{}/jobs/",
        settings.base_url.as_str(),
        settings.service.path()
    )
}

/// `{prefix}{id}/progress`, the id one percent-encoded path segment.
fn job_url(prefix: &str, job: &JobId) -> String {
    const SUFFIX: &str = "/progress";
    // Room for an id that needs no encoding (the usual one): one allocation.
    let mut url = String::with_capacity(prefix.len() + job.as_str().len() + SUFFIX.len());
    url.push_str(prefix);
    url.extend(utf8_percent_encode(job.as_str(), PATH_SEGMENT));
    url.push_str(SUFFIX);
    url
}

/// What every request of a client has in common, rendered once when the client
/// is built rather than at every poll: the URL up to the job id, the
/// `Accept` and `User-Agent` header values, and the `Authorization` value of
/// the token last sent.
#[derive(Debug, Clone)]
pub(crate) struct RequestTemplate {
    /// `{base}/{service}/jobs/`.
    url_prefix: String,
    accept: HeaderValue,
    user_agent: HeaderValue,
    authorization: LastAuthorization,
}

impl RequestTemplate {
    pub(crate) fn new(settings: &Settings) -> Result<Self, Error> {
        let header = |value: String, what: &str| {
            HeaderValue::try_from(value)
                .map_err(|_| Error::Config(format!("the {what} cannot be sent in a header")))
        };
        Ok(Self {
            url_prefix: url_prefix(settings),
            accept: header(settings.accept(), "Accept version")?,
            user_agent: header(settings.user_agent(), "User-Agent suffix")?,
            authorization: LastAuthorization::default(),
        })
    }

    /// The progress URL of `job`.
    pub(crate) fn url(&self, job: &JobId) -> String {
        job_url(&self.url_prefix, job)
    }

    /// The request for `job`'s progress, signed with `token`, and the forms
    /// of `token` to scrub from its answer.
    pub(crate) fn request(
        &self,
        job: &JobId,
        token: &AccessToken,
    ) -> Result<(Request<()>, Arc<SecretForms>), Error> {
        let (authorization, forms) = self.authorization.value(token)?;
        let request = Request::builder()
            .method(Method::GET)
            .uri(self.url(job))
            .header(header::AUTHORIZATION, authorization)
            .header(header::ACCEPT, self.accept.clone())
            .header(header::USER_AGENT, self.user_agent.clone())
            .body(())
            .map_err(|error| Error::Config(format!("cannot build the request: {error}")))?;
        Ok((request, forms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiVersion, Service};

    fn request(id: &str, settings: &Settings) -> Request<()> {
        let job = JobId::new(id).unwrap();
        settings
            .progress_request(&job, &AccessToken::new("Bearer tok"))
            .unwrap()
    }

    #[test]
    fn ids_are_one_encoded_path_segment() {
        let settings = Settings::default();
        let cases = [
            ("abc-123", "/reality-modeling/jobs/abc-123/progress"),
            ("a b", "/reality-modeling/jobs/a%20b/progress"),
            ("a/b", "/reality-modeling/jobs/a%2Fb/progress"),
            ("a?b#c", "/reality-modeling/jobs/a%3Fb%23c/progress"),
            ("jöb", "/reality-modeling/jobs/j%C3%B6b/progress"),
            ("...", "/reality-modeling/jobs/.../progress"),
        ];
        for (id, path) in cases {
            let request = request(id, &settings);
            assert_eq!(request.uri().path(), path, "{id:?}");
            assert_eq!(request.uri().query(), None);
        }
    }

    #[test]
    fn the_default_accept_version_follows_the_service() {
        let v1 = "application/vnd.bentley.itwin-platform.v1+json";
        let v2 = "application/vnd.bentley.itwin-platform.v2+json";
        let cases = [
            ("reality-modeling", v2),
            ("reality-analysis", v2),
            ("reality-conversion", v2),
            ("contextcapture", v1),
            ("realityconversion", v1),
            ("realitydataanalysis", v1),
            ("my-gateway/reality-modeling", v1),
        ];
        for (service, accept) in cases {
            let mut settings = Settings::default();
            settings.service = Service::parse(service);
            let request = request("j", &settings);
            assert_eq!(request.headers()[header::ACCEPT], accept, "{service}");
        }
        let mut settings = Settings::default();
        settings.api_version = Some(ApiVersion::V1);
        let request = request("j", &settings);
        assert_eq!(
            request.headers()[header::ACCEPT],
            v1,
            "the caller's choice wins"
        );
    }

    #[test]
    fn carries_the_three_headers() {
        let mut settings = Settings::default();
        settings.api_version = Some(ApiVersion::V2);
        settings.service = Service::ContextCapture;
        settings.user_agent_suffix = Some("demo/1".into());
        settings.set_base_url("http://127.0.0.1:9/prefix/");
        let request = request("j", &settings.check().unwrap());
        assert_eq!(
            request.uri().to_string(),
            "http://127.0.0.1:9/prefix/contextcapture/jobs/j/progress"
        );
        let headers = request.headers();
        assert_eq!(headers[header::AUTHORIZATION], "Bearer tok");
        assert_eq!(
            headers[header::ACCEPT],
            "application/vnd.bentley.itwin-platform.v2+json"
        );
        let agent = headers[header::USER_AGENT].to_str().unwrap();
        assert!(agent.starts_with("itwin-job-progress/") && agent.ends_with(" demo/1"));
    }
}
