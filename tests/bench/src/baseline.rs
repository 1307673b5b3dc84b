//! The baselines: the same GET a user would write by hand, with the same
//! headers as our clients send, the body read in full and parsed with serde_json.

use serde::Deserialize;
use std::time::Duration;

/// The bearer token every bench request carries (the simulator accepts any).
pub const TOKEN: &str = "bench-token";

/// What a hand-written client keeps of a 200 answer.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Kept, as a real client would keep it; never read.
pub struct Answer {
    progress: Inner,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Inner {
    percentage: Option<f64>,
    state: String,
    step: Option<String>,
}

/// One progress request, written out by hand.
#[derive(Debug, Clone)]
pub struct Request {
    url: String,
    authorization: String,
    user_agent: String,
}

/// The `Accept` our clients send for `reality-modeling`.
const ACCEPT: &str = "application/vnd.bentley.itwin-platform.v2+json";

impl Request {
    /// The request for `job` on the server at `base`.
    pub fn new(base: &str, job: &str) -> Self {
        Self {
            url: format!("{base}/reality-modeling/jobs/{job}/progress"),
            authorization: format!("Bearer {TOKEN}"),
            user_agent: itwin_job_progress::core::Settings::default().user_agent(),
        }
    }

    /// Sends it with reqwest, reads the body and parses it.
    pub async fn send_async(&self, client: &reqwest::Client) -> Result<Answer, String> {
        let response = client
            .get(&self.url)
            .header("authorization", &self.authorization)
            .header("accept", ACCEPT)
            .header("user-agent", &self.user_agent)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().await.map_err(|error| error.to_string())?;
        serde_json::from_slice(&body).map_err(|error| error.to_string())
    }

    /// Sends it with ureq, reads the body and parses it.
    pub fn send_blocking(&self, agent: &ureq::Agent) -> Result<Answer, String> {
        let mut response = agent
            .get(&self.url)
            .header("authorization", &self.authorization)
            .header("accept", ACCEPT)
            .header("user-agent", &self.user_agent)
            .call()
            .map_err(|error| error.to_string())?;
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|error| error.to_string())?;
        serde_json::from_slice(&body).map_err(|error| error.to_string())
    }
}

/// The reqwest client a user would build for loopback: no proxy, and the
/// ring provider installed (reqwest's rustls has none of its own here).
pub fn reqwest_client() -> Result<reqwest::Client, String> {
    // Err only when a provider is already installed: that is as good.
    // rustls deprecates ring's provider (no post-quantum key exchange); the
    // baseline keeps ring, as the clients do.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|error| error.to_string())
}

/// The ureq agent a user would build for loopback: no proxy.
pub fn ureq_agent() -> ureq::Agent {
    ureq::Agent::config_builder().proxy(None).build().into()
}

/// Our async client against the simulator at `base`, polling on `intervals`.
pub fn ours_async(
    base: &str,
    intervals: &[Duration],
) -> Result<itwin_job_progress::Client, String> {
    itwin_job_progress::Client::builder()
        .base_url(base)
        .token(TOKEN)
        .intervals(intervals.iter().copied())
        .build()
        .map_err(|error| error.to_string())
}

/// Our blocking client against the simulator at `base`.
pub fn ours_blocking(base: &str) -> Result<itwin_job_progress::blocking::Client, String> {
    itwin_job_progress::blocking::Client::builder()
        .base_url(base)
        .token(TOKEN)
        .build()
        .map_err(|error| error.to_string())
}
