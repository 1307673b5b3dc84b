//! The command line, as clap reads it. Every value is checked here, so a bad
//! one is a usage error (exit 2) before anything is sent.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use progress_model::{ApiVersion, BaseUrl, Environment, JobId, Service};

use crate::exit;

/// Get or watch the progress of an iTwin Platform job (reality modeling,
/// reality conversion, reality analysis, ContextCapture).
///
/// The access token comes from the environment variable ITWIN_ACCESS_TOKEN, or
/// from a file named with --token-file (read again before each request, so a
/// token refreshed in the file is picked up). It is never taken as a plain
/// argument and never printed.
#[derive(Debug, Parser)]
#[command(name = "itwin-progress", version, after_help = exit::HELP)]
pub struct Cli {
    /// Where to send requests and how to authenticate; accepted before or after
    /// the subcommand.
    #[command(flatten)]
    pub connection: Connection,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask once where a job stands and print it.
    ///
    /// Exits 0 whenever the service answered with progress, whatever the job's
    /// state (use `watch` to wait for the end and get the outcome as exit code).
    #[command(after_help = exit::GET_HELP)]
    Get {
        /// The job's id.
        #[arg(value_name = "JOB_ID", value_parser = parse_job_id)]
        job: JobId,
        /// How to print.
        #[command(flatten)]
        output: Output,
    },
    /// Poll a job until it ends; the exit code tells how it ended.
    #[command(after_help = exit::HELP)]
    Watch {
        /// The job's id.
        #[arg(value_name = "JOB_ID", value_parser = parse_job_id)]
        job: JobId,
        /// How to poll.
        #[command(flatten)]
        polling: Polling,
        /// How to print.
        #[command(flatten)]
        output: Output,
    },
    /// Watch a simulated job on a local simulator: no account, no network.
    ///
    /// A realistic job (queued, then Prepare_Production, Reconstruction, Tiling
    /// and Export, with one 429 on the way) whose few minutes run in about ten
    /// seconds. The connection and token options are ignored.
    Demo {
        /// How to print.
        #[command(flatten)]
        output: Output,
    },
}

/// The options that say where requests go and with which token.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection options")]
pub struct Connection {
    /// The service whose job it is: reality-modeling, reality-conversion,
    /// reality-analysis, contextcapture, realityconversion,
    /// realitydataanalysis, or any other path below the base URL.
    #[arg(
        long,
        global = true,
        value_name = "SERVICE",
        default_value = "reality-modeling",
        value_parser = parse_service
    )]
    pub service: Service,
    /// The iTwin Platform environment [default: prod, https://api.bentley.com].
    #[arg(long = "env", global = true, value_enum, value_name = "ENV")]
    pub environment: Option<EnvironmentArg>,
    /// Any base URL instead of an environment's: https://, or http:// for
    /// loopback hosts only (the token never crosses a network in clear text).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        conflicts_with = "environment",
        value_parser = parse_base_url
    )]
    pub base_url: Option<BaseUrl>,
    /// The API version to ask for: v1, v2 (the v2 services) or a full media
    /// type [default: v1].
    #[arg(long, global = true, value_name = "VERSION", value_parser = parse_api_version)]
    pub accept_version: Option<ApiVersion>,
    /// Read the access token from this file (whitespace trimmed, a leading
    /// `Bearer ` accepted) instead of ITWIN_ACCESS_TOKEN. Read before each
    /// request, so a refreshed token is picked up after a 401.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
}

/// The environments, as clap offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvironmentArg {
    /// https://api.bentley.com
    Prod,
    /// https://qa-api.bentley.com
    Qa,
    /// https://dev-api.bentley.com
    Dev,
}

impl From<EnvironmentArg> for Environment {
    fn from(environment: EnvironmentArg) -> Self {
        match environment {
            EnvironmentArg::Prod => Environment::Prod,
            EnvironmentArg::Qa => Environment::Qa,
            EnvironmentArg::Dev => Environment::Dev,
        }
    }
}

/// How a watch polls.
#[derive(Debug, Args)]
pub struct Polling {
    /// Give up after this long (e.g. 90s, 45m, 6h); exit code 5. Never sleeps past it.
    #[arg(long, value_name = "DURATION", value_parser = parse_deadline)]
    pub deadline: Option<Duration>,
    /// The waits between polls in seconds, comma-separated; the last repeats and
    /// the ladder restarts when the percentage changes [default: 15,30,60,120].
    // Negative numbers are taken as values, so `-1` gets the clear message below.
    #[arg(
        long,
        value_name = "SECONDS,...",
        value_parser = parse_intervals,
        allow_negative_numbers = true
    )]
    pub intervals: Option<Intervals>,
    /// Transient failures (5xx, timeouts, connection errors) retried in a row
    /// before giving up [default: 5].
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,
}

/// How observations are printed.
#[derive(Debug, Clone, Copy, Args)]
pub struct Output {
    /// Print one JSON object per observation on stdout, e.g.
    /// {"percentage":56.0,"state":"active","step":"Prepare_Production"}.
    #[arg(long)]
    pub json: bool,
}

/// The poll ladder from `--intervals`: at least one wait, each longer than zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals(pub Vec<Duration>);

/// Reads `--intervals`: positive numbers of seconds, fractions allowed.
pub fn parse_intervals(text: &str) -> Result<Intervals, String> {
    text.split(',')
        .map(|rung| {
            let rung = rung.trim();
            let seconds: f64 = rung.parse().map_err(|_| {
                format!("`{rung}` is not a number of seconds (expected e.g. 15,30,60,120 or 0.5,1)")
            })?;
            // Rejects zero, negatives, NaN, infinities, and values so small they
            // round to no wait at all: a zero wait would flood the service.
            Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|wait| !wait.is_zero() && seconds.is_finite())
                .ok_or_else(|| format!("`{rung}` is not a positive number of seconds"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Intervals)
}

/// Reads `--deadline` as a humantime duration (`90s`, `45m`, `6h`, `1h 30m`).
fn parse_deadline(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|error| format!("{error} (expected a duration such as 90s, 45m or 6h)"))
}

/// Checks a job id the way the client would, but as a usage error.
fn parse_job_id(text: &str) -> Result<JobId, String> {
    JobId::new(text).map_err(|error| error.to_string())
}

/// Reads `--service`: a known name or a custom path, not empty.
fn parse_service(text: &str) -> Result<Service, String> {
    if text.trim_matches('/').is_empty() {
        return Err("the service must not be empty".into());
    }
    Ok(Service::parse(text))
}

/// Reads `--base-url`: https://, or http:// to a loopback host.
fn parse_base_url(text: &str) -> Result<BaseUrl, String> {
    BaseUrl::new(text).map_err(|error| error.to_string())
}

/// Reads `--accept-version`: v1, v2 or a media type.
fn parse_api_version(text: &str) -> Result<ApiVersion, String> {
    text.parse()
        .map_err(|error: progress_model::Error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn intervals_accept_positive_seconds_with_fractions() {
        assert_eq!(
            parse_intervals("0.05, 0.1,2").unwrap(),
            Intervals(vec![
                Duration::from_millis(50),
                Duration::from_millis(100),
                Duration::from_secs(2)
            ])
        );
    }

    #[test]
    fn intervals_refuse_anything_but_positive_seconds() {
        for bad in ["", "0", "-1", "1,,2", "abc", "NaN", "inf", "1e-12", "15s"] {
            assert!(parse_intervals(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn options_are_global_and_checked() {
        let cli = Cli::try_parse_from([
            "itwin-progress",
            "watch",
            "job-1",
            "--env",
            "qa",
            "--deadline",
            "6h",
            "--service",
            "contextcapture",
        ])
        .unwrap();
        assert_eq!(cli.connection.environment, Some(EnvironmentArg::Qa));
        assert_eq!(cli.connection.service, Service::ContextCapture);
        assert!(matches!(
            cli.command,
            Command::Watch { polling: Polling { deadline: Some(d), .. }, .. } if d == Duration::from_secs(6 * 3600)
        ));
        for bad in [
            &["itwin-progress", "get", ".."][..],
            &[
                "itwin-progress",
                "get",
                "j",
                "--base-url",
                "http://example.com",
            ],
            &[
                "itwin-progress",
                "get",
                "j",
                "--env",
                "qa",
                "--base-url",
                "https://x",
            ],
            &["itwin-progress", "get", "j", "--accept-version", "v9"],
            &["itwin-progress", "watch", "j", "--deadline", "soon"],
            &["itwin-progress", "get", "j", "--token", "x"],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }
}
