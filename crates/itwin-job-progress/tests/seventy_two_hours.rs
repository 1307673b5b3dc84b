//! A 72-hour job watched to its end with `ClientCredentials`, on the
//! simulator: the job changes every 20 simulated minutes, tokens live one
//! simulated hour, and the client's sleeper moves the simulated clock (and
//! the client's), so three days run in a few real seconds.
#![cfg(feature = "oauth")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use itwin_job_progress::{ManualClock, Progress};
use progress_sim::{ManualSimClock, Scenario, Simulator};

mod support;
use support::{advance, simulator_for};

const HOURS: u64 = 72;
const CHANGE_EVERY: u64 = 20 * 60;
const STEPS: u64 = HOURS * 3600 / CHANGE_EVERY;
const CLIENT_ID: &str = "long-watcher";
const SECRET: &str = "long-watcher-Secret-9f8e7d";

/// The job: a new step every 20 minutes, success at 72 hours. With `faults`,
/// 5% of the answers of both endpoints are 5xx or dropped connections.
fn scenario(faults: bool) -> Scenario {
    let points: Vec<String> = (0..STEPS)
        .map(|i| {
            format!(
                r#"{{"at_seconds":{},"state":"Active","percentage":{},"step":"Step-{i}"}}"#,
                i * CHANGE_EVERY,
                i * 100 / STEPS
            )
        })
        .chain([format!(
            r#"{{"at_seconds":{},"state":"Success","percentage":100,"step":"Step-{STEPS}"}}"#,
            STEPS * CHANGE_EVERY
        )])
        .collect();
    let faults_of = |seed: u64| {
        if faults {
            format!(r#","faults":{{"seed":{seed},"server_error_rate":0.03,"drop_rate":0.02}}"#)
        } else {
            String::new()
        }
    };
    Scenario::from_json(&format!(
        r#"{{
            "time_scale": {scale},
            "oauth": {{
                "clients": {{ "{CLIENT_ID}": {{ "secret": "{SECRET}" }} }},
                "token_lifetime_seconds": 3600
                {oauth_faults}
            }}
            {api_faults},
            "jobs": {{ "job-72h": {{ "points": [{points}] }} }}
        }}"#,
        // 72 simulated hours in at most 20 real seconds, were the clock real.
        scale = HOURS * 3600 / 20,
        oauth_faults = faults_of(11),
        api_faults = faults_of(29),
        points = points.join(","),
    ))
    .unwrap()
}

/// What a run saw: the observations in order and the failures waited out.
#[derive(Default)]
struct Seen {
    observations: Vec<Progress>,
    retries: Vec<String>,
}

fn check(seen: &Seen, sim: &Simulator, faults: bool) {
    let steps: Vec<u64> = seen
        .observations
        .iter()
        .map(|p| p.step.as_deref().unwrap()["Step-".len()..].parse().unwrap())
        .collect();
    // Every step, in order: no wait is longer than the 20 minutes between changes.
    let expected: Vec<u64> = (0..=STEPS).collect();
    let mut distinct = steps.clone();
    distinct.dedup();
    assert_eq!(distinct, expected, "steps out of order or missed");
    assert!(seen.observations.last().unwrap().is_success());
    // About one token an hour (each renewed five minutes early), not one per poll.
    let tokens = sim.token_requests();
    let polls = sim.requests_for("job-72h");
    if faults {
        assert!((72..=95).contains(&tokens), "{tokens} token requests");
        assert!(!seen.retries.is_empty(), "the faults were waited out");
    } else {
        assert!((72..=80).contains(&tokens), "{tokens} token requests");
        assert!(seen.retries.is_empty(), "{:?}", seen.retries);
        // No token ever expired under a watch: the API refused none.
        assert_eq!(sim.served().rejected, 0);
    }
    assert!(polls > 20 * tokens, "{polls} polls for {tokens} tokens");
    for text in &seen.retries {
        assert!(
            !text.contains(SECRET) && !text.contains("sim-at-"),
            "{text}"
        );
    }
}

fn simulator(faults: bool) -> (Simulator, ManualSimClock, ManualClock) {
    let (sim, sim_clock) = simulator_for(scenario(faults));
    (sim, sim_clock, ManualClock::default())
}

#[cfg(feature = "runtime-tokio")]
async fn watch_async(faults: bool) {
    use futures_util::StreamExt;
    let (sim, sim_clock, clock) = simulator(faults);
    let tokens = itwin_job_progress::ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url(sim.token_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let heard = seen.clone();
    let moved = clock.clone();
    let client = itwin_job_progress::Client::builder()
        .base_url(sim.base_url())
        .async_token_provider(tokens)
        .clock(clock)
        .on_retry(move |retry| heard.lock().unwrap().retries.push(retry.to_string()))
        .sleeper(move |wait: Duration| {
            advance(&sim_clock, &moved, wait);
            std::future::ready(())
        })
        .build()
        .unwrap();
    let mut watch = client.watch("job-72h");
    while let Some(item) = watch.next().await {
        seen.lock().unwrap().observations.push(item.unwrap());
    }
    check(&seen.lock().unwrap(), &sim, faults);
}

#[cfg(feature = "runtime-tokio")]
#[tokio::test]
async fn the_async_client_watches_72_hours_with_about_one_token_an_hour() {
    watch_async(false).await;
}

#[cfg(feature = "runtime-tokio")]
#[tokio::test]
async fn the_async_client_watches_72_hours_through_5_percent_faults() {
    watch_async(true).await;
}

#[cfg(feature = "blocking")]
fn watch_blocking(faults: bool) {
    use itwin_job_progress::blocking::{Client, ClientCredentials};
    let (sim, sim_clock, clock) = simulator(faults);
    let tokens = ClientCredentials::builder(CLIENT_ID, SECRET.to_owned())
        .token_url(sim.token_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let heard = seen.clone();
    let moved = clock.clone();
    let client = Client::builder()
        .base_url(sim.base_url())
        .token_provider(tokens)
        .clock(clock)
        .on_retry(move |retry| heard.lock().unwrap().retries.push(retry.to_string()))
        .sleeper(move |wait: Duration| advance(&sim_clock, &moved, wait))
        .build()
        .unwrap();
    for item in client.watch("job-72h") {
        seen.lock().unwrap().observations.push(item.unwrap());
    }
    check(&seen.lock().unwrap(), &sim, faults);
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_watches_72_hours_with_about_one_token_an_hour() {
    watch_blocking(false);
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_watches_72_hours_through_5_percent_faults() {
    watch_blocking(true);
}
