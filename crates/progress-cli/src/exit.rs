//! How a run ends, as an exit code: the one table scripts rely on.

use progress_model::{Error, JobState, Progress};

use crate::signal::StopSignal;

/// The job succeeded (`success`).
pub const SUCCESS: u8 = 0;
/// Any other error: HTTP, network, token, configuration.
pub const ERROR: u8 = 1;
/// The command line was wrong or incomplete (clap uses 2 for its own errors too).
pub const USAGE: u8 = 2;
/// The job failed.
pub const JOB_FAILED: u8 = 3;
/// The job was cancelled.
pub const JOB_CANCELLED: u8 = 4;
/// The deadline came before the job ended.
pub const DEADLINE: u8 = 5;
/// The job ended `over` (ContextCapture): its outcome lives on the job, not in
/// the progress answer, so it is neither success nor failure.
pub const JOB_OVER: u8 = 6;

/// The exit code table, shown at the end of `--help` (kept next to the codes
/// so the two cannot drift apart).
pub const HELP: &str = "\
Exit codes:
  0    the job succeeded (state `success`); `get`: the service answered
  1    any other error (HTTP, network, token file, the identity service
       refusing the client: invalid_client, invalid_scope, ...); the message
       on stderr gives the status, the API or OAuth code and the correlation
       id when known
  2    usage error: a bad option or value (a --service that is not a path, an
       --accept-version that cannot be a header, --intervals under 0.01 s,
       --deadline 0s, ...), no access token at all, a client id without
       a secret, or a webhook secret missing or under 32 characters
  3    the job failed
  4    the job was cancelled
  5    the deadline (--deadline) came before the job ended
  6    the job ended `over` (contextcapture): it ended, but the progress answer
       does not say how; ask the service for the job itself to learn its outcome
  129  stopped by SIGHUP (the terminal went away)
  130  interrupted by SIGINT (Ctrl-C)
  143  stopped by SIGTERM
With several jobs, the exit code is the worst of their outcomes:
1 over 5 over 3 over 4 over 6 over 0; an invalid job id among them counts
as 1. A closed stdout (`| head -1`) ends the command at once, silently,
with 0.

The access token is read from ITWIN_ACCESS_TOKEN or from --token-file PATH;
with a client id (--client-id or ITWIN_CLIENT_ID) tokens come from the
identity service, the secret from ITWIN_CLIENT_SECRET or --client-secret-file PATH.";

/// Shown at the end of `get --help`.
pub const GET_HELP: &str = "\
Exit codes: 0 when the service answered with progress (whatever the state),
1 on any error, 2 on a usage error.";

/// How a `watch` (or the demo) ended.
#[derive(Debug)]
pub enum Ending {
    /// The job reached a terminal state.
    Finished(Progress),
    /// The watch ended with an error (the deadline included).
    Failed(Error),
    /// The observations could not be written (stdout closed, disk full).
    Output(std::io::Error),
    /// A signal stopped it; the exit code is the signal's own
    /// ([`StopSignal::exit_code`]: 130, 143 or 129).
    Interrupted(StopSignal),
}

/// The exit code of a watch's ending.
pub fn for_ending(ending: &Ending) -> u8 {
    match ending {
        Ending::Finished(progress) => for_state(&progress.state),
        Ending::Failed(error) => for_error(error),
        // Nobody reads any more (`| head -1`): not a failure, as for `rg`.
        Ending::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe => SUCCESS,
        Ending::Output(_) => ERROR,
        Ending::Interrupted(signal) => signal.exit_code(),
    }
}

/// The exit code of a job's final state.
pub fn for_state(state: &JobState) -> u8 {
    match state {
        JobState::Success => SUCCESS,
        JobState::Over => JOB_OVER,
        JobState::Failed => JOB_FAILED,
        JobState::Cancelled => JOB_CANCELLED,
        // A watch only ends on a terminal state; anything else here would be a
        // bug elsewhere, and must not pass for success.
        _ => ERROR,
    }
}

/// The exit code of an error: 5 for the deadline, 1 for everything else.
pub fn for_error(error: &Error) -> u8 {
    match error {
        Error::Deadline { .. } => DEADLINE,
        _ => ERROR,
    }
}

/// The worst of several jobs' exit codes, for a watch of many: an error (1)
/// over the deadline (5) over a failed job (3) over a cancelled one (4) over
/// `over` (6) over success (0). No code at all is success.
pub fn worst(codes: impl IntoIterator<Item = u8>) -> u8 {
    /// Worse first.
    const ORDER: [u8; 6] = [
        ERROR,
        DEADLINE,
        JOB_FAILED,
        JOB_CANCELLED,
        JOB_OVER,
        SUCCESS,
    ];
    let rank = |code: u8| ORDER.iter().position(|c| *c == code).unwrap_or(0);
    codes
        .into_iter()
        .min_by_key(|code| rank(*code))
        .unwrap_or(SUCCESS)
}

/// The exit code of a client that could not be built. The command line is
/// checked by clap first, but a setting only the client refuses (now or in a
/// later version of the library) is still the user's mistake: a usage error.
pub fn for_build(error: &Error) -> u8 {
    match error {
        Error::Config(_) | Error::InsecureUrl { .. } => USAGE,
        _ => ERROR,
    }
}

/// The exit code of `get`: 0 for any answer, 1 for an error (the state is
/// information, not an outcome: the job may still be running).
pub fn for_get(result: &Result<Progress, Error>) -> u8 {
    match result {
        Ok(_) => SUCCESS,
        Err(_) => ERROR,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn progress(state: &str) -> Progress {
        {
            let mut progress = Progress::new(JobState::parse(state));
            progress.percentage = Some(100.0);
            progress
        }
    }

    #[test]
    fn terminal_states_map_to_their_codes() {
        let cases = [("success", 0), ("Over", 6), ("failed", 3), ("cancelled", 4)];
        for (state, code) in cases {
            let ending = Ending::Finished(progress(state));
            assert_eq!(for_ending(&ending), code, "{state}");
        }
    }

    #[test]
    fn a_non_terminal_state_is_never_success() {
        for state in ["active", "queued", "terminatingoncancel", "mystery"] {
            assert_eq!(for_state(&JobState::parse(state)), ERROR, "{state}");
        }
    }

    #[test]
    fn errors_are_1_except_the_deadline() {
        let deadline = Error::deadline(Duration::from_secs(1), Some(progress("active")), None);
        assert_eq!(for_ending(&Ending::Failed(deadline)), DEADLINE);
        let other = Error::Config("x".into());
        assert_eq!(for_ending(&Ending::Failed(other.clone())), ERROR);
        let retries = Error::retries_exhausted(6, other);
        assert_eq!(for_error(&retries), ERROR);
    }

    #[test]
    fn the_worst_outcome_of_many_jobs_wins() {
        let cases: [(&[u8], u8); 8] = [
            (&[], SUCCESS),
            (&[SUCCESS, SUCCESS], SUCCESS),
            (&[SUCCESS, JOB_OVER], JOB_OVER),
            (&[JOB_OVER, JOB_CANCELLED, SUCCESS], JOB_CANCELLED),
            (&[JOB_CANCELLED, JOB_FAILED], JOB_FAILED),
            (&[JOB_FAILED, DEADLINE, JOB_OVER], DEADLINE),
            (&[DEADLINE, ERROR, SUCCESS], ERROR),
            (&[SUCCESS, ERROR], ERROR),
        ];
        for (codes, expected) in cases {
            assert_eq!(worst(codes.iter().copied()), expected, "{codes:?}");
        }
    }

    #[test]
    fn a_refused_setting_is_a_usage_error() {
        assert_eq!(for_build(&Error::Config("x".into())), USAGE);
        let insecure = Error::InsecureUrl {
            url: "http://example.com".into(),
        };
        assert_eq!(for_build(&insecure), USAGE);
        let connect = Error::connect("refused");
        assert_eq!(for_build(&connect), ERROR);
    }

    #[test]
    fn each_signal_has_its_code_and_get_ignores_the_state() {
        let cases = [
            (StopSignal::Interrupt, 130),
            (StopSignal::Terminate, 143),
            (StopSignal::HangUp, 129),
        ];
        for (signal, code) in cases {
            assert_eq!(for_ending(&Ending::Interrupted(signal)), code, "{signal}");
        }
        assert_eq!(for_get(&Ok(progress("failed"))), SUCCESS);
        assert_eq!(for_get(&Err(Error::Config("x".into()))), ERROR);
    }

    #[test]
    fn the_help_table_lists_the_codes_together_in_order() {
        let codes: Vec<u8> = HELP
            .lines()
            .skip_while(|line| !line.starts_with("Exit codes:"))
            .skip(1)
            .take_while(|line| line.starts_with("  "))
            .filter_map(|line| line.split_whitespace().next()?.parse().ok())
            .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 129, 130, 143]);
    }

    #[test]
    fn the_help_table_lists_every_code() {
        for code in [
            SUCCESS,
            ERROR,
            USAGE,
            JOB_FAILED,
            JOB_CANCELLED,
            DEADLINE,
            JOB_OVER,
            StopSignal::HangUp.exit_code(),
            StopSignal::Interrupt.exit_code(),
            StopSignal::Terminate.exit_code(),
        ] {
            assert!(
                HELP.lines()
                    .any(|line| line.trim_start().starts_with(&format!("{code} "))),
                "{code}"
            );
        }
    }
}
