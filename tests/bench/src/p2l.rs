//! P2l: how late polls wake with many watches on a 1 s rung (absolute figure).
//!
//! The client gets a sleeper that is tokio's timer plus a note of each wait's
//! due instant; lateness is the instant the wait returned to the watch minus
//! the instant it was due. Watches start in batches; waits are recorded only
//! once all are running, for `--seconds`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::args::Args;
use crate::baseline::TOKEN;
use crate::figure::Figure;
use crate::start_in_batches::{FirstPolls, start_in_batches};
use crate::{proc_stats, watchdog};

/// The target on the 99th percentile, in milliseconds.
const TARGET_P99_MS: f64 = 10.0;

#[derive(Debug, Default)]
struct Lateness {
    recording: AtomicBool,
    micros: Mutex<Vec<u64>>,
}

pub fn run(args: &Args) -> Result<(), String> {
    watchdog::arm(args.number("limit-seconds")?, "P2l");
    let n = args.count("n")?;
    let batch = args.count("batch")?;
    let seconds: u64 = args.number("seconds")?;
    let base = args.text("url")?.to_owned();
    let job = args.text("job")?.to_owned();
    let runtime = crate::runtime::two_workers()?;
    let lateness = Arc::new(Lateness::default());
    let errors = runtime.block_on(async {
        let record = lateness.clone();
        let sleeper = move |duration: Duration| {
            let due = Instant::now() + duration;
            let record = record.clone();
            async move {
                tokio::time::sleep_until(due.into()).await;
                if record.recording.load(Ordering::Relaxed) {
                    let late = Instant::now().saturating_duration_since(due);
                    let micros = u64::try_from(late.as_micros()).unwrap_or(u64::MAX);
                    record
                        .micros
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(micros);
                }
            }
        };
        let client = itwin_job_progress::Client::builder()
            .base_url(&base)
            .token(TOKEN)
            .intervals([Duration::from_secs(1)])
            .sleeper(sleeper)
            .build()
            .map_err(|error| error.to_string())?;
        let polls = Arc::new(FirstPolls::default());
        let later_errors = Arc::new(FirstPolls::default());
        start_in_batches(n, batch, &polls, |polls| {
            let mut watch = client.watch(&job);
            let later_errors = later_errors.clone();
            tokio::spawn(async move {
                polls.record(matches!(watch.next().await, Some(Ok(_))));
                while let Some(item) = watch.next().await {
                    if item.is_err() {
                        later_errors.record(false);
                    }
                }
            });
        })
        .await;
        let cpu_before = proc_stats::cpu_seconds();
        lateness.recording.store(true, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        lateness.recording.store(false, Ordering::Relaxed);
        let cpu = cpu_before
            .zip(proc_stats::cpu_seconds())
            .map(|(a, b)| b - a);
        Ok::<_, String>((polls.failed() + later_errors.failed(), cpu))
    })?;
    let (errors, cpu) = errors;
    let mut micros = lateness
        .micros
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if micros.is_empty() {
        return Err("no wait ended while recording".to_owned());
    }
    micros.sort_unstable();
    let at = |share: f64| {
        let index = ((micros.len() - 1) as f64 * share).round() as usize;
        micros[index] as f64 / 1000.0
    };
    let (p50, p99, max) = (at(0.5), at(0.99), at(1.0));
    let mut figure = Figure::new(
        "P2l",
        &format!("poll lateness, p99 ({n} watches on a 1 s rung)"),
        "ms",
        p99,
        None,
    )
    .note(format!(
        "p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms over {} waits in {seconds} s \
         (about {} if every poll kept its second); {errors} errors; client CPU {} s \
         in those {seconds} s; load average {}",
        micros.len(),
        n as u64 * seconds,
        cpu.map_or("?".to_owned(), |cpu| format!("{cpu:.1}")),
        proc_stats::load_average().map_or("?".to_owned(), |load| format!("{load:.1}"))
    ));
    figure.target = format!("p99 <= {TARGET_P99_MS} ms");
    figure.pass = Some(p99 <= TARGET_P99_MS && errors == 0);
    figure.emit()?;
    // The watches would poll forever; end here.
    std::process::exit(0);
}
