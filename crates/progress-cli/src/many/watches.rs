//! Every job's watch on one async client, concurrently: started as its id
//! comes in, shown event by event, ended together by a signal or a closed
//! stdout.

use std::io;

use futures_util::stream::SelectAll;
use futures_util::{FutureExt, StreamExt};
use progress_model::{Event, EventKind, WatchOptions, WatchState};
use progress_reqwest::{Client, EventStream};
use tokio::sync::{Notify, mpsc};

use super::ids::Incoming;
use super::seen::Seen;
use crate::exit;
use crate::render::many::EventRenderer;
use crate::state_file::StateFile;

/// How the watches ended.
#[derive(Debug)]
pub enum Stopped {
    /// Stdin was closed (or held no `-`) and every watch ended: the worst
    /// outcome, and the first output error if the output could not be written.
    AllEnded {
        worst: u8,
        output_failed: Option<io::Error>,
    },
    /// A signal came: every watch was dropped, and with it cancelled.
    Signalled,
    /// Nobody reads stdout any more (`| head -1`): every watch was dropped.
    StdoutClosed,
}

/// Watches every job `incoming` brings (each once) until all have ended,
/// or `stop` is notified, or stdout is closed. A job whose id holds the
/// token (`holds_token`) is neither sent nor shown.
pub async fn watch_all(
    client: &Client,
    mut incoming: mpsc::Receiver<Incoming>,
    renderer: &mut dyn EventRenderer,
    stop: &Notify,
    holds_token: impl Fn(&str) -> bool,
    mut state: Option<&mut StateFile>,
) -> Stopped {
    // Every watch runs inside this one stream, polled by this task: no task
    // or thread per job, and dropping it cancels them all.
    let mut watches: SelectAll<EventStream> = SelectAll::new();
    let mut seen = Seen::default();
    let mut reading = true;
    let mut worst = exit::SUCCESS;
    let mut output_failed = None;
    let mut saving_failed = false;
    // The jobs of the state file that have not ended go on, named or not.
    for saved in state
        .as_deref()
        .map(StateFile::unfinished)
        .unwrap_or_default()
    {
        seen.first_time(&saved.job);
        renderer.started(&saved.job);
        watches.push(client.resume(saved));
    }
    while reading || !watches.is_empty() {
        tokio::select! {
            biased;
            () = stop.notified() => return Stopped::Signalled,
            // Events first: ids that keep coming must not hold up the watches.
            next = watches.next(), if !watches.is_empty() => {
                // None: the last watch just ended (the loop's test sees it).
                let Some(event) = next else { continue };
                // The events already waiting come with it: the state file is
                // written once for them all, before any of them is shown.
                let mut batch = vec![event];
                while let Some(Some(event)) = watches.next().now_or_never() {
                    batch.push(event);
                }
                if let Some(file) = state.as_deref_mut()
                    && let Err(error) = file.record_all(batch.iter().filter_map(kept))
                    && !std::mem::replace(&mut saving_failed, true)
                {
                    renderer.warn(&format!("cannot save the state file: {error}"));
                    worst = exit::worst([worst, exit::ERROR]);
                }
                for event in batch {
                    if let EventKind::Finished(outcome) = &event.kind {
                        let code = match outcome {
                            Ok(progress) => exit::for_state(&progress.state),
                            Err(error) => exit::for_error(error),
                        };
                        worst = exit::worst([worst, code]);
                    }
                    match renderer.event(&event) {
                        Ok(()) => {}
                        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                            return Stopped::StdoutClosed;
                        }
                        // Keep watching: the exit code still tells how the jobs ended.
                        Err(error) => {
                            output_failed.get_or_insert(error);
                        }
                    }
                }
            }
            next = incoming.recv(), if reading => match next {
                None => reading = false,
                Some(Incoming::Job(job, read_at)) => {
                    if holds_token(job.as_str()) {
                        renderer.warn("an id holds the access token: it is neither sent nor shown");
                        worst = exit::worst([worst, exit::ERROR]);
                    } else if seen.first_time(&job) {
                        let mut options = WatchOptions::new().started_at(read_at);
                        if let Some(saved) = state.as_deref().and_then(|file| file.get(&job)) {
                            // Its end is reported from the file, not asked again.
                            if let Some(last) = saved.final_observation() {
                                let shown = Event::new(job.as_str(), EventKind::Observed(last.clone()));
                                let _ = renderer.event(&shown);
                            }
                            options = options.resume_from(saved.clone());
                        }
                        watches.push(client.watch_events_with(job.as_str(), options));
                        renderer.started(&job);
                    }
                }
                Some(Incoming::Skipped(warning)) => renderer.warn(&warning),
                Some(Incoming::Invalid(warning)) => {
                    renderer.warn(&warning);
                    worst = exit::worst([worst, exit::ERROR]);
                }
            },
        }
    }
    Stopped::AllEnded {
        worst,
        output_failed,
    }
}

/// The state `event` carries, when it is worth keeping: not that of a watch
/// cancelled (by a signal: the next run goes on from the last event
/// before) or refused before it began (a state of another service: the
/// saved one stays).
fn kept(event: &Event) -> Option<&WatchState> {
    let refused = matches!(
        &event.kind,
        EventKind::Finished(Err(error))
            if matches!(error.kind(), progress_model::ErrorKind::Cancelled | progress_model::ErrorKind::Config)
    );
    event.watch_state().filter(|_| !refused)
}
