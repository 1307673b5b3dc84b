//! The clients under test, each driving every watch of a cell at once:
//! blocking (a thread per watch) and async on four runtimes (the watches
//! joined on one task, as a service awaiting many jobs would).

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures_util::{FutureExt, StreamExt};
use itwin_job_progress::{Client, blocking};

use crate::jobs::Job;
use crate::plan::Plan;
use crate::record::{Log, Outcome, RecordingToken, WatchRecord};
use crate::webhooks::Hub;

/// One column of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    Blocking,
    TokioCurrentThread,
    TokioMultiThread,
    AsyncStd,
    Smol,
}

pub const ALL: [Adapter; 5] = [
    Adapter::Blocking,
    Adapter::TokioCurrentThread,
    Adapter::TokioMultiThread,
    Adapter::AsyncStd,
    Adapter::Smol,
];

impl Adapter {
    pub fn name(self) -> &'static str {
        match self {
            Self::Blocking => "blocking",
            Self::TokioCurrentThread => "tokio-current-thread",
            Self::TokioMultiThread => "tokio-multi-thread",
            Self::AsyncStd => "async-std",
            Self::Smol => "smol",
        }
    }

    /// Watches every job to its end; one record per job, in job order.
    /// With a `hub`, the watches are completion-only and each client is
    /// registered there for the webhook receiver.
    pub fn run(
        self,
        plan: &Plan,
        base_url: &str,
        jobs: &[Job],
        hub: Option<&Hub>,
    ) -> Vec<WatchRecord> {
        match self {
            Self::Blocking => run_blocking(plan, base_url, jobs, hub),
            Self::TokioCurrentThread => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(run_async(plan, base_url, jobs, hub)),
            Self::TokioMultiThread => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(run_async(plan, base_url, jobs, hub)),
            Self::AsyncStd => async_std::task::block_on(run_async(plan, base_url, jobs, hub)),
            Self::Smol => smol::block_on(run_async(plan, base_url, jobs, hub)),
        }
    }
}

/// The settings every client of the soak shares, on either builder.
macro_rules! configure {
    ($builder:expr, $provide:ident, $plan:expr, $base_url:expr, $job:expr, $log:expr) => {
        $builder
            .base_url($base_url)
            .$provide(RecordingToken {
                token: $job.token.clone(),
                log: $log.clone(),
            })
            .on_retry($log.on_retry())
            .intervals($plan.intervals())
            .max_retries($plan.max_retries)
            .deadline($job.deadline)
            .request_timeout($plan.request_timeout)
            .connect_timeout($plan.request_timeout)
    };
}

fn run_blocking(plan: &Plan, base_url: &str, jobs: &[Job], hub: Option<&Hub>) -> Vec<WatchRecord> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .enumerate()
            .map(|(index, job)| {
                let log = Log::default();
                let started = Instant::now();
                let watch_log = log.clone();
                let handle = scope.spawn(move || {
                    let watch = || {
                        let builder = configure!(
                            blocking::Client::builder(),
                            token_provider,
                            plan,
                            base_url,
                            job,
                            watch_log
                        );
                        let client = match hub {
                            Some(hub) => {
                                let client = builder.safety_net(plan.safety_net()).build()?;
                                let notified = client.clone();
                                hub.register(&job.id, &watch_log, move |service, job| {
                                    notified.notify_completed(service, job)
                                });
                                client
                            }
                            None => builder.build()?,
                        };
                        let mut outcome = Outcome::default();
                        for item in client.watch(&job.id) {
                            outcome.item(&watch_log, item);
                        }
                        outcome.finish()
                    };
                    let outcome = watch();
                    // Timed here: the joins below come in job order, not end order.
                    (outcome, started.elapsed())
                });
                (index, log, started, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(job, log, started, handle)| {
                // A panicked watch is timed at its join: later than it ended, never sooner.
                let (outcome, took) = match handle.join() {
                    Ok((outcome, took)) => (Some(outcome), took),
                    Err(_) => (None, started.elapsed()),
                };
                WatchRecord {
                    job,
                    started,
                    took,
                    events: log.events(),
                    outcome,
                }
            })
            .collect()
    })
}

async fn run_async(
    plan: &Plan,
    base_url: &str,
    jobs: &[Job],
    hub: Option<&Hub>,
) -> Vec<WatchRecord> {
    let watches = jobs.iter().enumerate().map(|(index, job)| async move {
        let log = Log::default();
        let started = Instant::now();
        let watch = async {
            let builder = configure!(
                Client::builder(),
                async_token_provider,
                plan,
                base_url,
                job,
                log
            );
            let client = match hub {
                Some(hub) => {
                    let client = builder.safety_net(plan.safety_net()).build()?;
                    let notified = client.clone();
                    hub.register(&job.id, &log, move |service, job| {
                        notified.notify_completed(service, job)
                    });
                    client
                }
                None => builder.build()?,
            };
            let mut stream = client.watch(&job.id);
            let mut outcome = Outcome::default();
            while let Some(item) = stream.next().await {
                outcome.item(&log, item);
            }
            outcome.finish()
        };
        let outcome = AssertUnwindSafe(watch).catch_unwind().await.ok();
        WatchRecord {
            job: index,
            started,
            took: started.elapsed(),
            events: log.events(),
            outcome,
        }
    });
    futures_util::future::join_all(watches).await
}
