//! What the simulated service knows: its jobs, how fast time runs, and how it misbehaves.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::faults::Faults;
use crate::oauth::OAuth;
use crate::rate_limit::RateLimit;
use crate::timeline::{JobTimeline, TimelinePoint, Wrapper};
use crate::token_bucket::TokenRateLimit;
use crate::webhook_deliveries::WebhookDeliveries;
use crate::window_limit::WindowLimit;

/// Everything a [`Simulator`](crate::Simulator) serves. Usually read from
/// JSON (see the [crate docs](crate) for the format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Simulated seconds per real second: 720 runs a two-hour job in ten
    /// seconds. Must be positive. Defaults to 1.
    #[serde(default = "real_time")]
    pub time_scale: f64,
    /// The jobs, by id (the id as it appears percent-decoded in the path).
    pub jobs: BTreeMap<String, JobTimeline>,
    /// If set, only these bearer tokens are accepted (and, with `oauth`, the
    /// tokens it issued); others get 401 `InvalidToken`. If not, any
    /// non-empty bearer token is accepted, unless `oauth` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_tokens: Option<Vec<String>>,
    /// How fast one token may poll one job. No limit if `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// How many requests per second one token may send, over all jobs (a
    /// token bucket per token). No limit if `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_rate_limit: Option<TokenRateLimit>,
    /// Requests one token may send in any window, over all jobs (the
    /// platform's tiers: 500 a minute and 5,000 an hour on Community). None
    /// if empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_window_limits: Vec<WindowLimit>,
    /// The token endpoint, `POST /connect/token`. Without it the route does
    /// not exist and any bearer token is accepted (subject to `accepted_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuth>,
    /// Injected failures. None if `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<Faults>,
    /// How the simulated Webhooks API sends deliveries (timeout, resend,
    /// faults); the defaults, without faults, if `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_deliveries: Option<WebhookDeliveries>,
    /// The most webhooks one page of `GET /webhooks` lists (a smaller
    /// `$top` wins); the rest is behind `_links.next.href`. Defaults to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_page_size: Option<usize>,
}

fn real_time() -> f64 {
    1.0
}

impl Scenario {
    /// Reads a scenario from JSON and checks it.
    pub fn from_json(json: &str) -> Result<Scenario, SimError> {
        let scenario: Scenario = serde_json::from_str(json).map_err(SimError::ParseScenario)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads a scenario from a JSON file and checks it.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scenario, SimError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| SimError::ReadScenario {
            path: path.to_owned(),
            source,
        })?;
        Scenario::from_json(&json)
    }

    /// Checks what JSON cannot: a positive time scale, ordered non-empty
    /// timelines, rates that are probabilities. [`Simulator`](crate::Simulator)
    /// calls this before it binds.
    pub fn validate(&self) -> Result<(), SimError> {
        self.check().map_err(SimError::InvalidScenario)
    }

    fn check(&self) -> Result<(), String> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(format!(
                "time_scale must be finite and positive, got {}",
                self.time_scale
            ));
        }
        for (job_id, timeline) in &self.jobs {
            timeline.validate(job_id)?;
        }
        if let Some(rate_limit) = &self.rate_limit {
            rate_limit.validate()?;
        }
        if let Some(oauth) = &self.oauth {
            oauth.validate()?;
        }
        if let Some(limit) = &self.token_rate_limit {
            limit.validate()?;
        }
        for limit in &self.token_window_limits {
            limit.validate()?;
        }
        if let Some(faults) = &self.faults {
            faults.validate()?;
        }
        if let Some(deliveries) = &self.webhook_deliveries {
            deliveries.validate()?;
        }
        if self.webhook_page_size == Some(0) {
            return Err("webhook_page_size must be at least 1".into());
        }
        Ok(())
    }

    /// A realistic job, `demo-job`: queued, then active through
    /// `Prepare_Production`, `Reconstruction`, `Tiling` and `Export` over four
    /// simulated minutes, then `success`. The time scale (24) makes that about
    /// ten real seconds. Its third request is answered with a 429
    /// (`Retry-After: 1`), so a demo shows a client waiting one out.
    pub fn demo() -> Scenario {
        let point =
            |at_seconds: f64, state: &str, percentage: f64, step: Option<&str>| TimelinePoint {
                at_seconds,
                percentage: Some(percentage),
                state: state.to_owned(),
                step: step.map(str::to_owned),
            };
        let timeline = JobTimeline {
            service: None,
            wrapper: Wrapper::Progress,
            rate_limited_requests: vec![3],
            points: vec![
                point(0.0, "queued", 0.0, None),
                point(15.0, "active", 0.0, Some("Prepare_Production")),
                point(30.0, "active", 8.0, Some("Prepare_Production")),
                point(50.0, "active", 15.0, Some("Reconstruction")),
                point(80.0, "active", 32.0, Some("Reconstruction")),
                point(110.0, "active", 51.0, Some("Reconstruction")),
                point(140.0, "active", 64.0, Some("Tiling")),
                point(170.0, "active", 78.0, Some("Tiling")),
                point(200.0, "active", 90.0, Some("Export")),
                point(225.0, "active", 97.0, Some("Export")),
                point(240.0, "success", 100.0, Some("Export")),
            ],
        };
        Scenario {
            time_scale: 24.0,
            jobs: BTreeMap::from([("demo-job".to_owned(), timeline)]),
            accepted_tokens: None,
            rate_limit: None,
            token_rate_limit: None,
            token_window_limits: Vec::new(),
            oauth: None,
            faults: None,
            webhook_deliveries: None,
            webhook_page_size: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_valid_and_survives_a_json_round_trip() {
        let demo = Scenario::demo();
        demo.validate().unwrap();
        let json = serde_json::to_string(&demo).unwrap();
        assert_eq!(Scenario::from_json(&json).unwrap(), demo);
    }

    #[test]
    fn demo_finishes_in_about_ten_real_seconds() {
        let demo = Scenario::demo();
        let last = demo.jobs["demo-job"].points.last().unwrap();
        assert_eq!(last.state, "success");
        let real_seconds = last.at_seconds / demo.time_scale;
        assert!((8.0..=12.0).contains(&real_seconds), "{real_seconds}");
    }

    #[test]
    fn minimal_json_takes_the_defaults() {
        let scenario =
            Scenario::from_json(r#"{"jobs":{"j":{"points":[{"at_seconds":0,"state":"active"}]}}}"#)
                .unwrap();
        assert_eq!(scenario.time_scale, 1.0);
        assert_eq!(scenario.jobs["j"].wrapper, Wrapper::Progress);
        assert!(scenario.faults.is_none() && scenario.rate_limit.is_none());
    }

    #[test]
    fn misspelt_fields_and_bad_time_scales_are_rejected() {
        assert!(matches!(
            Scenario::from_json(r#"{"time_scael":2,"jobs":{}}"#),
            Err(SimError::ParseScenario(_))
        ));
        assert!(matches!(
            Scenario::from_json(r#"{"time_scale":0,"jobs":{}}"#),
            Err(SimError::InvalidScenario(_))
        ));
    }
}
