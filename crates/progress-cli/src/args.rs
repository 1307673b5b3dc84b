//! The command line, as clap reads it. Every value is checked here, so a bad
//! one is a usage error (exit 2) before anything is sent.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use progress_model::oauth::TokenUrl;
use progress_model::{ApiVersion, BaseUrl, Environment, JobId, Service};

use crate::exit;

/// Get or watch the progress of an iTwin Platform job (reality modeling,
/// reality conversion, reality analysis, ContextCapture).
///
/// The access token comes from the environment variable ITWIN_ACCESS_TOKEN, or
/// from a file named with --token-file (read again before each request, so a
/// token refreshed in the file is picked up). With a client id (--client-id or
/// ITWIN_CLIENT_ID) the command gets its tokens from Bentley's identity service
/// instead (OAuth2 client credentials), with the secret from
/// ITWIN_CLIENT_SECRET or --client-secret-file. Tokens and secrets are never
/// taken as plain arguments and never printed.
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
    /// Poll one job or many until they end; the exit code tells how they ended.
    ///
    /// With several jobs (or `-`), every job is watched at once on one
    /// client, up to --max-in-flight requests at a time: on a terminal a
    /// screenful of bars and a summary line, otherwise lines prefixed with the
    /// job id; the exit code is the worst outcome (1 over 5 over 3 over 4 over
    /// 6 over 0). `-` watches each id as soon as its line is read, and ends
    /// once stdin is closed and every watch has ended; an empty line or one
    /// longer than 1024 bytes is skipped with a warning.
    #[command(after_help = exit::HELP)]
    Watch {
        /// The jobs' ids; `-` reads ids from stdin, one a line.
        #[arg(value_name = "JOB_ID", required = true, num_args = 1.., value_parser = parse_job_arg)]
        jobs: Vec<JobArg>,
        /// How to poll.
        #[command(flatten)]
        polling: Polling,
        /// Where webhook deliveries come in.
        #[command(flatten)]
        listen: Listen,
        /// Keep every job's watch in this file, rewritten (atomically) after
        /// each event; started again with it, the command goes on where it
        /// stopped: each job in it that has not ended is watched again
        /// (named or not), from where its watch was, and a job that ended is
        /// reported from the file without asking again. A file that is not
        /// a state file is a usage error and is left as it is.
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        /// How to print.
        #[command(flatten)]
        output: Output,
    },
    /// Create, activate, list and delete the iTwin webhooks that tell
    /// `watch --listen` at once when a job ends (Webhooks API v2).
    ///
    /// Only a service application may manage webhooks: give its client id
    /// (--client-id or ITWIN_CLIENT_ID) and secret (ITWIN_CLIENT_SECRET or
    /// --client-secret-file). The API is at {base URL}/webhooks.
    // A build without the `webhooks` feature keeps the name, hidden, to say
    // that the feature is missing.
    #[cfg_attr(not(feature = "webhooks"), command(hide = true))]
    Webhooks {
        /// What to do with webhooks.
        #[command(subcommand)]
        action: WebhooksAction,
    },
    /// Watch a simulated job on a local simulator: no account, no network.
    ///
    /// A realistic job (queued, then Prepare_Production, Reconstruction, Tiling
    /// and Export, with one 429 on the way) whose few minutes run in about ten
    /// seconds. The connection and token options are ignored.
    // A build without the `demo` feature keeps the name, hidden, to say that
    // the feature is missing rather than "unrecognized subcommand".
    #[cfg_attr(not(feature = "demo"), command(hide = true))]
    Demo {
        /// How to print.
        #[command(flatten)]
        output: Output,
    },
}

/// The `webhooks` subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhooksAction {
    /// Create a webhook (inactive until `webhooks activate`); prints its id
    /// and state, tab-separated.
    ///
    /// The secret its deliveries are signed with is read from --secret-file
    /// when that file exists (at least 32 characters), or else generated and
    /// written there, readable by you only; it is never printed.
    Create {
        /// Where deliveries go: an https:// URL that reaches `watch --listen`.
        #[arg(long, value_name = "URL", value_parser = parse_callback_url)]
        callback_url: String,
        /// An event type to subscribe to; repeat it [default: the
        /// jobCompleted events of --service, e.g.
        /// realityModeling.jobCompleted.v2 for reality-modeling].
        #[arg(long = "event", value_name = "TYPE", value_parser = parse_event_type)]
        events: Vec<String>,
        /// Only this iTwin's jobs [default: every iTwin of the account].
        #[arg(long, value_name = "ID", value_parser = parse_itwin_id)]
        itwin_id: Option<String>,
        /// The file holding the webhook's secret, or where to write a new one.
        #[arg(long, value_name = "PATH")]
        secret_file: PathBuf,
    },
    /// Turn a webhook's deliveries on.
    Activate {
        /// The webhook's id, as `create` or `list` printed it.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// List the application's webhooks: id, state, scope, event types and
    /// callback URL, tab-separated, one a line.
    List,
    /// Delete a webhook.
    Delete {
        /// The webhook's id, as `create` or `list` printed it.
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Reads `--callback-url`: an absolute http(s) URL (the platform takes
/// https only; http:// serves a local simulator).
fn parse_callback_url(text: &str) -> Result<String, String> {
    let uri: http::Uri = text
        .parse()
        .map_err(|_| "not a URL (expected e.g. https://hooks.example.com/itwin)".to_owned())?;
    match uri.scheme_str() {
        Some(scheme)
            if (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
                && uri.host().is_some_and(|host| !host.is_empty()) =>
        {
            Ok(text.to_owned())
        }
        _ => Err("expected an absolute https:// URL, e.g. https://hooks.example.com/itwin".into()),
    }
}

/// Reads `--event`: a name without spaces or control characters.
fn parse_event_type(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("expected an event type, e.g. realityModeling.jobCompleted.v2".into());
    }
    Ok(name.to_owned())
}

/// Reads `--itwin-id`: not empty, no control characters.
fn parse_itwin_id(text: &str) -> Result<String, String> {
    let id = text.trim();
    if id.is_empty() || id.chars().any(char::is_control) {
        return Err("expected an iTwin id".into());
    }
    Ok(id.to_owned())
}

/// The options that say where requests go and with which token.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection options")]
pub struct Connection {
    /// The service whose job it is: reality-modeling, reality-conversion,
    /// reality-analysis, contextcapture, realityconversion,
    /// realitydataanalysis, or any other path below the base URL (segments
    /// without `..`, spaces, `?`, `#` or `%`).
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
    /// The API version to ask for: v1, v2 or a full media type, which must fit
    /// in an HTTP header (no line breaks) [default: the service's, v2 for
    /// reality-modeling, reality-analysis and reality-conversion, v1 otherwise].
    #[arg(long, global = true, value_name = "VERSION", value_parser = parse_api_version)]
    pub accept_version: Option<ApiVersion>,
    /// Read the access token from this file (whitespace trimmed, a leading
    /// `Bearer ` accepted, at most 64 KiB) instead of ITWIN_ACCESS_TOKEN. Read
    /// before each request, so a refreshed token is picked up after a 401;
    /// while the file is empty or unreadable, the last token read is used.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Get tokens from Bentley's identity service with this OAuth2 client id
    /// (client-credentials grant), renewed before they expire, instead of
    /// ITWIN_ACCESS_TOKEN. Also read from ITWIN_CLIENT_ID. The secret comes
    /// from ITWIN_CLIENT_SECRET or --client-secret-file, never an argument.
    #[arg(
        long,
        global = true,
        value_name = "ID",
        conflicts_with = "token_file",
        value_parser = parse_client_id
    )]
    pub client_id: Option<String>,
    /// Read the OAuth2 client secret from this file (whitespace trimmed, at
    /// most 64 KiB) instead of ITWIN_CLIENT_SECRET.
    #[arg(long, global = true, value_name = "PATH")]
    pub client_secret_file: Option<PathBuf>,
    /// A scope to ask the identity service for; repeat it, or separate scopes
    /// with spaces [default: itwin-platform].
    #[arg(long, global = true, value_name = "SCOPE")]
    pub scope: Vec<String>,
    /// The identity service's token URL: https://, or http:// for loopback
    /// hosts only [default: the environment's, https://ims.bentley.com/connect/token
    /// for prod, https://qa-ims.bentley.com/connect/token for qa,
    /// https://dev-ims.bentley.com/connect/token for dev].
    #[arg(long, global = true, value_name = "URL", value_parser = parse_token_url)]
    pub token_url: Option<TokenUrl>,
    /// Also trust the root certificates in this PEM file: your company's
    /// root, when a proxy inspects TLS. The system's trust store and the
    /// bundled Mozilla roots stay trusted. Also read from SSL_CERT_FILE.
    #[arg(long, global = true, value_name = "PATH", env = "SSL_CERT_FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Send https requests through this http:// proxy instead of the one
    /// HTTPS_PROXY or ALL_PROXY names (NO_PROXY still applies). Credentials
    /// go in the URL (http://user:password@proxy:3128) and are never printed;
    /// prefer HTTPS_PROXY for them, since other users can see arguments.
    /// http:// (loopback) requests never go through a proxy.
    // Read as text and checked when the client is built: clap's own error
    // would repeat the value, password and all.
    #[arg(long, global = true, value_name = "URL", value_parser = read_proxy)]
    pub proxy: Option<ProxyArg>,
    /// Connect directly, through no proxy, whatever HTTPS_PROXY, ALL_PROXY or
    /// --proxy say (as NO_PROXY=* would).
    #[arg(long, global = true, conflicts_with = "proxy")]
    pub no_proxy: bool,
    /// Give up on one request after this long (e.g. 10s, 1m; not zero): it
    /// then counts as a failure and is retried [default: 30s].
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_request_timeout)]
    pub request_timeout: Option<Duration>,
}

/// The `--proxy` URL as given, kept out of `Debug`: it may hold a password.
#[derive(Clone)]
pub struct ProxyArg(pub String);

impl std::fmt::Debug for ProxyArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProxyArg(<redacted>)")
    }
}

fn read_proxy(text: &str) -> Result<ProxyArg, std::convert::Infallible> {
    Ok(ProxyArg(text.to_owned()))
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
    /// Give up after this long (e.g. 90s, 45m, 6h; not zero); exit code 5. Never
    /// sleeps past it. With many jobs it bounds the whole command: it counts
    /// from the start, or for an id read from stdin from when it was read.
    #[arg(long, value_name = "DURATION", value_parser = parse_deadline)]
    pub deadline: Option<Duration>,
    /// The waits between polls in seconds, comma-separated, each at least 0.01;
    /// the last repeats and the ladder restarts when the percentage changes
    /// [default: 15,30,60,120].
    // Negative numbers are taken as values, so `-1` gets the clear message below.
    #[arg(
        long,
        value_name = "SECONDS,...",
        value_parser = parse_intervals,
        allow_negative_numbers = true
    )]
    pub intervals: Option<Intervals>,
    /// Transient failures (408, 500, 502-504, timeouts, lost connections) retried in a row
    /// before giving up [default: 5].
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,
    /// Requests in flight at once, across every job watched [default: 32].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_in_flight: Option<u32>,
    /// At most this many requests a second, across every job watched
    /// (fractions allowed) [default: no limit of our own; the service's 429s
    /// still pause every job].
    #[arg(long, value_name = "PER_SECOND", value_parser = parse_rate)]
    pub rate: Option<f64>,
}

/// `watch --listen`: a receiver of the platform's webhook deliveries while
/// the watch runs.
#[derive(Debug, Args)]
#[command(next_help_heading = "Webhook options")]
pub struct Listen {
    /// Answer webhook deliveries on this address (any path), e.g.
    /// 0.0.0.0:8443 behind your https endpoint: a delivery of a watched
    /// job's end makes the watch ask for its progress at once, instead of at
    /// its next poll (up to 120 s away). The polls go on as a fallback.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,
    /// The webhook's secret, which every delivery is signed with, from this
    /// file (at least 32 characters, whitespace trimmed) instead of
    /// ITWIN_WEBHOOK_SECRET. Never printed.
    #[arg(long, value_name = "PATH", requires = "listen")]
    pub webhook_secret_file: Option<PathBuf>,
}

/// A job on the command line: an id, or `-` for ids read from stdin.
#[derive(Debug, Clone, PartialEq)]
pub enum JobArg {
    /// This job.
    Id(JobId),
    /// The ids on stdin, one a line.
    Stdin,
    /// Not a job id (`..`, control characters): why, naming it. Among many
    /// jobs it is a warning and the others are watched; alone it is a
    /// usage error.
    Invalid(String),
}

/// Reads a job argument: `-`, or an id checked as the client would (an
/// invalid one is kept, to be refused by the watch that sees it). A JWT
/// (what iTwin access tokens are) is refused: with many jobs allowed, a token
/// pasted after a job id would otherwise be sent in a URL and printed as a job.
fn parse_job_arg(text: &str) -> Result<JobArg, String> {
    if text == "-" {
        return Ok(JobArg::Stdin);
    }
    if looks_like_a_token(text) {
        return Err(
            "this looks like an access token, not a job id: it is not sent or shown \
             (give the token in ITWIN_ACCESS_TOKEN or --token-file)"
                .into(),
        );
    }
    Ok(JobId::new(text).map_or_else(|error| JobArg::Invalid(error.to_string()), JobArg::Id))
}

/// A JWT: three base64url parts joined by dots, the first a JSON object (`eyJ`).
fn looks_like_a_token(text: &str) -> bool {
    let text = text.trim();
    let text = text
        .get(..7)
        .filter(|prefix| prefix.eq_ignore_ascii_case("bearer "))
        .map_or(text, |_| text[7..].trim_start());
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && text.starts_with("eyJ")
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        })
}

/// Reads `--rate`: a positive number of requests a second.
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err("expected a positive number of requests a second, e.g. 5 or 0.5".into()),
    }
}

/// How observations are printed.
#[derive(Debug, Clone, Copy, Args)]
pub struct Output {
    /// Print one JSON object per observation on stdout, e.g.
    /// {"percentage":56,"state":"active","step":"Prepare_Production"}; a whole
    /// percentage is an integer, a fraction stays one (12.5), an absent one is null.
    #[arg(long)]
    pub json: bool,
}

/// The poll ladder from `--intervals`: at least one wait, each at least
/// [`MIN_INTERVAL`].
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals(pub Vec<Duration>);

/// The shortest wait `--intervals` accepts. A wait of a nanosecond is no
/// wait: the watch would flood the service. 10 ms still lets tests poll a
/// local simulator quickly; a real job needs seconds.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// Reads `--intervals`: numbers of seconds, fractions allowed, each at least
/// [`MIN_INTERVAL`]. Errors name a wait by its place, not by its text: clap
/// hides the value (see `usage_error`), and a message must not show it either.
pub fn parse_intervals(text: &str) -> Result<Intervals, String> {
    text.split(',')
        .enumerate()
        .map(|(index, rung)| {
            let place = index + 1;
            let seconds: f64 = rung.trim().parse().map_err(|_| {
                format!(
                    "wait {place} is not a number of seconds (expected e.g. 15,30,60,120 or 0.5,1)"
                )
            })?;
            // NaN and infinities parse as f64; neither is a wait.
            if !seconds.is_finite() {
                return Err(format!("wait {place} is not a number of seconds"));
            }
            // Also refuses zero and negatives. Comparing in f64 is exact here:
            // 10 ms in seconds is the f64 nearest 0.01, as `0.01` parses.
            if seconds < MIN_INTERVAL.as_secs_f64() {
                return Err(format!(
                    "wait {place} is shorter than the minimum of 0.01 seconds"
                ));
            }
            Duration::try_from_secs_f64(seconds).map_err(|_| format!("wait {place} is too long"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Intervals)
}

/// Reads `--deadline` as a humantime duration (`90s`, `45m`, `6h`, `1h 30m`).
/// Zero is refused: such a watch would give up before it began.
fn parse_deadline(text: &str) -> Result<Duration, String> {
    let deadline = humantime::parse_duration(text)
        .map_err(|error| format!("{error} (expected a duration such as 90s, 45m or 6h)"))?;
    if deadline.is_zero() {
        return Err("the deadline must be longer than zero".into());
    }
    Ok(deadline)
}

/// Reads `--request-timeout` as a humantime duration; zero is refused (no
/// request could be answered).
fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    let timeout = humantime::parse_duration(text)
        .map_err(|error| format!("{error} (expected a duration such as 10s or 1m)"))?;
    if timeout.is_zero() {
        return Err("the request timeout must be longer than zero".into());
    }
    Ok(timeout)
}

/// Checks a job id the way the client would, but as a usage error.
fn parse_job_id(text: &str) -> Result<JobId, String> {
    JobId::new(text).map_err(|error| error.to_string())
}

/// Reads `--service`: a known name or a custom path. The client would refuse a
/// path that does not stay a path (`../x`, `a b`, `a?b`, empty); checking it
/// here makes that a usage error before anything else happens.
fn parse_service(text: &str) -> Result<Service, String> {
    let service = Service::parse(text);
    service.check().map_err(|error| error.to_string())?;
    Ok(service)
}

/// Reads `--base-url`: https://, or http:// to a loopback host.
fn parse_base_url(text: &str) -> Result<BaseUrl, String> {
    BaseUrl::new(text).map_err(|error| error.to_string())
}

/// Reads `--token-url`: https://, or http:// to a loopback host.
fn parse_token_url(text: &str) -> Result<TokenUrl, String> {
    TokenUrl::new(text).map_err(|error| error.to_string())
}

/// Reads `--client-id`: not empty.
fn parse_client_id(text: &str) -> Result<String, String> {
    let id = text.trim();
    if id.is_empty() {
        return Err("the client id is empty".into());
    }
    Ok(id.to_owned())
}

/// Reads `--accept-version`: v1, v2 or a media type. The value goes into the
/// `Accept` header, so one no header can hold (a line break, a control
/// character) is refused here, as the client would refuse it later.
fn parse_api_version(text: &str) -> Result<ApiVersion, String> {
    let version: ApiVersion = text
        .parse()
        .map_err(|error: progress_model::Error| error.to_string())?;
    http::HeaderValue::from_str(version.accept()).map_err(|_| {
        "the API version cannot be sent in an Accept header (no line breaks or control characters)"
            .to_owned()
    })?;
    Ok(version)
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
    fn intervals_refuse_anything_but_seconds_from_a_hundredth() {
        for bad in [
            "", "0", "-1", "1,,2", "abc", "NaN", "inf", "1e-12", "1e-9", "0.009", "15s", "1e300",
        ] {
            assert!(parse_intervals(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_intervals("0.01").unwrap(),
            Intervals(vec![MIN_INTERVAL])
        );
        let error = parse_intervals("1,0.001").unwrap_err();
        assert!(
            error.contains("wait 2 is shorter than the minimum"),
            "{error}"
        );
    }

    #[test]
    fn a_zero_deadline_is_refused() {
        for zero in ["0s", "0ms", "0h"] {
            assert!(parse_deadline(zero).is_err(), "{zero}");
        }
        assert_eq!(parse_deadline("1ms").unwrap(), Duration::from_millis(1));
    }

    #[test]
    fn a_service_must_stay_a_path_and_a_version_must_fit_a_header() {
        for bad in ["../x", "a b", "a?b", "a#b", "a%2e", "/", ""] {
            assert!(parse_service(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_service("/my-gateway/reality-modeling/").unwrap(),
            Service::Custom("my-gateway/reality-modeling".into())
        );
        assert!(parse_api_version("application/json\r\nX-Injected: 1").is_err());
        assert!(parse_api_version("application/json").is_ok());
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
        let many = Cli::try_parse_from([
            "itwin-progress",
            "watch",
            "job-1",
            "-",
            "job-2",
            "--max-in-flight",
            "4",
            "--rate",
            "0.5",
        ])
        .unwrap();
        let Command::Watch { jobs, polling, .. } = many.command else {
            panic!("not a watch");
        };
        assert_eq!(jobs.len(), 3);
        assert_eq!(jobs[1], JobArg::Stdin);
        // An invalid id among jobs is kept, for a warning naming it.
        let listed = Cli::try_parse_from(["itwin-progress", "watch", "j", ".."]).unwrap();
        let Command::Watch { jobs, .. } = listed.command else {
            panic!("not a watch");
        };
        assert!(
            matches!(&jobs[1], JobArg::Invalid(why) if why.contains("`..`")),
            "{jobs:?}"
        );
        assert_eq!((polling.max_in_flight, polling.rate), (Some(4), Some(0.5)));
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
            &["itwin-progress", "watch"],
            &["itwin-progress", "watch", "j", "--max-in-flight", "0"],
            &["itwin-progress", "watch", "j", "--rate", "0"],
            &["itwin-progress", "watch", "j", "--rate", "-1"],
            &["itwin-progress", "get", "j", "--token", "x"],
            &["itwin-progress", "get", "j", "--client-secret", "x"],
            &[
                "itwin-progress",
                "get",
                "j",
                "--client-id",
                "c",
                "--token-file",
                "f",
            ],
            &[
                "itwin-progress",
                "get",
                "j",
                "--token-url",
                "http://ims.example.com/connect/token",
            ],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }
}
