//! The simulated Webhooks API v2, driven over HTTP, delivering to a real
//! receiving server whose answers come from the client's own verifier.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use http::{HeaderMap, Method};
use http_body_util::BodyExt;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use progress_model::webhook::{Envelope, Outcome, Receiver, Secrets, WebhookSecret};
use progress_model::{JobId, Service};
use progress_sim::{ManualSimClock, Scenario, Simulator, WebhookDeliveries};
use serde_json::{Value, json};

const V2: &str = "application/vnd.bentley.itwin-platform.v2+json";
const SECRET: &str = "0123456789abcdef0123456789abcdef-test";
const MODELING_V2: &str = "realityModeling.jobCompleted.v2";

/// What the receiving server got.
#[derive(Debug)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
    at: Instant,
}

/// How the receiving server answers the next request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    /// Never answers.
    Hang,
}

/// A real HTTP server on a loopback port, on a runtime of its own:
/// answers as scripted, then 200.
struct Inbox {
    address: SocketAddr,
    received: mpsc::Receiver<Received>,
    _runtime: tokio::runtime::Runtime,
}

impl Inbox {
    fn start(script: &[Reply]) -> Inbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let (sender, received) = mpsc::channel();
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let sender = sender.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let sender = sender.clone();
                            let script = script.clone();
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body.collect().await?.to_bytes().to_vec();
                                let _ = sender.send(Received {
                                    headers: parts.headers,
                                    body,
                                    at: Instant::now(),
                                });
                                let reply = script
                                    .lock()
                                    .unwrap()
                                    .pop_front()
                                    .unwrap_or(Reply::Status(200));
                                let status = match reply {
                                    Reply::Status(status) => status,
                                    Reply::Hang => std::future::pending().await,
                                };
                                let mut response = hyper::Response::new(String::new());
                                *response.status_mut() =
                                    http::StatusCode::from_u16(status).unwrap();
                                Ok::<_, hyper::Error>(response)
                            }
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Inbox {
            address,
            received,
            _runtime: runtime,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/itwin/hooks", self.address)
    }

    /// The next delivery; panics if none comes within 10 s.
    fn next(&self) -> Received {
        self.received
            .recv_timeout(Duration::from_secs(10))
            .expect("a delivery within 10 s")
    }
}

/// One HTTP exchange with the simulator's API: status and JSON body (Null if none).
fn api(sim: &Simulator, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    api_with(sim, method, path, body, Some("token"), V2)
}

fn api_with(
    sim: &Simulator,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
    accept: &str,
) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}{path}", sim.base_url());
    let method: ureq::http::Method = method.parse().unwrap();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Accept", accept)
        .header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let request = request
        .body(body.map(|body| body.to_string()).unwrap_or_default())
        .unwrap();
    let mut response = agent.run(request).unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

/// Creates and activates a webhook; its id.
fn subscribe(sim: &Simulator, url: &str, event_types: &[&str], active: bool) -> String {
    let (status, created) = api(
        sim,
        "POST",
        "/webhooks",
        Some(json!({
            "callbackUrl": url, "scope": "iTwin", "scopeId": "itwin-1",
            "eventTypes": event_types, "secret": SECRET,
        })),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    if active {
        let (status, _) = api(
            sim,
            "PATCH",
            &format!("/webhooks/{id}"),
            Some(json!({"active": true})),
        );
        assert_eq!(status, 200);
    }
    id
}

fn scenario(jobs: Value, deliveries: Option<WebhookDeliveries>) -> Scenario {
    let mut scenario = Scenario::from_json(&json!({ "jobs": jobs }).to_string()).unwrap();
    scenario.webhook_deliveries = deliveries;
    scenario
}

/// A job of `service` that ends (`success`) at simulated second `end`.
fn job(service: &str, end: f64) -> Value {
    json!({
        "service": service,
        "points": [
            {"at_seconds": 0, "state": "active"},
            {"at_seconds": end, "state": "success", "percentage": 100}
        ]
    })
}

fn receiver() -> Receiver {
    Receiver::new(Secrets::new(WebhookSecret::new(SECRET).unwrap()))
}

fn start(scenario: Scenario) -> (Simulator, ManualSimClock) {
    Simulator::start_manual(scenario).unwrap()
}

/// Waits for a condition the simulator reaches on its own (bounded: 10 s).
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_api_creates_inactive_webhooks_and_lists_activates_and_deletes_them() {
    let (sim, _clock) = start(scenario(json!({}), None));
    let (status, created) = api(
        &sim,
        "POST",
        "/webhooks",
        Some(json!({
            "callbackUrl": "https://hooks.example.com/itwin", "scope": "Account",
            "eventTypes": [MODELING_V2, "realityConversion.jobCompleted.v1"],
        })),
    );
    assert_eq!(status, 201);
    for field in [
        "id",
        "scope",
        "scopeId",
        "active",
        "callbackUrl",
        "secret",
        "eventTypes",
    ] {
        assert!(
            created.get(field).is_some(),
            "{field} missing from {created}"
        );
    }
    assert_eq!(created["active"], false);
    assert_eq!(created["callbackUrl"], "https://hooks.example.com/itwin");
    let generated = created["secret"].as_str().unwrap();
    assert!(
        generated.len() >= 32,
        "a generated secret of {} characters",
        generated.len()
    );
    let id = created["id"].as_str().unwrap();
    let path = format!("/webhooks/{id}");

    let (status, listed) = api(&sim, "GET", "/webhooks", None);
    assert_eq!(status, 200);
    assert_eq!(listed["webhooks"][0]["id"], id);
    assert!(
        !listed.to_string().contains(generated),
        "a listing shows no secret"
    );

    let (status, patched) = api(&sim, "PATCH", &path, Some(json!({"active": true})));
    assert_eq!((status, &patched["active"]), (200, &json!(true)));
    assert_eq!(api(&sim, "GET", &path, None).1["active"], true);

    assert_eq!(api(&sim, "DELETE", &path, None), (204, Value::Null));
    assert_eq!(api(&sim, "GET", &path, None).0, 404);
    assert_eq!(api(&sim, "DELETE", &path, None).0, 404);
    assert_eq!(api(&sim, "GET", "/webhooks", None).1["webhooks"], json!([]));
}

#[test]
fn the_list_comes_in_pages_linked_by_next() {
    let mut paged = scenario(json!({}), None);
    paged.webhook_page_size = Some(2);
    let (sim, _clock) = start(paged);
    let ids: Vec<String> = (0..5)
        .map(|_| subscribe(&sim, "https://hooks.example.com/x", &[MODELING_V2], false))
        .collect();
    let mut listed = Vec::new();
    let mut path = "/webhooks".to_owned();
    let base = sim.base_url();
    for _ in 0..3 {
        let (status, page) = api(&sim, "GET", &path, None);
        assert_eq!(status, 200, "{page}");
        let webhooks = page["webhooks"].as_array().unwrap();
        assert!(webhooks.len() <= 2, "{page}");
        listed.extend(
            webhooks
                .iter()
                .map(|w| w["id"].as_str().unwrap().to_owned()),
        );
        match page.pointer("/_links/next/href").and_then(Value::as_str) {
            Some(next) => path = next.strip_prefix(&base).expect("on the same host").into(),
            None => break,
        }
    }
    assert_eq!(listed, ids);
    let (_, first) = api(&sim, "GET", "/webhooks?$top=1", None);
    assert_eq!(first["webhooks"].as_array().unwrap().len(), 1);
    let (status, _) = api(&sim, "GET", "/webhooks?$continuationToken=nonsense", None);
    assert_eq!(status, 400);
}

#[test]
fn the_api_refuses_what_the_platform_refuses() {
    let (sim, _clock) = start(scenario(json!({}), None));
    let good = json!({
        "callbackUrl": "http://127.0.0.1:9/hook", "scope": "iTwin", "scopeId": "itwin-1",
        "eventTypes": [MODELING_V2], "secret": SECRET,
    });
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let cases = [
        (
            "a 31-character secret",
            with("secret", json!("0123456789abcdef0123456789abcde")),
            400,
        ),
        (
            "http to a remote host",
            with("callbackUrl", json!("http://hooks.example.com/")),
            400,
        ),
        ("an unknown scope", with("scope", json!("Project")), 400),
        ("no event type", with("eventTypes", json!([])), 400),
        ("http to loopback", good.clone(), 201),
    ];
    for (name, body, expected) in cases {
        assert_eq!(
            api(&sim, "POST", "/webhooks", Some(body)).0,
            expected,
            "{name}"
        );
    }
    let no_token = api_with(&sim, "POST", "/webhooks", Some(good.clone()), None, V2);
    assert_eq!(no_token.0, 401);
    let v1 = api_with(
        &sim,
        "GET",
        "/webhooks",
        None,
        Some("token"),
        "application/vnd.bentley.itwin-platform.v1+json",
    );
    assert_eq!(v1.0, 406);
    assert_eq!(api(&sim, "PUT", "/webhooks", None).0, 405);
    assert_eq!(
        api(
            &sim,
            "PATCH",
            "/webhooks/nope",
            Some(json!({"active": true}))
        )
        .0,
        404
    );
}

#[test]
fn a_job_that_ends_is_delivered_signed_to_each_active_webhook_subscribed_to_its_event() {
    let jobs = json!({
        "job-modeling": job("reality-modeling", 100.0),
        "job-cc": job("contextcapture", 100.0),
        "job-later": job("reality-modeling", 500.0),
    });
    let (sim, clock) = start(scenario(jobs, None));
    let modeling = Inbox::start(&[]);
    let legacy = Inbox::start(&[]);
    let inactive = Inbox::start(&[]);
    let modeling_id = subscribe(&sim, &modeling.url(), &[MODELING_V2], true);
    subscribe(
        &sim,
        &legacy.url(),
        &["realityModeling.jobCompleted.v1"],
        true,
    );
    subscribe(&sim, &inactive.url(), &[MODELING_V2], false);

    clock.advance(100.0);
    let delivery = modeling.next();
    let envelope = Envelope::parse(&delivery.body).unwrap();
    assert_eq!(envelope.webhook_id.as_deref(), Some(modeling_id.as_str()));
    assert_eq!(envelope.itwin_id.as_deref(), Some("itwin-1"));
    assert!(
        envelope.enqueued.at.is_some(),
        "{:?}",
        envelope.enqueued.raw
    );
    let answer = receiver().handle(&Method::POST, &delivery.headers, &delivery.body);
    assert_eq!(
        answer.into_wake(),
        Some((
            Service::RealityModeling,
            JobId::new("job-modeling").unwrap()
        ))
    );
    let delivery = legacy.next();
    let answer = receiver().handle(&Method::POST, &delivery.headers, &delivery.body);
    assert_eq!(
        answer.into_wake(),
        Some((Service::ContextCapture, JobId::new("job-cc").unwrap()))
    );

    clock.advance(400.0);
    let later = modeling.next();
    assert_eq!(
        Envelope::parse(&later.body).unwrap().job_id.as_str(),
        "job-later"
    );
    assert!(
        inactive.received.try_recv().is_err(),
        "an inactive webhook gets nothing"
    );
    wait_until("three answers recorded", || {
        sim.webhook_deliveries().len() == 3
    });
    let posts = sim.webhook_deliveries();
    assert!(
        posts
            .iter()
            .all(|post| post.sent && post.status == Some(200))
    );
}

#[test]
fn a_failed_or_unanswered_delivery_is_sent_once_more_and_only_once() {
    let deliveries = WebhookDeliveries {
        answer_timeout_ms: 200,
        resend_after_ms: 0,
        ..WebhookDeliveries::default()
    };
    let jobs = json!({ "failing": job("reality-modeling", 10.0), "hanging": job("reality-modeling", 20.0) });
    let (sim, clock) = start(scenario(jobs, Some(deliveries)));
    let inbox = Inbox::start(&[
        Reply::Status(500),
        Reply::Status(503),
        Reply::Hang,
        Reply::Status(204),
    ]);
    subscribe(&sim, &inbox.url(), &[MODELING_V2], true);

    clock.advance(10.0);
    let (first, resend) = (inbox.next(), inbox.next());
    assert_eq!(first.body, resend.body, "a resend is the same message");
    wait_until("both answers recorded", || {
        sim.webhook_deliveries().len() == 2
    });
    clock.advance(10.0);
    let (first, resend) = (inbox.next(), inbox.next());
    assert_eq!(first.body, resend.body);
    assert!(
        resend.at.duration_since(first.at) >= Duration::from_millis(200),
        "the resend waited for the answer timeout"
    );
    wait_until("all answers recorded", || {
        sim.webhook_deliveries().len() == 4
    });
    let statuses: Vec<_> = sim
        .webhook_deliveries()
        .iter()
        .map(|post| post.status)
        .collect();
    assert_eq!(statuses, [Some(500), Some(503), None, Some(204)]);
    assert!(inbox.received.try_recv().is_err(), "no third attempt");
}

#[test]
fn delivery_faults_as_a_receiver_sees_them() {
    let with = |fault: fn(&mut WebhookDeliveries)| {
        let mut deliveries = WebhookDeliveries {
            delay_ms: 300,
            resend_after_ms: 0,
            ..WebhookDeliveries::default()
        };
        fault(&mut deliveries);
        deliveries
    };
    let jobs = || json!({ "first": job("reality-modeling", 10.0), "second": job("reality-modeling", 20.0) });

    // Duplicated: the same message twice; the second wakes nothing.
    let (sim, clock) = start(scenario(jobs(), Some(with(|d| d.duplicated_rate = 1.0))));
    let inbox = Inbox::start(&[]);
    subscribe(&sim, &inbox.url(), &[MODELING_V2], true);
    clock.advance(10.0);
    let mut checker = receiver();
    let outcomes: Vec<_> = [inbox.next(), inbox.next()]
        .iter()
        .map(|copy| {
            checker
                .handle(&Method::POST, &copy.headers, &copy.body)
                .outcome()
                .clone()
        })
        .collect();
    assert!(matches!(outcomes[0], Outcome::Wake { .. }), "{outcomes:?}");
    assert_eq!(outcomes[1], Outcome::Duplicate);

    // Delayed: sent delay_ms after the job's end is noticed.
    let (sim, clock) = start(scenario(jobs(), Some(with(|d| d.delayed_rate = 1.0))));
    let inbox = Inbox::start(&[]);
    subscribe(&sim, &inbox.url(), &[MODELING_V2], true);
    let ended = Instant::now();
    clock.advance(10.0);
    assert!(inbox.next().at.duration_since(ended) >= Duration::from_millis(300));

    // Out of order: each message once at once and once late, so the
    // first job's repeat arrives after the second job's delivery.
    let (sim, clock) = start(scenario(jobs(), Some(with(|d| d.out_of_order_rate = 1.0))));
    let inbox = Inbox::start(&[]);
    subscribe(&sim, &inbox.url(), &[MODELING_V2], true);
    clock.advance(10.0);
    let first = inbox.next();
    clock.advance(10.0);
    let arrivals: Vec<_> = [first, inbox.next(), inbox.next(), inbox.next()]
        .iter()
        .map(|copy| Envelope::parse(&copy.body).unwrap().job_id.to_string())
        .collect();
    assert_eq!(arrivals, ["first", "second", "first", "second"]);

    // Wrong secret: refused by the receiver (401), resent once, refused again.
    let (sim, clock) = start(scenario(jobs(), Some(with(|d| d.wrong_secret_rate = 1.0))));
    let inbox = Inbox::start(&[Reply::Status(401), Reply::Status(401)]);
    subscribe(&sim, &inbox.url(), &[MODELING_V2], true);
    clock.advance(10.0);
    for copy in [inbox.next(), inbox.next()] {
        let answer = receiver().handle(&Method::POST, &copy.headers, &copy.body);
        assert_eq!(answer.status(), 401);
    }
    wait_until("both refusals recorded", || {
        sim.webhook_deliveries().len() == 2
    });
    assert!(
        sim.webhook_deliveries()
            .iter()
            .all(|post| !post.correctly_signed)
    );

    // Lost: never sent, and recorded as such.
    let (sim, clock) = start(scenario(jobs(), Some(with(|d| d.lost_rate = 1.0))));
    let inbox = Inbox::start(&[]);
    subscribe(&sim, &inbox.url(), &[MODELING_V2], true);
    clock.advance(10.0);
    wait_until("the loss recorded", || !sim.webhook_deliveries().is_empty());
    assert!(!sim.webhook_deliveries()[0].sent);
    assert!(inbox.received.try_recv().is_err());
}
