//! Serves a vector's script with httpmock and records every request.
//!
//! Each scripted response is its own mock limited to one call. httpmock tries
//! mocks in creation order and counts a call when the request arrives, so
//! response N goes to request N, and each response can have its own delay (a
//! delay is per mock). A last catch-all mock answers requests past the script,
//! so an extra request shows up as a count mismatch rather than a hang.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use progress_model::ManualClock;

use crate::vector::{ScriptedResponse, WatchScript};

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The raw path (still percent-encoded), with `?query` if one was sent.
    pub path: String,
    /// Every header in arrival order, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced): empty for the API's GETs,
    /// the form of a token request.
    pub body: String,
    /// When it arrived, on the client's manual clock (`watch_many` vectors).
    pub at: Option<Duration>,
    /// How many requests were in flight when it arrived, itself included.
    pub overlap: usize,
}

impl RecordedRequest {
    fn from_mock(request: &HttpMockRequest, clock: Option<&ManualClock>) -> Self {
        let uri = request.uri();
        let path = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |path| path.as_str().to_owned());
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_ascii_lowercase(), value)
            })
            .collect();
        Self {
            method: request.method().as_str().to_owned(),
            path,
            headers,
            body: String::from_utf8_lossy(request.body_ref()).into_owned(),
            at: clock.map(ManualClock::elapsed),
            overlap: 1,
        }
    }

    /// Every value sent for `name` (any case).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(sent, _)| sent.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// The status of the answer to requests past the script: one no adapter retries,
/// so a watch that asks too often ends quickly.
pub const PAST_SCRIPT_STATUS: u16 = 418;

/// Starts a mock server serving `responses` in order, runs `client` with its base
/// URL, and returns what `client` returned and the requests received, in order.
pub fn serve<T>(
    responses: &[ScriptedResponse],
    client: impl FnOnce(&str) -> T,
) -> (T, Vec<RecordedRequest>) {
    let (result, served) = serve_scripts(&[(None, responses)], None, client);
    (result, served.requests)
}

/// What the server saw.
#[derive(Debug, Clone, Default)]
pub struct Served {
    /// The requests received, in arrival order.
    pub requests: Vec<RecordedRequest>,
    /// The most requests in flight at once (from arrival to answer).
    pub max_overlap: usize,
}

/// Serves each watch's script to the requests for its job (told apart by
/// path), stamping each request with `clock`'s time, and runs `client`.
pub fn serve_many<T>(
    watches: &[WatchScript],
    clock: &ManualClock,
    client: impl FnOnce(&str) -> T,
) -> (T, Served) {
    let scripts: Vec<(Option<String>, &[ScriptedResponse])> = watches
        .iter()
        .map(|watch| {
            let marker = format!("/jobs/{}/progress", watch.job_id);
            (Some(marker), watch.responses.as_slice())
        })
        .collect();
    serve_scripts(&scripts, Some(clock), client)
}

/// Serves scripts, each to the requests whose path holds its marker (all
/// requests when none), in order.
fn serve_scripts<T>(
    scripts: &[(Option<String>, &[ScriptedResponse])],
    clock: Option<&ManualClock>,
    client: impl FnOnce(&str) -> T,
) -> (T, Served) {
    let server = MockServer::start();
    let received = Received::new(clock.cloned());
    for (marker, responses) in scripts {
        for response in responses.iter() {
            let received = received.clone();
            let answered = received.clone();
            let response = response.clone();
            let marker = marker.clone();
            let delay = Duration::from_millis(response.delay_ms);
            server.mock(move |when, then| {
                let when = match marker {
                    Some(marker) => when.path_includes(marker),
                    None => when,
                };
                // The script answers whatever is asked; the checks then say what was asked.
                when.is_true(move |request| received.record(request));
                then.up_to_n_times(1).delay(delay).respond_with(move |_| {
                    answered.answered();
                    answer(&response)
                });
            });
        }
    }
    let scripted: usize = scripts.iter().map(|(_, responses)| responses.len()).sum();
    server.mock(|when, then| {
        let received = received.clone();
        let answered = received.clone();
        when.is_true(move |request| received.record(request));
        then.respond_with(move |_| {
            answered.answered();
            HttpMockResponse::builder()
                .status(PAST_SCRIPT_STATUS)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"error":{{"code":"ConformanceScriptExhausted","message":"the vector scripts only {scripted} responses"}}}}"#
                ))
                .build()
        });
    });

    let result = client(&server.base_url());
    (result, received.take())
}

/// The scripted answer, or a dropped connection.
fn answer(response: &ScriptedResponse) -> HttpMockResponse {
    if response.drop_connection {
        // httpmock has no "close the connection" response. Unwinding out of the
        // responder ends the server task that owns the connection, so the socket
        // is closed with no response written. `resume_unwind` skips the panic
        // hook: nothing is printed, and the server's runtime catches the unwind.
        std::panic::resume_unwind(Box::new(DroppedConnection));
    }
    let mut builder = HttpMockResponse::builder().status(response.status.unwrap_or(200));
    for (name, value) in response.headers_to_send() {
        builder = builder.header(name, value);
    }
    builder.body(response.body_bytes()).build()
}

/// The unwind payload of a dropped connection.
#[derive(Debug)]
struct DroppedConnection;

/// The requests received, in arrival order, and how many are in flight.
///
/// Recorded by each mock's matcher rather than its responder: httpmock runs the
/// matchers under its state lock as a request arrives, while a responder runs
/// after the response delay, and never when the client gave up first (a
/// timeout vector) because the server then drops the pending response. (Such
/// a request then stays counted as in flight: no vector checks overlap with
/// timeouts.)
#[derive(Debug, Clone)]
struct Received {
    state: Arc<Mutex<ReceivedState>>,
    clock: Option<ManualClock>,
}

#[derive(Debug, Default)]
struct ReceivedState {
    requests: Vec<RecordedRequest>,
    in_flight: usize,
    max_overlap: usize,
}

impl Received {
    fn new(clock: Option<ManualClock>) -> Self {
        Self {
            state: Arc::default(),
            clock,
        }
    }

    /// Records a request; always `true`, as a matcher that accepts everything.
    ///
    /// httpmock may run a matcher more than once for one request (once per
    /// mock it tries); only the first mock whose other conditions hold
    /// reaches this one, and each mock serves once, so one request is one record.
    fn record(&self, request: &HttpMockRequest) -> bool {
        let mut state = self.lock();
        state.in_flight += 1;
        state.max_overlap = state.max_overlap.max(state.in_flight);
        let mut recorded = RecordedRequest::from_mock(request, self.clock.as_ref());
        recorded.overlap = state.in_flight;
        state.requests.push(recorded);
        true
    }

    /// A request was answered (or its connection dropped).
    fn answered(&self) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
    }

    fn take(&self) -> Served {
        let mut state = self.lock();
        Served {
            requests: std::mem::take(&mut state.requests),
            max_overlap: state.max_overlap,
        }
    }

    fn lock(&self) -> MutexGuard<'_, ReceivedState> {
        // The responder unwinds on purpose (dropped connections), never while holding this lock.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
