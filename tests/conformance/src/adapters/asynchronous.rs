//! The async client (`progress-reqwest`) on each runtime: `tokio-current-thread`,
//! `tokio-multi-thread`, `async-std` and `smol`. The same code runs on each; only
//! the executor that drives it differs, and on async-std and smol no tokio
//! runtime is in scope.

use std::time::Duration;

use futures_util::StreamExt;
use progress_model::ManualClock;
use progress_reqwest::Client;

use crate::live_reader::LiveReader;
use crate::observed::{Observed, Recorder};
use crate::schedule::Schedule;
use crate::vector::{Mode, Vector};
use crate::virtual_time::VirtualTime;
use crate::{Adapter, configure_builder, resume};

/// An executor to run the async client on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// tokio's current-thread runtime.
    TokioCurrentThread,
    /// tokio's multi-thread runtime (two workers).
    TokioMultiThread,
    /// async-std's executor.
    AsyncStd,
    /// smol's `block_on`.
    Smol,
}

/// Drives `progress_reqwest::Client` on one runtime with a recording sleeper and
/// the manual clock.
#[derive(Debug, Clone, Copy)]
pub struct Async(pub Runtime);

impl Adapter for Async {
    fn name(&self) -> &'static str {
        match self.0 {
            Runtime::TokioCurrentThread => "tokio-current-thread",
            Runtime::TokioMultiThread => "tokio-multi-thread",
            Runtime::AsyncStd => "async-std",
            Runtime::Smol => "smol",
        }
    }

    fn run(&self, vector: &Vector, base_url: &str, clock: ManualClock) -> Observed {
        let run = observe(vector, base_url, clock);
        match self.0 {
            Runtime::TokioCurrentThread => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(run),
            Runtime::TokioMultiThread => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(run),
            Runtime::AsyncStd => async_std::task::block_on(run),
            Runtime::Smol => smol::block_on(run),
        }
    }
}

async fn observe(vector: &Vector, base_url: &str, clock: ManualClock) -> Observed {
    let schedule = Schedule::of(vector);
    let recorder = Recorder::new(clock.clone(), vector.timing).with_schedule(schedule.clone());
    // Many watches share the clock: their waits overlap on virtual time. A
    // live set starts empty; its inserts count its watches.
    let live = match vector.mode {
        Mode::WatchMany => vector.watches.len(),
        _ => 0,
    };
    let time = VirtualTime::new(clock.clone(), live).with_schedule(schedule.clone());
    let build = || {
        let builder = Client::builder().base_url(vector.base_url(base_url));
        let builder = if vector.mode.is_many() {
            let time = time.clone();
            builder.sleeper(move |wait: Duration| time.sleep(wait))
        } else {
            let sleeper = recorder.clone();
            builder.sleeper(move |wait: Duration| {
                sleeper.sleep(wait);
                std::future::ready(())
            })
        };
        let builder = builder
            .on_retry(recorder.retry_listener())
            .clock(clock.clone());
        let configured = configure_builder!(
            builder,
            &vector.settings,
            client_credentials: progress_reqwest::ClientCredentials => async_token_provider,
            server: base_url,
            clock: &clock,
        );
        recorder.built(configured.and_then(|builder| builder.build()))
    };
    let Some(client) = build() else {
        return recorder.finish();
    };
    let notified = client.clone();
    schedule.deliver_to(vector.service(), move |service, job| {
        notified.notify_completed(service, job)
    });
    let id = vector.job_id.as_str();
    match vector.mode {
        Mode::Progress => recorder.single(client.progress(id).await),
        Mode::Wait => recorder.single(client.wait(id).await),
        Mode::Watch => match vector.resume {
            None => {
                let mut watch = client.watch(id);
                while let Some(item) = watch.next().await {
                    if !recorder.item(item) {
                        break;
                    }
                }
            }
            Some(resume) => {
                let mut saved = None;
                let mut events = client.watch_events(id);
                let mut count = 0;
                while let Some(event) = events.next().await {
                    count += 1;
                    saved = resume::record(&recorder, resume, count, event);
                    if saved.is_some() {
                        break;
                    }
                }
                drop(events); // the watch is dropped here
                let Some(state) = saved else {
                    return recorder.finish();
                };
                resume::stopped(&recorder, resume);
                let Some(client) = build() else {
                    return recorder.finish();
                };
                match state {
                    Ok(state) => {
                        let mut events = client.resume(state);
                        while let Some(event) = events.next().await {
                            if !resume::item(&recorder, event) {
                                break;
                            }
                        }
                    }
                    Err(error) => recorder.single(Err(error)),
                }
            }
        },
        Mode::WatchMany => {
            let jobs = vector.watches.iter().map(|watch| watch.job_id.as_str());
            let mut events = client.watch_many(jobs);
            while let Some(event) = events.next().await {
                // Recorded at its instant, before the clock may move on.
                let last = event.is_final();
                if !recorder.event(event) {
                    break;
                }
                if last {
                    time.finished();
                }
            }
            recorder.ended();
        }
        Mode::Live => {
            let (watches, mut events) = client.watches();
            let started = time.clone();
            let live = LiveReader::start(&schedule, &recorder, &clock, watches, move || {
                started.started();
            });
            while live.take(live.next_async(events.next()).await, || time.finished()) {}
            live.finish();
        }
    }
    recorder.finish()
}
