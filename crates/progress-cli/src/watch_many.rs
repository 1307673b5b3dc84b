//! `watch JOB JOB ...` and `watch -`: many jobs on one client, on this
//! thread; the exit code is the worst outcome.

use std::io::BufRead;

use progress_model::{EventKind, JobId};
use progress_ureq::Client;

use crate::args::JobArg;
use crate::exit;
use crate::interrupt::Interrupt;
use crate::render::many::EventRenderer;
use crate::stderr::stderr_line;

/// The jobs named on the command line, `-` replaced by the ids on `stdin`
/// (one a line, blank lines skipped), each job once, in order. An id that
/// is not one, or no job at all, is a usage error.
pub fn jobs(args: &[JobArg], stdin: impl BufRead) -> Result<Vec<JobId>, String> {
    let mut stdin = Some(stdin);
    let mut jobs: Vec<JobId> = Vec::new();
    for arg in args {
        match arg {
            JobArg::Id(job) => jobs.push(job.clone()),
            JobArg::Stdin => {
                // A second `-` reads nothing more: stdin is already read.
                let Some(input) = stdin.take() else { continue };
                for (index, line) in input.lines().enumerate() {
                    let line = line.map_err(|error| format!("cannot read stdin: {error}"))?;
                    let id = line.trim();
                    if id.is_empty() {
                        continue;
                    }
                    let job = JobId::new(id)
                        .map_err(|error| format!("stdin line {}: {error}", index + 1))?;
                    jobs.push(job);
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    jobs.retain(|job| seen.insert(job.clone()));
    if jobs.is_empty() {
        return Err("no job to watch (stdin held no job id)".into());
    }
    Ok(jobs)
}

/// Watches every job to its end, showing each event, and returns the exit
/// code: the worst outcome, or the signal's code after a signal.
pub fn run(
    client: &Client,
    jobs: &[JobId],
    renderer: &mut dyn EventRenderer,
    interrupt: &Interrupt,
) -> u8 {
    let watch = client.watch_many(jobs.iter().map(JobId::as_str));
    // A signal ends every watch at once, sleeping or not.
    interrupt.cancel_on_signal(watch.cancel_handle());
    let mut codes = Vec::with_capacity(jobs.len());
    let mut output_failed = None;
    for event in watch {
        if let EventKind::Finished(outcome) = &event.kind {
            codes.push(match outcome {
                Ok(progress) => exit::for_state(&progress.state),
                Err(error) => exit::for_error(error),
            });
        }
        // After a signal the watches end cancelled: that is the interruption,
        // reported once below, not one failure per job.
        if interrupt.is_set() {
            continue;
        }
        if output_failed.is_none()
            && let Err(error) = renderer.event(&event)
        {
            // Keep watching: the exit code still tells how the jobs ended.
            output_failed = Some(error);
        }
    }
    if let Err(error) = renderer.finish() {
        output_failed.get_or_insert(error);
    }
    if let Some(signal) = interrupt.signal() {
        stderr_line!("interrupted by {signal}");
        return signal.exit_code();
    }
    if let Some(error) = output_failed {
        stderr_line!("error: cannot write the output: {error}");
        codes.push(exit::ERROR);
    }
    exit::worst(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> JobArg {
        JobArg::Id(JobId::new(text).unwrap())
    }

    #[test]
    fn stdin_ids_take_the_place_of_the_dash_once_each() {
        let stdin = "job-2\n\n  job-3  \njob-1\n".as_bytes();
        let jobs = jobs(&[id("job-1"), JobArg::Stdin, JobArg::Stdin], stdin).unwrap();
        let names: Vec<&str> = jobs.iter().map(JobId::as_str).collect();
        assert_eq!(names, ["job-1", "job-2", "job-3"]);
    }

    #[test]
    fn a_bad_id_or_no_id_at_all_is_refused() {
        let error = jobs(&[JobArg::Stdin], "ok\n..\n".as_bytes()).unwrap_err();
        assert!(error.starts_with("stdin line 2:"), "{error}");
        let error = jobs(&[JobArg::Stdin], "\n\n".as_bytes()).unwrap_err();
        assert!(error.contains("no job"), "{error}");
    }
}
