//! P5: completion pushed. 1,000 watches on one async client, their jobs
//! ending at random instants on `progress-sim`, which delivers each end
//! (signed, as the Webhooks API v2) to a receiver in this process that
//! hands it to `notify_completed`. Measured: the delay from a job's end to
//! its observation (p50, p99) and the requests per job, for
//! completion-only watches woken by deliveries, for the ladder alone (the
//! baseline), and for the ladder with deliveries of which 20% are lost.
//!
//! Time-scaled like the soak: the simulator's seconds pass `scale` times
//! faster than real ones, and the client's ladder and safety net are
//! scaled alike, so delays are read in simulated seconds. What is not
//! scaled (the simulator noticing a job's end, within 10 ms; the delivery,
//! the wake and the poll over loopback) counts `scale` times over: the
//! push figures are upper bounds.

use std::time::Duration;

use futures_util::StreamExt;
use itwin_job_progress::webhook::{Receiver, Secrets, WebhookSecret, router};
use itwin_job_progress::{Client, EventKind};
use progress_sim::{Scenario, Simulator};
use serde_json::{Map, json};

use crate::args::Args;
use crate::figure::Figure;

const SECRET: &str = "p5-bench-webhook-secret-0123456789abcdef";
/// The ladder, and the safety net of completion-only watches, in simulated seconds.
const LADDER: [f64; 4] = [15.0, 30.0, 60.0, 120.0];
const SAFETY_NET: f64 = 600.0;

/// How the watches of one run learn of their jobs' ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Strategy {
    /// Completion-only watches (the safety net), woken by every delivery.
    Pushed,
    /// The ladder, nothing pushed.
    Ladder,
    /// The ladder, woken by deliveries of which this share is lost.
    LadderPushed { lost: f64 },
}

/// What one run measured.
#[derive(Debug)]
struct Run {
    /// Simulated seconds from each job's end to its observation, sorted.
    delays: Vec<f64>,
    requests_per_job: f64,
}

impl Run {
    fn quantile(&self, q: f64) -> f64 {
        let index = ((self.delays.len() as f64 * q).ceil() as usize).saturating_sub(1);
        self.delays.get(index).copied().unwrap_or(f64::NAN)
    }

    fn mean(&self) -> f64 {
        self.delays.iter().sum::<f64>() / self.delays.len().max(1) as f64
    }
}

pub fn run(args: &Args) -> Result<(), String> {
    let watches = args.count("watches")?;
    let scale: f64 = args.number("scale")?;
    let longest: f64 = args.number("longest")?;
    let ends = ends(watches, longest, args.number("seed")?);
    let runtime = crate::runtime::two_workers()?;
    let pushed = runtime.block_on(measure(&ends, scale, Strategy::Pushed))?;
    let ladder = runtime.block_on(measure(&ends, scale, Strategy::Ladder))?;
    let lossy = runtime.block_on(measure(&ends, scale, Strategy::LadderPushed { lost: 0.2 }))?;
    let setting = format!(
        "{watches} watches on one async client, jobs ending between {:.0} and {longest:.0} simulated s, \
         time scale {scale}x; simulated seconds (unscaled delivery latency counts {scale}x)",
        longest / 8.0
    );
    let p99 = pushed.quantile(0.99);
    let mut figure = Figure::new(
        "P5 delay p99",
        "seconds from a job's end to its observation, p99: completion-only + deliveries vs the ladder",
        "s",
        p99,
        Some(ladder.quantile(0.99)),
    )
    .note(setting.clone());
    figure.target = "p99 <= 1 s".to_owned();
    figure.pass = Some(p99 <= 1.0);
    figure.emit()?;
    Figure::new(
        "P5 delay p50",
        "seconds from a job's end to its observation, p50: completion-only + deliveries vs the ladder",
        "s",
        pushed.quantile(0.5),
        Some(ladder.quantile(0.5)),
    )
    .note(format!(
        "ladder mean {:.1} s; {setting}",
        ladder.mean()
    ))
    .emit()?;
    Figure::new(
        "P5 requests",
        "requests per job: completion-only + deliveries vs the ladder",
        "requests",
        pushed.requests_per_job,
        Some(ladder.requests_per_job),
    )
    .note(setting.clone())
    .emit()?;
    Figure::new(
        "P5 lost 20%",
        "seconds from a job's end to its observation, p99, ladder + deliveries with 20% lost, vs the ladder",
        "s",
        lossy.quantile(0.99),
        Some(ladder.quantile(0.99)),
    )
    .note(format!(
        "p50 {:.2} s, mean {:.1} s, {:.1} requests per job; every job seen; {setting}",
        lossy.quantile(0.5),
        lossy.mean(),
        lossy.requests_per_job
    ))
    .emit()
}

/// When each job ends, in simulated seconds: seeded, between an eighth of
/// `longest` and `longest`.
fn ends(watches: usize, longest: f64, seed: u64) -> Vec<f64> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..watches)
        .map(|_| longest / 8.0 + rng.f64() * longest * 7.0 / 8.0)
        .collect()
}

fn job(index: usize) -> String {
    format!("p5-{index:04}")
}

/// One run: a simulator of the jobs, a receiver if deliveries are on, one
/// client watching every job to its end.
async fn measure(ends: &[f64], scale: f64, strategy: Strategy) -> Result<Run, String> {
    let sim = simulator(ends, scale, strategy)?;
    let scaled = |seconds: f64| Duration::from_secs_f64(seconds / scale);
    let mut builder = Client::builder()
        .base_url(sim.base_url())
        .token("p5")
        .intervals(LADDER.map(scaled))
        .deadline(scaled(
            ends.iter().copied().fold(0.0, f64::max) + 2.0 * SAFETY_NET,
        ));
    if strategy == Strategy::Pushed {
        builder = builder.safety_net(scaled(SAFETY_NET));
    }
    let client = builder.build().map_err(|error| error.to_string())?;
    let receiver = match strategy {
        Strategy::Ladder => None,
        _ => Some(receive(&sim, client.clone()).await?),
    };
    let mut seen = vec![None; ends.len()];
    let mut events = client.watch_many((0..ends.len()).map(job));
    while let Some(event) = events.next().await {
        if let EventKind::Finished(outcome) = event.kind {
            outcome.map_err(|error| format!("{}: {error}", event.job))?;
            let index: usize = event.job[3..]
                .parse()
                .map_err(|_| format!("a job of another run: {}", event.job))?;
            seen[index] = Some(sim.simulated_seconds());
        }
    }
    drop(receiver);
    let mut delays = seen
        .iter()
        .zip(ends)
        .map(|(seen, end)| seen.map(|seen| seen - end).ok_or("a job was never seen"))
        .collect::<Result<Vec<f64>, _>>()?;
    delays.sort_by(f64::total_cmp);
    let requests: u64 = (0..ends.len())
        .map(|index| sim.requests_for(&job(index)))
        .sum();
    Ok(Run {
        delays,
        requests_per_job: requests as f64 / ends.len() as f64,
    })
}

fn simulator(ends: &[f64], scale: f64, strategy: Strategy) -> Result<Simulator, String> {
    let mut jobs = Map::new();
    for (index, end) in ends.iter().enumerate() {
        let points = json!([
            { "at_seconds": 0, "state": "Active", "percentage": 10 },
            { "at_seconds": end / 2.0, "state": "Active", "percentage": 50 },
            { "at_seconds": end, "state": "Success", "percentage": 100 },
        ]);
        jobs.insert(job(index), json!({ "points": points }));
    }
    let mut scenario = json!({ "time_scale": scale, "jobs": jobs });
    if let Strategy::LadderPushed { lost } = strategy {
        scenario["webhook_deliveries"] = json!({ "seed": 5, "lost_rate": lost });
    }
    let scenario = Scenario::from_json(&scenario.to_string()).map_err(|error| error.to_string())?;
    Simulator::builder(scenario)
        .start_blocking()
        .map_err(|error| format!("cannot start the simulator: {error}"))
}

/// Serves a receiver that wakes `client`'s watches, subscribed to `sim`'s
/// job ends; the receiver stops when the returned task is dropped.
async fn receive(sim: &Simulator, client: Client) -> Result<Serving, String> {
    let secret = WebhookSecret::new(SECRET).map_err(|error| error.to_string())?;
    let app = router(Receiver::new(Secrets::new(secret)), move |service, job| {
        client.notify_completed(service, &job);
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|error| error.to_string())?;
    let url = format!(
        "http://{}/hooks",
        listener.local_addr().map_err(|error| error.to_string())?
    );
    let serving = Serving(tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    }));
    let http = crate::baseline::reqwest_client()?;
    let created = http
        .post(sim.webhooks_url())
        .bearer_auth("p5")
        .body(
            json!({
                "callbackUrl": url, "scope": "Account", "secret": SECRET,
                "eventTypes": ["realityModeling.jobCompleted.v2"],
            })
            .to_string(),
        )
        .send()
        .await
        .map_err(|error| error.to_string())?
        .text()
        .await
        .map_err(|error| error.to_string())?;
    let created: serde_json::Value =
        serde_json::from_str(&created).map_err(|error| format!("the webhook: {error}"))?;
    let id = created["id"].as_str().ok_or("the webhook has no id")?;
    let activated = http
        .patch(format!("{}/{id}", sim.webhooks_url()))
        .bearer_auth("p5")
        .body(json!({ "active": true }).to_string())
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if !activated.status().is_success() {
        return Err(format!("activating the webhook: {}", activated.status()));
    }
    Ok(serving)
}

/// The receiver's task: stopped when dropped.
struct Serving(tokio::task::JoinHandle<()>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_are_seeded_and_within_the_window() {
        let (a, b) = (ends(100, 800.0, 3), ends(100, 800.0, 3));
        assert_eq!(a, b);
        assert!(a.iter().all(|end| (100.0..=800.0).contains(end)));
    }

    #[test]
    fn quantiles_read_the_sorted_delays() {
        let run = Run {
            delays: (1..=100).map(f64::from).collect(),
            requests_per_job: 0.0,
        };
        assert_eq!((run.quantile(0.5), run.quantile(0.99)), (50.0, 99.0));
    }
}
