//! Plain HTTP against a running simulator, with nothing a client library would decide for us.

// Each test file uses a different part of this module.
#![allow(dead_code)]

pub mod raw;

use progress_sim::{ManualSimClock, Scenario, Simulator};
use ureq::http::HeaderMap;

/// What came back over the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("body {:?} is not JSON: {error}", self.body))
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .expect("an error body with a code")
            .to_owned()
    }
}

/// GET `path` with an optional bearer token. `Err` when no response came back.
pub fn get(sim: &Simulator, path: &str, token: Option<&str>) -> Result<Reply, ureq::Error> {
    // A fresh agent per request: no pooled connection carries state between requests.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(format!("{}{path}", sim.base_url()));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.call()?;
    Ok(Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.body_mut().read_to_string()?,
    })
}

/// GET with a valid token, expecting a response.
pub fn poll(sim: &Simulator, path: &str) -> Reply {
    get(sim, path, Some("token")).expect("a response")
}

/// A blocking simulator whose time moves only when the returned clock is advanced.
pub fn start_manual(scenario_json: &str) -> (Simulator, ManualSimClock) {
    let scenario = Scenario::from_json(scenario_json).expect("a valid scenario");
    Simulator::start_manual(scenario).expect("the simulator starts")
}

/// Any method, any headers, an optional body: for the token endpoint.
/// `Err` when no response came back.
pub fn send(
    sim: &Simulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Reply, ureq::Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", sim.base_url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body.to_owned()).expect("a valid request");
    let mut response = agent.run(request)?;
    Ok(Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.body_mut().read_to_string()?,
    })
}

/// POST a form to the token endpoint, with HTTP Basic credentials if given
/// (`id:secret`, already form-encoded as RFC 6749 §2.3.1 asks).
pub fn post_token(sim: &Simulator, basic: Option<&str>, form: &str) -> Result<Reply, ureq::Error> {
    use base64::Engine as _;
    let authorization = basic.map(|credentials| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    });
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(authorization) = &authorization {
        headers.push(("Authorization", authorization.as_str()));
    }
    send(sim, "POST", "/connect/token", &headers, form)
}
