//! The ready webhook endpoint, served for real: deliveries from the
//! simulated Webhooks API, and requests that must be refused.

use std::time::Duration;

use progress_model::webhook::signature_for;
use progress_model::{JobId, Service};
use progress_reqwest::webhook::{BODY_CAP, Receiver, Secrets, WebhookSecret, router};
use progress_sim::{ManualSimClock, Scenario, Simulator};
use serde_json::json;
use tokio::sync::mpsc;

const SECRET: &str = "0123456789abcdef0123456789abcdef-router";

fn secret() -> WebhookSecret {
    WebhookSecret::new(SECRET).unwrap()
}

/// Serves the router on a loopback port; its URL and the woken jobs.
async fn serve() -> (String, mpsc::UnboundedReceiver<(Service, JobId)>) {
    let (woken, jobs) = mpsc::unbounded_channel();
    let app = router(
        Receiver::new(Secrets::new(secret())),
        move |service, job_id| {
            let _ = woken.send((service, job_id));
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/itwin/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, jobs)
}

async fn next(jobs: &mut mpsc::UnboundedReceiver<(Service, JobId)>) -> (Service, JobId) {
    tokio::time::timeout(Duration::from_secs(10), jobs.recv())
        .await
        .expect("a wake within 10 s")
        .expect("the router is alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_ending_on_the_simulated_platform_wakes_it_once() {
    let (url, mut jobs) = serve().await;
    let scenario = Scenario::from_json(
        &json!({ "jobs": {
            "job-a": { "service": "reality-conversion", "points": [
                { "at_seconds": 0, "state": "active" }, { "at_seconds": 60, "state": "Failed" } ] }
        }, "webhook_deliveries": { "duplicated_rate": 1.0 } })
        .to_string(),
    )
    .unwrap();
    let clock = ManualSimClock::new();
    let sim = Simulator::builder(scenario)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let request = json!({
        "callbackUrl": url, "scope": "Account", "secret": SECRET,
        "eventTypes": ["realityConversion.jobCompleted.v2"],
    });
    let created = http
        .post(sim.webhooks_url())
        .bearer_auth("token")
        .body(request.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = created["id"].as_str().unwrap();
    let activated = http
        .patch(format!("{}/{id}", sim.webhooks_url()))
        .bearer_auth("token")
        .body(json!({ "active": true }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(activated.status(), 200);

    clock.advance(60.0);
    assert_eq!(
        next(&mut jobs).await,
        (Service::RealityConversion, JobId::new("job-a").unwrap())
    );
    // The copy of the same message is answered 200 and wakes nothing.
    let answered = async {
        loop {
            let posts = sim.webhook_deliveries();
            if posts.len() == 2 {
                return posts;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    let posts = tokio::time::timeout(Duration::from_secs(10), answered)
        .await
        .unwrap();
    assert!(
        posts.iter().all(|post| post.status == Some(200)),
        "{posts:?}"
    );
    assert!(jobs.try_recv().is_err(), "a duplicate woke the job again");
}

#[tokio::test]
async fn refusals_carry_the_status_the_platform_expects_and_wake_nothing() {
    let (url, mut jobs) = serve().await;
    let event = json!({
        "content": { "jobId": "job-b" }, "eventType": "realityModeling.jobCompleted.v2",
        "enqueuedDateTime": "11/3/2023 8:07:01 PM", "iTwinId": "t", "messageId": "m-1", "webhookId": "w",
    })
    .to_string();
    let signed = |body: &str| signature_for(&secret(), body.as_bytes());
    let huge = format!("{event}{}", " ".repeat(BODY_CAP));
    let http = reqwest::Client::new();
    let cases = [
        ("GET", Some(signed(&event)), event.clone(), 405),
        ("POST", None, event.clone(), 401),
        ("POST", Some(signed("{}")), event.clone(), 401),
        ("POST", Some(signed("[1]")), "[1]".to_owned(), 400),
        ("POST", Some(signed(&huge)), huge.clone(), 413),
    ];
    for (method, signature, body, expected) in cases {
        let mut request = http.request(method.parse().unwrap(), &url).body(body);
        if let Some(signature) = signature {
            request = request.header("Signature", signature);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), expected, "{method} {expected}");
        if expected == 405 {
            assert_eq!(response.headers()["allow"], "POST");
        }
    }
    assert!(jobs.try_recv().is_err(), "a refused request woke a job");
    let accepted = http
        .post(&url)
        .header(
            "Signature",
            signed(&event).to_uppercase().replace("SHA256=", "sha256="),
        )
        .body(event.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(next(&mut jobs).await.1.as_str(), "job-b");
}
