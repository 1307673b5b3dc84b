//! The webhook rows: the simulator delivers each job's end, with one kind
//! of delivery fault, to a receiver in this process (the facade's axum
//! router on a runtime of the cell's own), which hands every fresh one to
//! `notify_completed` of the client watching the job. The watches are
//! completion-only: the safety net is what catches a lost delivery.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use itwin_job_progress::webhook::{Receiver, Secrets, WebhookSecret, router};
use itwin_job_progress::{JobId, Service};
use progress_sim::Simulator;
use serde_json::json;

use crate::record::{Event, Log};

/// The webhook's secret: the simulator signs with it, the receiver checks it.
const SECRET: &str = "soak-webhook-secret-0123456789abcdef";

/// Tells a client that a job completed: its `notify_completed`.
type Notify = Box<dyn Fn(Service, &JobId) -> bool + Send + Sync>;

/// Where the receiver finds the client of each job, and what it woke.
#[derive(Clone, Default)]
pub struct Hub(Arc<Mutex<HubState>>);

#[derive(Default)]
struct HubState {
    clients: HashMap<String, (Notify, Log)>,
    /// Deliveries that woke a running watch, by job.
    wakes: HashMap<String, usize>,
}

impl Hub {
    /// The client watching `job`, and the log of its watch.
    pub fn register(
        &self,
        job: &str,
        log: &Log,
        notify: impl Fn(Service, &JobId) -> bool + Send + Sync + 'static,
    ) {
        self.lock()
            .clients
            .insert(job.to_owned(), (Box::new(notify), log.clone()));
    }

    /// A fresh delivery the receiver accepted.
    fn woken(&self, service: Service, job: JobId) {
        let mut state = self.lock();
        let Some((notify, log)) = state.clients.get(job.as_str()) else {
            return;
        };
        // Logged before the client is told: the request the wake brings
        // may go out (and be logged) before `notify` returns. A delivery
        // for a watch that already ended brings no request.
        log.push(Event::Woken { at: Instant::now() });
        if notify(service, &job) {
            *state.wakes.entry(job.as_str().to_owned()).or_default() += 1;
        }
    }

    /// How many deliveries woke a watch, over the cell.
    fn all_wakes(&self) -> usize {
        self.lock().wakes.values().sum()
    }

    /// How many deliveries woke the watch of `job`.
    pub fn wakes(&self, job: &str) -> usize {
        self.lock().wakes.get(job).copied().unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The receiver of one cell, served until dropped.
pub struct Receiving {
    pub hub: Hub,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiving {
    /// Serves a receiver on loopback and subscribes it to `sim`'s job ends.
    pub fn start(sim: &Simulator) -> Result<Self, String> {
        let hub = Hub::default();
        let secret = WebhookSecret::new(SECRET).map_err(|error| error.to_string())?;
        let to_hub = hub.clone();
        let app = router(Receiver::new(Secrets::new(secret)), move |service, job| {
            to_hub.woken(service, job)
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
            .map_err(|error| format!("cannot listen for deliveries: {error}"))?;
        let url = format!(
            "http://{}/hooks",
            listener.local_addr().map_err(|error| error.to_string())?
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
                let served = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = stopped.await;
                });
                let _ = served.await;
            });
        });
        let receiving = Self {
            hub,
            stop: Some(stop),
            thread: Some(thread),
        };
        subscribe(sim, &url)?;
        Ok(receiving)
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Creates the webhook on the simulated Webhooks API and activates it.
fn subscribe(sim: &Simulator, url: &str) -> Result<(), String> {
    let created = request(
        sim,
        "POST",
        "/webhooks",
        &json!({
            "callbackUrl": url, "scope": "Account", "secret": SECRET,
            "eventTypes": ["realityModeling.jobCompleted.v2"],
        })
        .to_string(),
    )?;
    let created: serde_json::Value =
        serde_json::from_str(&created).map_err(|error| format!("the webhook: {error}"))?;
    let id = created["id"].as_str().ok_or("the webhook has no id")?;
    request(
        sim,
        "PATCH",
        &format!("/webhooks/{id}"),
        r#"{"active":true}"#,
    )?;
    Ok(())
}

/// One HTTP/1.1 exchange with the simulator: the body of a 2xx answer.
fn request(sim: &Simulator, method: &str, path: &str, body: &str) -> Result<String, String> {
    let mut stream =
        TcpStream::connect(sim.address()).map_err(|error| format!("the simulator: {error}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer soak\r\n\
         Accept: application/vnd.bentley.itwin-platform.v2+json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        sim.address(),
        body.len()
    );
    let mut answer = String::new();
    stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.read_to_string(&mut answer))
        .map_err(|error| format!("{method} {path}: {error}"))?;
    let ok = answer
        .split_whitespace()
        .nth(1)
        .is_some_and(|status| status.starts_with('2'));
    let (_, body) = answer.split_once("\r\n\r\n").unwrap_or_default();
    if ok {
        Ok(body.to_owned())
    } else {
        Err(format!(
            "{method} {path}: {}",
            answer.lines().next().unwrap_or("")
        ))
    }
}

/// Waits (at most 3 s) until the simulator has made every delivery: its
/// late and out-of-order copies come after the watches ended.
pub fn settle(sim: &Simulator) {
    let started = Instant::now();
    let mut seen = sim.webhook_deliveries().len();
    while started.elapsed() < std::time::Duration::from_secs(3) {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let now = sim.webhook_deliveries().len();
        if now == seen {
            return;
        }
        seen = now;
    }
}

/// The receiver's plumbing: when deliveries signed with the secret
/// reached it, some woke a watch (each is answered 200 either way, so the
/// statuses alone would not tell).
pub fn check_cell(sim: &Simulator, hub: &Hub) -> Vec<String> {
    let genuine = sim
        .webhook_deliveries()
        .iter()
        .filter(|delivery| delivery.sent && delivery.correctly_signed)
        .count();
    match (genuine, hub.all_wakes()) {
        (1.., 0) => vec![format!(
            "cell: {genuine} deliveries signed with the secret reached the receiver, none woke a watch"
        )],
        _ => Vec::new(),
    }
}

/// The webhook invariants of one watch: no wake for a delivery the
/// receiver refused (no correctly signed one sent), at most one for the
/// one message of the job (repeats wake nothing), and every delivery
/// answered as the platform expects: 200 when signed with the secret, 401
/// when not.
pub fn check(sim: &Simulator, hub: &Hub, job: &str) -> Vec<String> {
    let deliveries: Vec<_> = sim
        .webhook_deliveries()
        .into_iter()
        .filter(|delivery| delivery.job_id == job)
        .collect();
    let mut broken = Vec::new();
    let genuine = deliveries
        .iter()
        .any(|delivery| delivery.sent && delivery.correctly_signed);
    let wakes = hub.wakes(job);
    if !genuine && wakes > 0 {
        broken.push(format!(
            "woken {wakes} times by deliveries the receiver had to refuse"
        ));
    }
    if wakes > 1 {
        broken.push(format!("woken {wakes} times by one message"));
    }
    for delivery in deliveries.iter().filter(|delivery| delivery.sent) {
        let expected = if delivery.correctly_signed { 200 } else { 401 };
        if delivery.status != Some(expected) {
            broken.push(format!(
                "a delivery was answered {:?}, not {expected}",
                delivery.status
            ));
        }
    }
    broken
}
