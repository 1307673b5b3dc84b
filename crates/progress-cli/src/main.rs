//! `itwin-progress`: get or watch the progress of an iTwin Platform job.
//!
//! This file parses the command line, runs the subcommand and turns its
//! outcome into the exit code; each idea lives in a module of its own.

// The doc comments in `args` are also the `--help` text, where a URL is
// plain text, not a rustdoc link.
#[allow(rustdoc::bare_urls)]
mod args;
mod client;
#[cfg(feature = "demo")]
mod demo;
mod exit;
mod interrupt;
mod listen;
mod many;
mod render;
mod report;
mod signal;
mod state_file;
mod stderr;
mod token;
mod token_file;
mod usage_error;
mod watch;
#[cfg(feature = "webhooks")]
mod webhooks;

use std::process::ExitCode;

use clap::Parser;
use progress_model::JobId;
use progress_ureq::ThreadSleeper;

use crate::args::{Cli, Command, Connection, JobArg, Output, Polling};
use crate::interrupt::Interrupt;
use crate::stderr::stderr_line;
use crate::token::TokenSource;

/// Parses, runs the subcommand, exits with its code.
fn main() -> ExitCode {
    // A deadline of many jobs counts from here.
    let started = std::time::Instant::now();
    // Not `Cli::parse()`: clap's own message would repeat a stray or invalid
    // value, which may be a token typed in the wrong place.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(usage_error::report(&error)),
    };
    let code = match &cli.command {
        Command::Get { job, output } => get(&cli.connection, job, *output),
        Command::Watch {
            jobs,
            polling,
            listen,
            state,
            output,
        } => match listen::prepare(listen) {
            Err(problem) => {
                stderr_line!("error: {}", problem.message);
                problem.code
            }
            Ok(receiver) => match jobs.as_slice() {
                // One job keeps the one-job display: a single bar or plain lines
                // (with a state file, the events of many: they carry the state).
                [JobArg::Id(job)] if state.is_none() => {
                    watch(&cli.connection, job, polling, receiver, *output)
                }
                // Alone, an id that is none is a mistake on the command line.
                [JobArg::Invalid(why)] => {
                    stderr_line!("error: {why}");
                    exit::USAGE
                }
                _ => many::run(
                    &cli.connection,
                    jobs,
                    polling,
                    many::Beside {
                        state: state.as_deref(),
                        receiver,
                    },
                    *output,
                    &on_signals(),
                    started,
                ),
            },
        },
        #[cfg(feature = "webhooks")]
        Command::Webhooks { action } => webhooks::run(&cli.connection, action),
        #[cfg(not(feature = "webhooks"))]
        Command::Webhooks { .. } => {
            stderr_line!(
                "error: this build of itwin-progress has no webhooks: it needs the `webhooks` feature (on by default)"
            );
            exit::USAGE
        }
        #[cfg(feature = "demo")]
        Command::Demo { output } => demo::run(*output, &on_signals()),
        #[cfg(not(feature = "demo"))]
        Command::Demo { .. } => {
            stderr_line!(
                "error: this build of itwin-progress has no demo: it needs the `demo` feature (on by default)"
            );
            exit::USAGE
        }
    };
    ExitCode::from(code)
}

/// `get`: one request, one line. 0 for any answer, 1 for an error.
fn get(connection: &Connection, job: &JobId, output: Output) -> u8 {
    let token = match TokenSource::from_environment(connection) {
        Ok(token) => token,
        Err(problem) => {
            stderr_line!("error: {problem}");
            return problem.exit_code();
        }
    };
    // A single request never sleeps, and Ctrl-C may simply end it.
    let client = match client::build(connection, None, token, ThreadSleeper, None) {
        Ok(client) => client,
        Err(error) => {
            report::error(&error);
            return exit::for_build(&error);
        }
    };
    let result = client.progress(job.as_str());
    match &result {
        Ok(progress) => {
            if let Err(error) = render::for_get(output).observe(progress) {
                stderr_line!("error: cannot write the output: {error}");
                return exit::ERROR;
            }
        }
        Err(error) => report::error(error),
    }
    exit::for_get(&result)
}

/// `watch`: polls to the end; the exit code tells how the job ended.
fn watch(
    connection: &Connection,
    job: &JobId,
    polling: &Polling,
    receiver: Option<listen::Prepared>,
    output: Output,
) -> u8 {
    let token = match TokenSource::from_environment(connection) {
        Ok(token) => token,
        Err(problem) => {
            stderr_line!("error: {problem}");
            return problem.exit_code();
        }
    };
    let interrupt = on_signals();
    let mut renderer = render::for_watch(output);
    let token = interrupt.gate(token);
    let on_retry = Some(renderer.retry_listener());
    // A delivery's wake must end the sleep between polls at once.
    let built = if receiver.is_some() {
        client::build_wakeable(connection, Some(polling), token, on_retry)
    } else {
        client::build(
            connection,
            Some(polling),
            token,
            interrupt.clone(),
            on_retry,
        )
    };
    let client = match built {
        Ok(client) => client,
        Err(error) => {
            report::error(&error);
            return exit::for_build(&error);
        }
    };
    // Deliveries wake this client's watch; the receiver stops with it.
    let _receiver = match receiver.map(|receiver| receiver.serve_in_background(client.clone())) {
        Some(Err(problem)) => {
            stderr_line!("error: {}", problem.message);
            return problem.code;
        }
        serving => serving,
    };
    let ending = watch::run(&client, job, renderer.as_mut(), &interrupt);
    report::ending(&ending);
    exit::for_ending(&ending)
}

/// The interrupt flag, set by SIGINT, SIGTERM and SIGHUP. Should the handler
/// fail to install, the watch still runs; a signal then ends it the default way.
fn on_signals() -> Interrupt {
    Interrupt::on_signals().unwrap_or_else(|error| {
        stderr_line!(
            "warning: cannot handle signals ({error}); Ctrl-C will end the program abruptly"
        );
        Interrupt::new()
    })
}
