//! The vector format: one scenario a JSON file in `vectors/`, read with serde.
//!
//! `README.md` documents every field for people writing vectors or runners in
//! other languages; these types are that document in code. Unknown fields are
//! refused so that a typo in a vector fails loudly instead of checking nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use progress_model::ApiVersion;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::expected_event::ExpectedEvent;
use crate::live_step::{LiveAction, LiveStep};

/// One scenario: settings, a call, a script of responses and what must be observed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// What the scenario shows, for people reading a failure.
    pub description: String,
    /// How the client is built.
    pub settings: Settings,
    /// Which call is made.
    pub mode: Mode,
    /// The job id, as a caller would pass it (not encoded). Absent (empty)
    /// with `watches`.
    #[serde(default)]
    pub job_id: String,
    /// The responses the server gives, in order, one per request.
    #[serde(default)]
    pub responses: Vec<ScriptedResponse>,
    /// For `watch_many`: the jobs watched together on one client, each with
    /// the responses the server gives for it, in order. For `live`: the
    /// jobs the steps may insert, with theirs.
    #[serde(default)]
    pub watches: Vec<WatchScript>,
    /// For `live`: what is done to the set, and when.
    #[serde(default)]
    pub live: Vec<LiveStep>,
    /// How time passes outside the client: the caller's time per item, a late sleeper.
    #[serde(default)]
    pub timing: Timing,
    /// Completions pushed to the client (webhook deliveries), in the order
    /// of their instants: each is handed to `notify_completed` when the
    /// clock reaches it (a sleep that would pass it ends there).
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
    /// `watch` only: stop the watch after an event, save its state, and
    /// resume it on a fresh client.
    pub resume: Option<Resume>,
    /// What must be observed.
    pub expect: Expect,
}

/// One job of a `watch_many` vector and its script.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchScript {
    /// The job id: a plain path segment, so that requests can be told apart by path.
    pub job_id: String,
    /// The responses the server gives for this job, in order.
    pub responses: Vec<ScriptedResponse>,
}

/// One completion pushed to the client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// When, in seconds of the client's clock since the start.
    pub at: Seconds,
    /// The job it says completed.
    pub job_id: String,
    /// What `notify_completed` must return: whether a watch of the job ran.
    pub woken: bool,
}

/// A vector file, read or not: a broken file still becomes a (failing) test.
#[derive(Debug, Clone)]
pub struct VectorFile {
    /// The file stem: the vector's name in test names.
    pub name: String,
    /// The vector, or why it could not be read.
    pub vector: Result<Vector, String>,
}

/// A number of seconds in a vector (fractions allowed), as a `Duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "f64")]
pub struct Seconds(pub Duration);

impl TryFrom<f64> for Seconds {
    type Error = String;
    fn try_from(seconds: f64) -> Result<Self, String> {
        Duration::try_from_secs_f64(seconds)
            .map(Seconds)
            .map_err(|_| format!("{seconds} is not a number of seconds"))
    }
}

/// Time that passes on the manual clock besides the waits the client asks for.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// How long the caller spends on each item of a watch before asking for
    /// the next one, in seconds.
    pub consumer: Option<Seconds>,
    /// How much later than asked the sleeper wakes, in seconds.
    pub oversleep: Option<Seconds>,
}

/// Where a watch is stopped and resumed from its saved state.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    /// The event (1 is the first: observations, retries, refreshed tokens
    /// and the end all count) after which the watch is dropped.
    pub after_event: usize,
    /// How long the watch stays stopped, in seconds on the manual clock.
    /// Absent: none, and the resumed watch must do what an uninterrupted
    /// one would have.
    pub downtime: Option<Seconds>,
}

/// The client's settings; absent ones keep the client's defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the token comes from.
    pub token: Token,
    /// The base URL; `{server}` stands for the mock server's `host:port`.
    /// Absent: `http://{server}`.
    pub base_url: Option<String>,
    /// The poll ladder in seconds.
    pub intervals: Option<Vec<Seconds>>,
    /// Consecutive transient failures a watch retries.
    pub max_retries: Option<u32>,
    /// How long a watch may last, in seconds.
    pub deadline: Option<Seconds>,
    /// Completion-only watches: the safety net between polls, in seconds.
    pub safety_net: Option<Seconds>,
    /// The largest body read, in bytes.
    pub body_cap: Option<usize>,
    /// `v1`, `v2` or a media type.
    pub api_version: Option<ApiVersionName>,
    /// The service path, e.g. `reality-modeling` or `contextcapture`.
    pub service: Option<String>,
    /// Appended to the `User-Agent`.
    pub user_agent_suffix: Option<String>,
    /// How long a whole request may take, in seconds.
    pub request_timeout: Option<Seconds>,
    /// How long connecting may take, in seconds.
    pub connect_timeout: Option<Seconds>,
    /// Requests in flight at once, across the client's watches.
    pub max_in_flight: Option<usize>,
    /// The client-side rate, in requests per second.
    pub max_requests_per_second: Option<f64>,
    /// Budgets of requests per window (`max_requests_per`), each
    /// `{"count": 500, "window": 60}`.
    pub max_requests_per: Option<Vec<BudgetSetting>>,
    /// The jitter fraction. Absent: 0, so that waits are exact (the clients'
    /// own default is 0.1).
    pub jitter: Option<f64>,
}

/// One budget: `count` requests in any `window` seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSetting {
    /// Requests per window.
    pub count: u32,
    /// The window, in seconds.
    pub window: Seconds,
}

/// An API version as written in a vector (`"v1"`, `"v2"`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct ApiVersionName(pub ApiVersion);

impl TryFrom<String> for ApiVersionName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        name.parse().map(Self).map_err(|error| format!("{error}"))
    }
}

/// Where the client's token comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Token {
    /// `{"static": "tok"}`: a fixed token given to the builder; a 401 is final.
    Static(String),
    /// `{"refreshing": ["tok-1", "tok-2"]}`: a provider that starts with the first
    /// token and moves to the next one each time it is asked to refresh.
    Refreshing(Vec<String>),
    /// `{"closure": "tok"}`: a closure provider returning this token on every call.
    Closure(String),
    /// `{"failing": "message"}`: a provider that fails with this message on every call.
    Failing(String),
    /// `{"client_credentials": {"client_id": "...", "secret": "..."}}`: the
    /// client's own `ClientCredentials` provider, asking the mock server's
    /// `/connect/token` and measuring token lifetimes on the vector's clock.
    ClientCredentials(ClientCredentials),
}

/// The id and secret of a `client_credentials` token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The secret: it must never show in an error or a request in clear.
    pub secret: String,
}

impl Settings {
    /// The id and secret a vector's provider holds; nothing observed may show the secret.
    pub fn client_credentials(&self) -> Option<&ClientCredentials> {
        match &self.token {
            Token::ClientCredentials(credentials) => Some(credentials),
            _ => None,
        }
    }
}

/// Which call the scenario makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One `progress()` call: one request, the result as is.
    Progress,
    /// A `watch()` consumed to its end.
    Watch,
    /// One `wait()` call.
    Wait,
    /// One `watch_many()` over the `watches`, consumed to its end.
    WatchMany,
    /// One `watches()` set, driven by the `live` steps, its events
    /// consumed to their end.
    Live,
}

impl Mode {
    /// Whether many watches run on one client (`watch_many`, `live`): one
    /// script per job, requests stamped with the clock.
    pub fn is_many(self) -> bool {
        matches!(self, Mode::WatchMany | Mode::Live)
    }
}

/// One scripted response.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedResponse {
    /// The status; required unless the connection is dropped.
    pub status: Option<u16>,
    /// Response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A string is sent as is; any other JSON value is sent serialized (with a
    /// JSON content type unless `headers` names one). Absent: an empty body.
    pub body: Option<Value>,
    /// How long the server waits before answering, in milliseconds (real time).
    #[serde(default)]
    pub delay_ms: u64,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop_connection: bool,
}

impl ScriptedResponse {
    /// The body bytes as sent.
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            None => Vec::new(),
            Some(Value::String(text)) => text.clone().into_bytes(),
            Some(value) => value.to_string().into_bytes(),
        }
    }

    /// The headers as sent: a JSON body gets a JSON content type unless one is given.
    pub fn headers_to_send(&self) -> Vec<(String, String)> {
        let mut headers: Vec<_> = self.headers.clone().into_iter().collect();
        let is_json = matches!(&self.body, Some(value) if !value.is_string());
        let has_type = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        if is_json && !has_type {
            headers.push(("content-type".into(), "application/json".into()));
        }
        headers
    }
}

/// What must be observed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The requests the server received.
    pub requests: ExpectedRequests,
    /// The waits the client asked its sleeper for, in order, in seconds. Absent: none.
    #[serde(default)]
    pub waits: Vec<Seconds>,
    /// The progress a watch emitted, in order, the terminal one included. Absent:
    /// none (always the case for `progress` and `wait`, which emit nothing).
    #[serde(default)]
    pub progress: Vec<ExpectedProgress>,
    /// How the call ended (every mode but `watch_many`).
    pub outcome: Option<ExpectedOutcome>,
    /// For `watch_many`: how each job's watch ended, by job id.
    #[serde(default)]
    pub outcomes: BTreeMap<String, ExpectedOutcome>,
    /// For `watch_many`: when the server received each job's requests, in
    /// seconds of the client's clock since the start, by job id.
    #[serde(default)]
    pub sent_at: BTreeMap<String, Vec<Seconds>>,
    /// The most requests the server may have had in flight at once.
    pub max_overlap: Option<usize>,
    /// For `watch_many`: the most requests in flight at once among those
    /// that arrived from an instant on.
    pub max_overlap_from: Option<OverlapFrom>,
    /// For `watch_many` and `live`: every event of a job's watch, in order,
    /// each with its instant, by job id (the jobs named only).
    #[serde(default)]
    pub events: BTreeMap<String, Vec<ExpectedEvent>>,
    /// For `watch_many` and `live`: when the merged events ended, in
    /// seconds of the client's clock since the start.
    pub ended_at: Option<Seconds>,
}

/// A bound on the requests in flight at once from an instant on.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlapFrom {
    /// The instant, in seconds of the manual clock since the start.
    pub seconds: Seconds,
    /// The most requests in flight when any of them arrived, itself included.
    pub most: usize,
}

/// The requests the server must have received.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRequests {
    /// How many.
    pub count: usize,
    /// What every request must match.
    #[serde(default)]
    pub every: RequestPattern,
    /// What each request must match, in order; when given, exactly `count` entries.
    pub each: Option<Vec<RequestPattern>>,
}

/// What a request must look like; absent fields are not checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestPattern {
    /// The method, e.g. `GET`.
    pub method: Option<String>,
    /// The raw (percent-encoded) path, with the query if one was sent.
    pub path: Option<String>,
    /// Headers that must be sent exactly once with exactly this value (names in any case).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers that must be sent exactly once with a value ending with this
    /// text (names in any case), e.g. a `User-Agent` ending with its suffix.
    #[serde(default)]
    pub header_suffixes: BTreeMap<String, String>,
    /// Headers that must be sent, with any value.
    #[serde(default)]
    pub present_headers: Vec<String>,
    /// Headers that must not be sent.
    #[serde(default)]
    pub absent_headers: Vec<String>,
    /// The exact body, as text (a token request's form).
    pub body: Option<String>,
}

/// A progress as written in a vector; absent `percentage` and `step` mean none was reported.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedProgress {
    /// The percentage as sent.
    pub percentage: Option<f64>,
    /// The state: the documented lowercase name, or an unknown state as sent.
    pub state: String,
    /// The step.
    pub step: Option<String>,
}

/// How the call ended: a progress (a watch's terminal one) or an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpectedOutcome {
    /// `{"progress": {...}}`.
    Progress(ExpectedProgress),
    /// `{"error": {...}}`.
    Error(ExpectedError),
}

/// An expected error. Optional fields are checked only when present; `null` means
/// "must be absent".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    /// The kind, as `ErrorKind::as_str` names it (`not_found`, `retries_exhausted`, ...).
    pub kind: String,
    /// The HTTP status behind it.
    #[serde(default, deserialize_with = "checked")]
    pub status: Option<Option<u16>>,
    /// The API error code from the body.
    #[serde(default, deserialize_with = "checked")]
    pub code: Option<Option<String>>,
    /// The `x-correlation-id` (or `request-id`) of the response.
    #[serde(default, deserialize_with = "checked")]
    pub correlation_id: Option<Option<String>>,
    /// The `Retry-After` the error carries, in seconds.
    #[serde(default, deserialize_with = "checked")]
    pub retry_after: Option<Option<Seconds>>,
    /// The `Location` of a redirect.
    #[serde(default, deserialize_with = "checked")]
    pub location: Option<Option<String>>,
    /// The last progress a deadline error carries.
    #[serde(default, deserialize_with = "checked")]
    pub last_progress: Option<Option<ExpectedProgress>>,
    /// The sanitized excerpt of a body that was not what the API documents.
    #[serde(default, deserialize_with = "checked")]
    pub excerpt: Option<Option<String>>,
    /// Text the error's message (its `Display`) must contain.
    pub message_contains: Option<String>,
    /// For `retries_exhausted`: how many failures in a row.
    pub attempts: Option<u32>,
    /// For `retries_exhausted`: the kind of the last failure; for `deadline`:
    /// the kind of the failure being retried when it came (`null`: none).
    #[serde(default, deserialize_with = "checked")]
    pub last_kind: Option<Option<String>>,
}

/// Tells "absent" (not checked, via `default`) from `null` (must be absent).
fn checked<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl Vector {
    /// The base URL the client is given, for a mock server at `server_url`
    /// (`http://host:port`).
    pub fn base_url(&self, server_url: &str) -> String {
        match &self.settings.base_url {
            Some(template) => {
                let server = server_url.strip_prefix("http://").unwrap_or(server_url);
                template.replace("{server}", server)
            }
            None => server_url.to_owned(),
        }
    }

    /// The service the client watches (the settings', or the default).
    pub fn service(&self) -> progress_model::Service {
        self.settings
            .service
            .as_deref()
            .map_or_else(Default::default, progress_model::Service::parse)
    }

    /// Reads and checks one vector file.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let vector: Self = serde_json::from_str(text).map_err(|error| error.to_string())?;
        vector.validate()?;
        Ok(vector)
    }

    /// The rules serde cannot express.
    fn validate(&self) -> Result<(), String> {
        if let Token::Refreshing(tokens) = &self.settings.token
            && tokens.is_empty()
        {
            return Err("a refreshing token needs at least one token".into());
        }
        let scripts = std::iter::once(&self.responses)
            .chain(self.watches.iter().map(|watch| &watch.responses));
        for responses in scripts {
            if let Some(index) = responses
                .iter()
                .position(|response| response.status.is_none() && !response.drop_connection)
            {
                return Err(format!("response #{} has no status", index + 1));
            }
        }
        if self.resume.is_some() && self.mode != Mode::Watch {
            return Err("`resume` goes with the mode `watch` only".into());
        }
        if self.resume.is_some_and(|resume| resume.after_event == 0) {
            return Err("`resume.after_event` counts from 1".into());
        }
        let many = self.mode.is_many();
        if self.mode == Mode::WatchMany && self.watches.is_empty() {
            return Err("`watch_many` needs `watches`".into());
        }
        if !many && !self.watches.is_empty() {
            return Err("`watches` go with the modes `watch_many` and `live` only".into());
        }
        if many && !self.responses.is_empty() {
            return Err(
                "a `watch_many` or `live` vector scripts responses per watch, not `responses`"
                    .into(),
            );
        }
        if !many && !self.deliveries.is_empty() {
            return Err("`deliveries` need the clock stamps of `watch_many` or `live`".into());
        }
        self.validate_live()?;
        if self
            .deliveries
            .windows(2)
            .any(|pair| pair[0].at.0 > pair[1].at.0)
        {
            return Err("`deliveries` go in the order of their instants".into());
        }
        let stamped = self.expect.max_overlap_from.is_some()
            || self.expect.ended_at.is_some()
            || !self.expect.events.is_empty();
        if !many && stamped {
            return Err(
                "`max_overlap_from`, `events` and `ended_at` need the clock stamps of `watch_many` or `live`"
                    .into(),
            );
        }
        if many != self.expect.outcome.is_none() {
            return Err(
                "`expect.outcome` is required, except for `watch_many` and `live` (`expect.outcomes`)"
                    .into(),
            );
        }
        if let Some(job) = self
            .expect
            .outcomes
            .keys()
            .chain(self.expect.sent_at.keys())
            .chain(self.expect.events.keys())
            .find(|job| !self.watches.iter().any(|watch| &watch.job_id == *job))
        {
            return Err(format!("expect names the job {job:?}, which no watch has"));
        }
        if let Some(each) = &self.expect.requests.each
            && each.len() != self.expect.requests.count
        {
            return Err(format!(
                "expect.requests.each has {} entries but count is {}",
                each.len(),
                self.expect.requests.count
            ));
        }
        Ok(())
    }
}

impl Vector {
    /// The rules of the `live` steps: only in `live`, in the order of
    /// their instants, a `close` among them (an open set's events never
    /// end), and a script for every job inserted.
    fn validate_live(&self) -> Result<(), String> {
        let live = self.mode == Mode::Live;
        if live == self.live.is_empty() {
            return Err("`live` steps go with the mode `live`, and it needs them".into());
        }
        if self.live.windows(2).any(|pair| pair[0].at.0 > pair[1].at.0) {
            return Err("`live` steps go in the order of their instants".into());
        }
        if live
            && !self
                .live
                .iter()
                .any(|step| step.action == LiveAction::Close)
        {
            return Err("`live` steps must `close` the set: an open set's events never end".into());
        }
        let inserted = self.live.iter().filter_map(|step| match &step.action {
            LiveAction::Insert { job_id, .. } => Some(job_id),
            _ => None,
        });
        for job in inserted {
            if !self.watches.iter().any(|watch| &watch.job_id == job) {
                return Err(format!(
                    "`live` inserts {job:?}, which `watches` does not script"
                ));
            }
        }
        Ok(())
    }
}

/// Every `*.json` file in `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<VectorFile>, String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.extension().is_none_or(|extension| extension != "json") {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else {
            continue;
        };
        let vector = std::fs::read_to_string(&path)
            .map_err(|error| error.to_string())
            .and_then(|text| Vector::from_json(&text))
            .map_err(|error| format!("{}: {error}", path.display()));
        files.push(VectorFile {
            name: name.to_owned(),
            vector,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// The vectors shipped with this crate.
pub fn shipped_vectors_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"))
}
