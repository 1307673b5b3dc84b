//! The watch loop shared by `watch` and `demo`: observe, show, stop on a signal.

use progress_model::{Error, JobId};
use progress_ureq::Client;

use crate::exit::Ending;
use crate::interrupt::Interrupt;
use crate::render::Renderer;

/// Watches `job` to its end, showing each observation, and takes the display
/// down before returning how it ended.
///
/// The client must sleep on `interrupt` and ask it for tokens (see
/// [`Interrupt::gate`]): then a signal ends the watch within a request, not a poll interval.
pub fn run(
    client: &Client,
    job: &JobId,
    renderer: &mut dyn Renderer,
    interrupt: &Interrupt,
) -> Ending {
    let ending = observe(client, job, renderer, interrupt);
    match renderer.finish(&ending) {
        Ok(()) => ending,
        Err(error) => Ending::Output(error),
    }
}

/// The loop itself: shows each observation until the job ends, the watch
/// fails, or a signal comes.
fn observe(
    client: &Client,
    job: &JobId,
    renderer: &mut dyn Renderer,
    interrupt: &Interrupt,
) -> Ending {
    let watch = client.watch(job.as_str());
    // A watch sleeping on its own handle (a client built without a sleeper)
    // is woken by a cancel, not by the interrupt's sleeper.
    let cancel = watch.cancel_handle();
    interrupt.on_signal(move || cancel.cancel());
    for observation in watch {
        // A job that ended is reported as ended, even if a signal came
        // while its last answer was on the way.
        if let Ok(progress) = &observation
            && progress.is_terminal()
        {
            return match renderer.observe(progress) {
                Ok(()) => Ending::Finished(progress.clone()),
                Err(error) => Ending::Output(error),
            };
        }
        // After a signal the gated token provider fails the next request
        // before it is sent; that error is the interruption, not a failure.
        if let Some(signal) = interrupt.signal() {
            return Ending::Interrupted(signal);
        }
        match observation {
            Ok(progress) => {
                if let Err(error) = renderer.observe(&progress) {
                    return Ending::Output(error);
                }
            }
            Err(error) => return Ending::Failed(error),
        }
    }
    // The client ends a watch only after a terminal state or an error, both
    // handled above; this is a bug in the client, and must not pass for success.
    Ending::Failed(Error::Config(
        "the watch ended without a final state".into(),
    ))
}
