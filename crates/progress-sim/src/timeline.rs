//! One job's scripted life: which progress it reports at which simulated time.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// The scripted life of one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobTimeline {
    /// The service path this job lives under (e.g. `reality-modeling`, or a
    /// custom `a/b`), compared without leading or trailing slashes. `None`
    /// accepts the job under any service path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The key wrapping the progress object in a 200 body.
    #[serde(default)]
    pub wrapper: Wrapper,
    /// Which requests to this job (1-based, counting every request to the
    /// job's path) are answered with a 429 and `Retry-After: 1`, whatever the
    /// rate limit says. Handy for showing a client coping with one 429.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_limited_requests: Vec<u64>,
    /// The progress over time, in non-decreasing `at_seconds` order; at least one.
    pub points: Vec<TimelinePoint>,
}

/// The progress a job reports from a given simulated time on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelinePoint {
    /// Simulated seconds since the server started from which this point holds.
    pub at_seconds: f64,
    /// The percentage reported; absent from the body when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<f64>,
    /// The state reported, sent exactly as written (`active`, `Active`,
    /// `TerminatingOnCancel`, or anything else a client should cope with).
    pub state: String,
    /// The step reported; absent from the body when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// The key that wraps the progress object in a 200 body; the services differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Wrapper {
    /// `{"progress":{...}}`, as the API page and most services answer.
    #[default]
    Progress,
    /// `{"jobProgress":{...}}`, as the `contextcapture` service answers.
    JobProgress,
}

impl Wrapper {
    fn key(self) -> &'static str {
        match self {
            Wrapper::Progress => "progress",
            Wrapper::JobProgress => "jobProgress",
        }
    }
}

impl JobTimeline {
    /// The point in force at `simulated_seconds`: the last one whose
    /// `at_seconds` has been reached, or the first one before that.
    ///
    /// # Panics
    ///
    /// If the timeline has no points (a [`Scenario`](crate::Scenario) that
    /// passed validation always has some).
    pub fn point_at(&self, simulated_seconds: f64) -> &TimelinePoint {
        let reached = self
            .points
            .partition_point(|point| point.at_seconds <= simulated_seconds);
        &self.points[reached.saturating_sub(1)]
    }

    /// The 200 body this job answers at `simulated_seconds`.
    pub fn body_at(&self, simulated_seconds: f64) -> String {
        let point = self.point_at(simulated_seconds);
        let mut progress = Map::new();
        if let Some(percentage) = point.percentage {
            progress.insert("percentage".into(), json_number(percentage));
        }
        progress.insert("state".into(), Value::String(point.state.clone()));
        if let Some(step) = &point.step {
            progress.insert("step".into(), Value::String(step.clone()));
        }
        let mut body = Map::new();
        body.insert(self.wrapper.key().into(), Value::Object(progress));
        Value::Object(body).to_string()
    }

    /// Whether a request under `service` may see this job.
    pub(crate) fn serves(&self, service: &str) -> bool {
        self.service
            .as_deref()
            .is_none_or(|expected| expected.trim_matches('/') == service.trim_matches('/'))
    }

    pub(crate) fn validate(&self, job_id: &str) -> Result<(), String> {
        if self.points.is_empty() {
            return Err(format!("job {job_id:?} has no points"));
        }
        for pair in self.points.windows(2) {
            if pair[1].at_seconds < pair[0].at_seconds {
                return Err(format!(
                    "job {job_id:?}: points must be in non-decreasing at_seconds order ({} comes after {})",
                    pair[1].at_seconds, pair[0].at_seconds
                ));
            }
        }
        if let Some(point) = self.points.iter().find(|p| !p.at_seconds.is_finite()) {
            return Err(format!(
                "job {job_id:?}: at_seconds must be finite, got {}",
                point.at_seconds
            ));
        }
        if self.rate_limited_requests.contains(&0) {
            return Err(format!(
                "job {job_id:?}: rate_limited_requests counts from 1"
            ));
        }
        Ok(())
    }
}

/// Whole percentages go out as integers (`56`, not `56.0`), as the service sends them.
fn json_number(value: f64) -> Value {
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGER_LIMIT {
        // The cast is exact: the value is a whole number well inside i64.
        return Value::Number(Number::from(value as i64));
    }
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at_seconds: f64, state: &str) -> TimelinePoint {
        TimelinePoint {
            at_seconds,
            percentage: None,
            state: state.into(),
            step: None,
        }
    }

    fn timeline(points: Vec<TimelinePoint>) -> JobTimeline {
        JobTimeline {
            service: None,
            wrapper: Wrapper::Progress,
            rate_limited_requests: Vec::new(),
            points,
        }
    }

    #[test]
    fn before_the_first_point_the_first_point_holds() {
        let job = timeline(vec![point(10.0, "queued"), point(20.0, "active")]);
        assert_eq!(job.point_at(0.0).state, "queued");
        assert_eq!(job.point_at(19.9).state, "queued");
        assert_eq!(job.point_at(20.0).state, "active");
        assert_eq!(job.point_at(1e9).state, "active");
    }

    #[test]
    fn body_omits_what_the_point_leaves_out_and_sends_whole_percentages_as_integers() {
        let mut job = timeline(vec![TimelinePoint {
            at_seconds: 0.0,
            percentage: Some(56.0),
            state: "active".into(),
            step: Some("Prepare_Production".into()),
        }]);
        assert_eq!(
            job.body_at(0.0),
            r#"{"progress":{"percentage":56,"state":"active","step":"Prepare_Production"}}"#
        );
        job.points[0].percentage = Some(12.5);
        job.points[0].step = None;
        job.wrapper = Wrapper::JobProgress;
        assert_eq!(
            job.body_at(0.0),
            r#"{"jobProgress":{"percentage":12.5,"state":"active"}}"#
        );
    }

    #[test]
    fn service_is_compared_without_surrounding_slashes() {
        let mut job = timeline(vec![point(0.0, "active")]);
        assert!(job.serves("anything/at/all"));
        job.service = Some("/reality-modeling/".into());
        assert!(job.serves("reality-modeling"));
        assert!(!job.serves("contextcapture"));
    }

    #[test]
    fn validation_rejects_unordered_or_empty_timelines() {
        assert!(timeline(vec![]).validate("j").is_err());
        assert!(
            timeline(vec![point(5.0, "a"), point(1.0, "b")])
                .validate("j")
                .is_err()
        );
        assert!(
            timeline(vec![point(1.0, "a"), point(1.0, "b")])
                .validate("j")
                .is_ok()
        );
    }
}
