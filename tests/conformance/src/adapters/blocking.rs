//! `blocking`: the ureq client (`progress-ureq`).

use std::time::Duration;

use progress_model::ManualClock;
use progress_ureq::Client;

use crate::live_reader::LiveReader;
use crate::observed::{Observed, Recorder};
use crate::schedule::Schedule;
use crate::vector::{Mode, Vector};
use crate::{Adapter, configure_builder, resume};

/// Drives `progress_ureq::Client` with a recording sleeper and the manual clock.
#[derive(Debug, Clone, Copy)]
pub struct Blocking;

impl Adapter for Blocking {
    fn name(&self) -> &'static str {
        "blocking"
    }

    fn run(&self, vector: &Vector, base_url: &str, clock: ManualClock) -> Observed {
        let schedule = Schedule::of(vector);
        let recorder = Recorder::new(clock.clone(), vector.timing).with_schedule(schedule.clone());
        let build = || {
            let sleeper = recorder.clone();
            let builder = Client::builder()
                .base_url(vector.base_url(base_url))
                .sleeper(move |wait: Duration| sleeper.sleep(wait))
                .on_retry(recorder.retry_listener())
                .clock(clock.clone());
            let configured = configure_builder!(
                builder,
                &vector.settings,
                client_credentials: progress_ureq::ClientCredentials => token_provider,
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
            Mode::Progress => recorder.single(client.progress(id)),
            Mode::Wait => recorder.single(client.wait(id)),
            Mode::Watch => match vector.resume {
                None => recorder.watch(client.watch(id)),
                Some(resume) => {
                    let mut saved = None;
                    for (count, event) in client.watch_events(id).enumerate() {
                        saved = resume::record(&recorder, resume, count + 1, event);
                        if saved.is_some() {
                            break; // the watch is dropped here
                        }
                    }
                    let Some(state) = saved else {
                        return recorder.finish();
                    };
                    resume::stopped(&recorder, resume);
                    let Some(client) = build() else {
                        return recorder.finish();
                    };
                    match state {
                        Ok(state) => {
                            for event in client.resume(state) {
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
                for event in client.watch_many(jobs) {
                    if !recorder.event(event) {
                        break;
                    }
                }
                recorder.ended();
            }
            Mode::Live => {
                let (watches, mut events) = client.watches();
                let live = LiveReader::start(&schedule, &recorder, &clock, watches, || {});
                while live.take(live.next(|| events.next()), || {}) {}
                live.finish();
            }
        }
        recorder.finish()
    }
}
