//! C2: the `itwin-progress` command watching many jobs at once, as a user
//! runs it: `watch JOB ... --max-in-flight 32` against a simulator whose
//! every answer takes 100 ms, with stderr on a pseudo-terminal so the bars
//! are drawn. The simulator runs in this process (the command is the one
//! measured, and it is a process of its own), which lets the figure read
//! the server's own count of requests in flight.
//!
//! Every job has ended at once, so each is polled once: the run is one full
//! round, and its ideal length is `jobs × delay / max_in_flight`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::pty::{Winsize, openpty};
use progress_sim::{Scenario, Simulator};

use crate::args::Args;
use crate::figure::Figure;
use crate::watchdog;

/// The terminal the bars are drawn on: a common window's size.
const ROWS: u16 = 40;
const COLUMNS: u16 = 120;
/// How often the server and the command are sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

pub fn run(args: &Args) -> Result<(), String> {
    watchdog::arm(args.number("limit-seconds")?, "C2");
    let command = args.text("cli")?.to_owned();
    let jobs = args.count("jobs")?;
    let delay_ms: u64 = args.number("delay-ms")?;
    let slots = args.count("max-in-flight")?;
    let simulator = simulator(jobs, delay_ms)?;
    let run = watch(&command, &simulator, jobs, slots)?;
    let ideal = jobs as f64 * delay_ms as f64 / 1000.0 / slots as f64;
    let round = run.round.as_secs_f64();
    let ended_well = run.code == Some(0) && run.final_lines == jobs;
    let note = format!(
        "{jobs} jobs, answers delayed {delay_ms} ms, --max-in-flight {slots}; in flight on the server: \
         {} at most (sampled every 5 ms), {} exact; one round {round:.2} s, ideal {ideal:.2} s; \
         bars {} bytes on a {ROWS}x{COLUMNS} pseudo-terminal; the command's peak: {} threads, {:.1} MiB RSS; \
         exit code {:?}, {} final lines",
        run.sampled_in_flight,
        run.most_in_flight,
        run.drawn_bytes,
        run.peak_threads,
        run.peak_rss_kib as f64 / 1024.0,
        run.code,
        run.final_lines,
    );
    let mut concurrency = Figure::new(
        "C2 round",
        &format!("the command watching {jobs} jobs: one round of polls (ideal as baseline)"),
        "s",
        round,
        Some(ideal),
    );
    concurrency.target = format!("<= 1.5x, {slots} in flight on the server");
    concurrency.pass = Some(
        ended_well
            && run.sampled_in_flight as usize == slots
            && concurrency.ratio().is_some_and(|ratio| ratio <= 1.5),
    );
    concurrency.note(note.clone()).emit()?;
    let mut bars = Figure::new(
        "C2 bars",
        "the bars' output for that run, on a pseudo-terminal",
        "KiB",
        run.drawn_bytes as f64 / 1024.0,
        None,
    );
    bars.target = "< 1 MB".to_owned();
    bars.pass = Some(ended_well && run.drawn_bytes < 1_000_000);
    bars.note(note).emit()
}

/// The job ids: `job-0000` ...
fn job(index: usize) -> String {
    format!("job-{index:04}")
}

/// `jobs` jobs that have succeeded already, every answer delayed `delay_ms`.
fn simulator(jobs: usize, delay_ms: u64) -> Result<Simulator, String> {
    let timelines: Vec<String> = (0..jobs)
        .map(|index| {
            format!(
                r#""{}": {{"points": [{{"at_seconds": 0, "state": "Success", "percentage": 100}}]}}"#,
                job(index)
            )
        })
        .collect();
    let scenario = format!(
        r#"{{"time_scale": 1, "jobs": {{{}}}, "faults": {{"seed": 1, "slow_rate": 1.0, "slow_ms": {delay_ms}}}}}"#,
        timelines.join(",")
    );
    let scenario = Scenario::from_json(&scenario).map_err(|error| error.to_string())?;
    Simulator::builder(scenario)
        .start_blocking()
        .map_err(|error| format!("cannot start the simulator: {error}"))
}

/// What one run of the command showed.
#[derive(Debug)]
struct Run {
    round: Duration,
    sampled_in_flight: u64,
    most_in_flight: u64,
    drawn_bytes: usize,
    final_lines: usize,
    peak_threads: u64,
    peak_rss_kib: u64,
    code: Option<i32>,
}

/// Runs `command watch JOB ... --max-in-flight slots` with stderr on a
/// pseudo-terminal, sampling the server and the command until it ends.
fn watch(command: &str, simulator: &Simulator, jobs: usize, slots: usize) -> Result<Run, String> {
    let size = Winsize {
        ws_row: ROWS,
        ws_col: COLUMNS,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None).map_err(|error| format!("no pseudo-terminal: {error}"))?;
    let started = Instant::now();
    let mut child = Command::new(command)
        .env("ITWIN_ACCESS_TOKEN", "bench-token")
        .args(["--base-url", &simulator.base_url(), "watch"])
        .args((0..jobs).map(job))
        .args(["--max-in-flight", &slots.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(pty.slave))
        .spawn()
        .map_err(|error| format!("cannot run {command}: {error}"))?;
    let mut terminal = std::fs::File::from(pty.master);
    let drawn = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        // Ends with EIO once the command, the terminal's last holder, exits.
        let _ = terminal.read_to_end(&mut bytes);
        bytes.len()
    });
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let lines = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text.lines().count()
    });
    let (mut round, mut sampled_in_flight, mut peak_threads, mut peak_rss_kib) = (None, 0, 0, 0);
    let status = loop {
        sampled_in_flight = sampled_in_flight.max(simulator.in_flight());
        if round.is_none() && simulator.served().total() >= jobs as u64 {
            round = Some(started.elapsed());
        }
        if let Some((threads, rss)) = status_of(child.id()) {
            peak_threads = peak_threads.max(threads);
            peak_rss_kib = peak_rss_kib.max(rss);
        }
        if let Some(status) = child.try_wait().map_err(|error| error.to_string())? {
            break status;
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    Ok(Run {
        round: round.unwrap_or_else(|| started.elapsed()),
        sampled_in_flight,
        most_in_flight: simulator.most_in_flight(),
        drawn_bytes: drawn.join().map_err(|_| "the terminal reader panicked")?,
        final_lines: lines.join().map_err(|_| "the stdout reader panicked")?,
        peak_threads,
        peak_rss_kib,
        code: status.code(),
    })
}

/// A process's threads and peak resident memory in KiB (`Threads:` and
/// `VmHWM:` of /proc/PID/status), while it runs.
fn status_of(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<u64>()
            .ok()
    };
    Some((field("Threads:")?, field("VmHWM:")?))
}
