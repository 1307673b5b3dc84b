//! `notify_completed` on both clients, against the simulated service: a
//! delivery saying a job completed makes its watch poll at once, whatever
//! its rung, but not inside the client's 429 pause; for a job no watch
//! follows, nothing happens. The sleeper moves the simulator's clock and
//! the client's, and delivers the completions due within each wait.
//! (Async watches waiting together need time that overlaps their sleeps:
//! the conformance suite's wake vectors run the 429 case on every runtime.)

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use itwin_job_progress::{JobId, ManualClock, Service};
use progress_sim::{ManualSimClock, Simulator};

mod support;
use support::simulator_of;

/// `job-1` ends at 300.5 s. Alone on the ladder, its watch polls at 0, 15,
/// 45, 105 and 225, and would see the end at 345.
const ONE_JOB: &str = r#"{ "jobs": {
    "job-1": { "points": [
        { "at_seconds": 0, "state": "Active", "percentage": 10 },
        { "at_seconds": 300.5, "state": "Success", "percentage": 100 }
    ] }
} }"#;

/// `sleeping` ends at 120.2 s and is delivered at 120.5 s, while its watch
/// waits on the 120 s rung (105 to 225). `limited` changes at 14 s, so its
/// watch polls at 0, 15, 30, 60 and 120, and its fifth request is a 429
/// (`Retry-After: 1`): the client pauses from 120 to 121.
const TWO_JOBS: &str = r#"{ "jobs": {
    "sleeping": { "points": [
        { "at_seconds": 0, "state": "Active", "percentage": 10 },
        { "at_seconds": 120.2, "state": "Success", "percentage": 100 }
    ] },
    "limited": { "rate_limited_requests": [5], "points": [
        { "at_seconds": 0, "state": "Active", "percentage": 10 },
        { "at_seconds": 14, "state": "Active", "percentage": 20 },
        { "at_seconds": 1000, "state": "Success", "percentage": 100 }
    ] }
} }"#;

/// The simulated world: the simulator on a manual clock, the client's
/// manual clock, and the completions still to deliver (second, job).
struct World {
    sim: Simulator,
    sim_clock: ManualSimClock,
    clock: ManualClock,
    deliveries: Mutex<Vec<(f64, &'static str)>>,
    /// What each delivery's `notify_completed` returned.
    notified: Mutex<Vec<(&'static str, bool)>>,
}

impl World {
    fn new(scenario: &str, deliveries: &[(f64, &'static str)]) -> Arc<Self> {
        let (sim, sim_clock) = simulator_of(scenario);
        Arc::new(Self {
            sim,
            sim_clock,
            clock: ManualClock::default(),
            deliveries: Mutex::new(deliveries.to_vec()),
            notified: Mutex::default(),
        })
    }

    fn seconds(&self) -> f64 {
        self.clock.elapsed().as_secs_f64()
    }

    /// A sleep of `wait`: both clocks move, up to the first delivery due
    /// within it, which is then handed to `notify` (as a receiver would).
    fn sleep(&self, wait: Duration, notify: impl Fn(&JobId) -> bool) {
        let now = self.seconds();
        let end = now + wait.as_secs_f64();
        let due = {
            let mut deliveries = self.deliveries.lock().unwrap();
            let first = deliveries.iter().position(|(at, _)| *at <= end);
            first.map(|index| deliveries.remove(index))
        };
        let until = due.map_or(end, |(at, _)| at.max(now));
        let step = Duration::from_secs_f64(until - now);
        self.sim_clock.advance(step.as_secs_f64());
        self.clock.advance(step);
        if let Some((_, job)) = due {
            let woken = notify(&JobId::new(job).unwrap());
            self.notified.lock().unwrap().push((job, woken));
        }
    }
}

#[cfg(feature = "blocking")]
mod blocking {
    use super::*;
    use itwin_job_progress::EventKind;
    use itwin_job_progress::blocking::Client;

    fn client(world: &Arc<World>) -> Client {
        let slot: Arc<OnceLock<Client>> = Arc::default();
        let (moved, to_notify) = (world.clone(), slot.clone());
        let client = Client::builder()
            .jitter(0.0)
            .base_url(world.sim.base_url())
            .token("demo-token")
            .clock(world.clock.clone())
            .sleeper(move |wait: Duration| {
                let client = to_notify.get().expect("the client");
                moved.sleep(wait, |job| {
                    client.notify_completed(Service::RealityModeling, job)
                });
            })
            .build()
            .unwrap();
        let _ = slot.set(client.clone());
        client
    }

    #[test]
    fn a_watch_on_the_120_s_rung_polls_as_soon_as_its_job_is_delivered() {
        let world = World::new(ONE_JOB, &[(300.5, "job-1")]);
        let client = client(&world);
        let outcome = client.wait("job-1").unwrap();
        assert!(outcome.state.is_terminal());
        assert_eq!(world.seconds(), 300.5, "polled at the delivery, not at 345");
        assert_eq!(world.sim.requests_for("job-1"), 6);
        assert_eq!(*world.notified.lock().unwrap(), [("job-1", true)]);
    }

    #[test]
    fn a_delivery_for_a_job_no_watch_follows_does_nothing() {
        let world = World::new(ONE_JOB, &[(100.0, "other-job"), (300.5, "job-1")]);
        let client = client(&world);
        client.wait("job-1").unwrap();
        let notified = world.notified.lock().unwrap().clone();
        assert_eq!(notified, [("other-job", false), ("job-1", true)]);
        assert_eq!(world.sim.requests_for("job-1"), 6, "no request for it");
        assert_eq!(world.sim.requests_for("other-job"), 0);
        // No watch at all: false too.
        let job = JobId::new("job-1").unwrap();
        assert!(!client.notify_completed(Service::RealityModeling, &job));
    }

    #[test]
    fn a_delivery_during_the_clients_429_pause_waits_for_the_pause() {
        let world = World::new(TWO_JOBS, &[(120.5, "sleeping")]);
        let client = client(&world);
        let mut seen_at = None;
        for event in client.watch_many(["sleeping", "limited"]) {
            if event.job == "sleeping" && event.is_final() {
                assert!(matches!(event.kind, EventKind::Finished(Ok(_))));
                seen_at = Some(world.seconds());
                break;
            }
        }
        assert_eq!(
            seen_at,
            Some(121.0),
            "after the pause (120 to 121), not at 225"
        );
        assert_eq!(world.sim.rate_limited_for("limited"), 1);
    }

    /// The default sleeper, on real time: a watch asleep on a 120 s rung
    /// wakes when the delivery comes.
    #[test]
    fn the_default_sleeper_is_woken_at_once() {
        let (sim, sim_clock) = simulator_of(ONE_JOB);
        let client = Client::builder()
            .base_url(sim.base_url())
            .token("demo-token")
            .intervals([Duration::from_secs(120)])
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let mut watch = client.watch("job-1");
        assert!(!watch.next().unwrap().unwrap().state.is_terminal());
        let watching = std::thread::spawn(move || watch.outcome());
        sim_clock.advance(400.0);
        let job = JobId::new("job-1").unwrap();
        assert!(client.notify_completed(Service::RealityModeling, &job));
        let outcome = watching.join().unwrap().unwrap();
        assert!(outcome.state.is_terminal());
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "it slept its rung"
        );
        assert_eq!(sim.requests_for("job-1"), 2);
    }
}

#[cfg(feature = "runtime-tokio")]
mod asynchronous {
    use super::*;
    use futures_util::StreamExt;
    use itwin_job_progress::Client;

    fn client(world: &Arc<World>) -> Client {
        let slot: Arc<OnceLock<Client>> = Arc::default();
        let (moved, to_notify) = (world.clone(), slot.clone());
        let client = Client::builder()
            .jitter(0.0)
            .base_url(world.sim.base_url())
            .token("demo-token")
            .clock(world.clock.clone())
            .sleeper(move |wait: Duration| {
                let client = to_notify.get().expect("the client");
                moved.sleep(wait, |job| {
                    client.notify_completed(Service::RealityModeling, job)
                });
                std::future::ready(())
            })
            .build()
            .unwrap();
        let _ = slot.set(client.clone());
        client
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_watch_on_the_120_s_rung_polls_as_soon_as_its_job_is_delivered() {
        let world = World::new(ONE_JOB, &[(300.5, "job-1")]);
        let client = client(&world);
        let outcome = client.wait("job-1").await.unwrap();
        assert!(outcome.state.is_terminal());
        assert_eq!(world.seconds(), 300.5, "polled at the delivery, not at 345");
        assert_eq!(world.sim.requests_for("job-1"), 6);
        assert_eq!(*world.notified.lock().unwrap(), [("job-1", true)]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_delivery_for_a_job_no_watch_follows_does_nothing() {
        let world = World::new(ONE_JOB, &[(100.0, "other-job"), (300.5, "job-1")]);
        let client = client(&world);
        client.wait("job-1").await.unwrap();
        let notified = world.notified.lock().unwrap().clone();
        assert_eq!(notified, [("other-job", false), ("job-1", true)]);
        assert_eq!(world.sim.requests_for("job-1"), 6, "no request for it");
        let job = JobId::new("job-1").unwrap();
        assert!(!client.notify_completed(Service::RealityModeling, &job));
    }

    /// The runtime's own timer: a watch asleep on a 120 s rung wakes when
    /// the delivery comes, from another task.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_runtime_sleeper_is_woken_at_once() {
        let (sim, sim_clock) = simulator_of(ONE_JOB);
        let client = Client::builder()
            .base_url(sim.base_url())
            .token("demo-token")
            .intervals([Duration::from_secs(120)])
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let mut watch = client.watch("job-1");
        assert!(!watch.next().await.unwrap().unwrap().state.is_terminal());
        let watching = tokio::spawn(async move { watch.next().await });
        sim_clock.advance(400.0);
        let job = JobId::new("job-1").unwrap();
        assert!(client.notify_completed(Service::RealityModeling, &job));
        let last = watching.await.unwrap().unwrap().unwrap();
        assert!(last.state.is_terminal());
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "it slept its rung"
        );
        assert_eq!(sim.requests_for("job-1"), 2);
    }
}
