//! `watch JOB JOB ...` and `watch -`: many jobs on the async client, on one
//! tokio runtime of the command's, up to `--max-in-flight` requests at once;
//! the exit code is the worst outcome.

mod ids;
mod seen;
mod watches;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Notify, mpsc};

use crate::args::{Connection, JobArg, Output, Polling};
use crate::interrupt::Interrupt;
use crate::render::many::for_many;
use crate::state_file::StateFile;
use crate::stderr::stderr_line;
use crate::token::TokenSource;
use crate::{client, exit, listen, report};

use watches::Stopped;

/// Ids read ahead of the watches: a few, so that a fast producer on stdin
/// does not fill memory with ids the runtime has not taken yet.
const READ_AHEAD: usize = 256;

/// What keeps the watches company: the state file they are kept in, and
/// the webhook receiver that wakes them.
#[derive(Debug)]
pub struct Beside<'a> {
    /// `--state PATH`.
    pub state: Option<&'a Path>,
    /// `--listen`, bound.
    pub receiver: Option<listen::Prepared>,
}

/// Watches the jobs of `args` (and of stdin for `-`) to their ends. Every
/// deadline counts from `started` (the command's start), or for an id read
/// from stdin from the moment it was read. With a `state` file, the jobs
/// in it go on from where they were, and every event's state is kept in it.
pub fn run(
    connection: &Connection,
    args: &[JobArg],
    polling: &Polling,
    beside: Beside<'_>,
    output: Output,
    interrupt: &Interrupt,
    started: Instant,
) -> u8 {
    let Beside { state, receiver } = beside;
    // Refused before anything is sent, and left as it is.
    let mut state = match state.map(StateFile::open).transpose() {
        Ok(state) => state,
        Err(problem) => {
            stderr_line!("error: {problem}");
            return exit::USAGE;
        }
    };
    let token = match TokenSource::from_environment(connection) {
        Ok(token) => token,
        Err(problem) => {
            stderr_line!("error: {problem}");
            return problem.exit_code();
        }
    };
    // `watch job-1 $TOKEN` is a job list now: never send or show the token.
    let named = args.iter().filter_map(|arg| match arg {
        JobArg::Id(job) => Some(job.as_str()),
        // Its warning shows the id.
        JobArg::Invalid(why) => Some(why.as_str()),
        JobArg::Stdin => None,
    });
    if named.clone().any(|job| token.is_in(job)) {
        stderr_line!(
            "error: a job id holds the access token; nothing was sent (give only job ids after `watch`)"
        );
        return exit::USAGE;
    }
    let secret = token.secret_now();
    let holds_token = move |id: &str| {
        secret
            .as_ref()
            .is_some_and(|secret| !secret.secret().is_empty() && id.contains(secret.secret()))
    };
    let runtime = match client::async_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    // The client's connection pool belongs to this runtime.
    let entered = runtime.enter();
    let built = client::build_async(connection, Some(polling), interrupt.gate(token));
    drop(entered);
    let client = match built {
        Ok(client) => client,
        Err(error) => {
            report::error(&error);
            return exit::for_build(&error);
        }
    };
    // Deliveries wake the watches of this client, on its runtime.
    if let Some(receiver) = receiver
        && let Err(problem) = receiver.serve_on(&runtime, client.clone())
    {
        stderr_line!("error: {}", problem.message);
        return problem.code;
    }
    let (to_watches, incoming) = mpsc::channel(READ_AHEAD);
    if let Err(error) = ids::read(args.to_vec(), started, to_watches) {
        stderr_line!("error: cannot start reading the job ids: {error}");
        return exit::ERROR;
    }
    // A signal ends every watch at once, sleeping or not.
    let stop = Arc::new(Notify::new());
    let on_signal = stop.clone();
    interrupt.on_signal(move || on_signal.notify_one());
    let mut renderer = for_many(output);
    let stopped = runtime.block_on(watches::watch_all(
        &client,
        incoming,
        renderer.as_mut(),
        &stop,
        holds_token,
        state.as_mut(),
    ));
    let code = match stopped {
        // Nobody reads any more: end without a word, as `cat` and `rg` do.
        Stopped::StdoutClosed => exit::SUCCESS,
        Stopped::Signalled => {
            let _ = renderer.finish();
            let signal = interrupt.signal();
            if let Some(signal) = signal {
                stderr_line!("interrupted by {signal}");
            }
            signal.map_or(exit::ERROR, |signal| signal.exit_code())
        }
        Stopped::AllEnded {
            worst,
            output_failed,
        } => {
            let finished = renderer.finish();
            match output_failed.or(finished.err()) {
                Some(error) if error.kind() == std::io::ErrorKind::BrokenPipe => exit::SUCCESS,
                Some(error) => {
                    stderr_line!("error: cannot write the output: {error}");
                    exit::worst([worst, exit::ERROR])
                }
                None => worst,
            }
        }
    };
    // The watches end here, with their connections; a blocking lookup of a
    // host name is not waited for.
    drop(client);
    runtime.shutdown_background();
    code
}
