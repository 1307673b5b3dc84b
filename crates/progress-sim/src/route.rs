//! Recognising `/{service}/jobs/{id}/progress`, where the service may be several segments.
//!
//! The router's own path matching cannot put a wildcard before fixed
//! segments, and decoding the whole path first would turn an id holding `%2F`
//! into two segments. So the raw path is split here, and only then decoded.

use percent_encoding::percent_decode_str;

/// A request path that names a job's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JobRoute {
    /// The service path, decoded, without surrounding slashes; may be empty.
    pub(crate) service: String,
    /// The job id, decoded.
    pub(crate) job_id: String,
}

impl JobRoute {
    /// `None` when the path is not a progress route (or does not decode to UTF-8).
    pub(crate) fn parse(raw_path: &str) -> Option<JobRoute> {
        let rest = raw_path.strip_prefix('/')?.strip_suffix("/progress")?;
        let (before_id, raw_id) = rest.rsplit_once('/')?;
        let raw_service = match before_id.strip_suffix("/jobs") {
            Some(service) => service,
            None if before_id == "jobs" => "",
            None => return None,
        };
        if raw_id.is_empty() {
            return None;
        }
        Some(JobRoute {
            service: decode(raw_service)?.trim_matches('/').to_owned(),
            job_id: decode(raw_id)?,
        })
    }
}

fn decode(raw: &str) -> Option<String> {
    percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(service: &str, job_id: &str) -> Option<JobRoute> {
        Some(JobRoute {
            service: service.into(),
            job_id: job_id.into(),
        })
    }

    #[test]
    fn recognises_progress_paths_under_any_service() {
        assert_eq!(
            JobRoute::parse("/reality-modeling/jobs/abc/progress"),
            route("reality-modeling", "abc")
        );
        assert_eq!(
            JobRoute::parse("/custom/deep/path/jobs/abc/progress"),
            route("custom/deep/path", "abc")
        );
        assert_eq!(JobRoute::parse("/jobs/abc/progress"), route("", "abc"));
    }

    #[test]
    fn decodes_the_id_after_splitting() {
        assert_eq!(
            JobRoute::parse("/svc/jobs/a%2Fb%20c/progress"),
            route("svc", "a/b c")
        );
    }

    #[test]
    fn rejects_other_paths() {
        for path in [
            "/",
            "/svc/jobs//progress",
            "/svc/jobs/abc",
            "/svc/jobs/abc/progress/",
            "/svc/job/abc/progress",
            "/svc/xjobs/abc/progress",
            "/svc/jobs/%FF/progress",
        ] {
            assert_eq!(JobRoute::parse(path), None, "{path}");
        }
    }
}
