//! From settings, job id and token to the HTTP request.

use http::{Method, Request, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{AccessToken, Error, JobId, Settings};

/// Everything but RFC 3986's unreserved characters is encoded, so an id stays one
/// path segment whatever it holds.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Settings {
    /// The progress URL of a job: `{base}/{service}/jobs/{id}/progress`.
    pub fn progress_url(&self, job: &JobId) -> String {
        let id = utf8_percent_encode(job.as_str(), PATH_SEGMENT);
        format!(
            "{}/{}/jobs/{id}/progress",
            self.base_url.as_str(),
            self.service.path()
        )
    }

    /// The request for a job's progress, with its three headers.
    pub fn progress_request(&self, job: &JobId, token: &AccessToken) -> Result<Request<()>, Error> {
        Request::builder()
            .method(Method::GET)
            .uri(self.progress_url(job))
            .header(header::AUTHORIZATION, token.header_value()?)
            .header(header::ACCEPT, self.accept())
            .header(header::USER_AGENT, self.user_agent())
            .body(())
            .map_err(|error| Error::Config(format!("cannot build the request: {error}")))
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
