//! P2: client memory per concurrent async watch, against a hand-written task
//! per job (one reqwest GET, keep the parsed body, `tokio::time::sleep`).
//!
//! Each side and size runs in a process of its own (`p2-side`), so one
//! measurement's freed-but-kept heap cannot hide in the next one's delta. The
//! figure is the growth of the resident set from before the first watch to
//! after every watch has made its first poll and is waiting, divided by N.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use crate::args::Args;
use crate::baseline::{self, Request};
use crate::figure::{Figure, Series};
use crate::start_in_batches::{FirstPolls, start_in_batches};
use crate::{proc_stats, watchdog};

/// The wait after the first poll: longer than any run, so no watch polls twice.
const LONG_RUNG: Duration = Duration::from_secs(3600);
/// The target at 100,000 watches, in bytes (#24).
const TARGET_BYTES_AT_100K: f64 = 1536.0;

/// `p2 --sizes A,B,C ...`: both sides at every size, one figure per size.
pub fn run(args: &Args) -> Result<(), String> {
    let sizes: Vec<usize> = args
        .text("sizes")?
        .split(',')
        .map(|size| match size.trim().parse() {
            Ok(0) | Err(_) => Err(format!("P2 sizes are whole numbers >= 1, got `{size}`")),
            Ok(n) => Ok(n),
        })
        .collect::<Result<_, _>>()?;
    let mut ours_series = Vec::new();
    let mut baseline_series = Vec::new();
    let mut figures = Vec::new();
    for &n in &sizes {
        let ours = side(args, "ours", n)?;
        let theirs = side(args, "baseline", n)?;
        ours_series.push((n as f64, ours));
        baseline_series.push((n as f64, theirs));
        let at_scale = n >= 100_000;
        let mut figure = Figure::new(
            &format!("P2 N={n}"),
            "client memory per waiting async watch",
            "B/watch",
            ours,
            Some(theirs),
        )
        .ratio_at_most(if at_scale { 1.0 } else { 1.5 });
        if at_scale {
            figure.target = "<= 1.5 KiB and <= 1.0x".to_owned();
            figure.pass = figure.pass.map(|pass| pass && ours <= TARGET_BYTES_AT_100K);
        }
        figure.note = "RSS delta / N, 2 tokio workers, watches started in batches".to_owned();
        figures.push(figure);
    }
    if let Some(last) = figures.last_mut() {
        last.series = vec![
            Series {
                name: "ours".to_owned(),
                points: ours_series,
            },
            Series {
                name: "hand-written task".to_owned(),
                points: baseline_series,
            },
        ];
    }
    figures.iter().try_for_each(Figure::emit)
}

/// Runs one side at one size in a child process; its bytes per watch.
fn side(args: &Args, client: &str, n: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|error| error.to_string())?;
    let output = Command::new(exe)
        .args(["p2-side", "--client", client, "--n", &n.to_string()])
        .args(["--url", args.text("url")?, "--job", args.text("job")?])
        .args(["--batch", args.text("batch")?])
        .args(["--limit-seconds", args.text("limit-seconds")?])
        .output()
        .map_err(|error| format!("cannot start the P2 child: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "P2 {client} N={n} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    stdout
        .trim()
        .parse()
        .map_err(|_| format!("P2 {client} N={n} printed `{}`", stdout.trim()))
}

/// `p2-side`: prints the bytes per watch of one side at one size.
pub fn run_side(args: &Args) -> Result<(), String> {
    watchdog::arm(args.number("limit-seconds")?, "P2");
    let n = args.count("n")?;
    let batch = args.count("batch")?;
    let base = args.text("url")?.to_owned();
    let job = args.text("job")?.to_owned();
    let ours = match args.text("client")? {
        "ours" => true,
        "baseline" => false,
        other => return Err(format!("`--client` is ours or baseline, got `{other}`")),
    };
    let runtime = crate::runtime::two_workers()?;
    let per_watch = runtime.block_on(async move {
        let request = Arc::new(Request::new(&base, &job));
        let theirs = baseline::reqwest_client()?;
        let client = baseline::ours_async(&base, &[LONG_RUNG])?;
        // Warm both up, so lazily built state is not counted as the watches'.
        client.progress(&job).await.map_err(|e| e.to_string())?;
        request.send_async(&theirs).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = proc_stats::rss_bytes()?;

        let polls = Arc::new(FirstPolls::default());
        start_in_batches(n, batch, &polls, |polls| {
            if ours {
                let mut watch = client.watch(&job);
                tokio::spawn(async move {
                    polls.record(matches!(watch.next().await, Some(Ok(_))));
                    // Now the watch waits on its rung, as a real one would.
                    let _ = watch.next().await;
                });
            } else {
                let (request, theirs) = (request.clone(), theirs.clone());
                tokio::spawn(async move {
                    let answer = request.send_async(&theirs).await;
                    polls.record(answer.is_ok());
                    tokio::time::sleep(LONG_RUNG).await;
                    drop(answer);
                });
            }
        })
        .await;
        let failures = polls.failed();
        if failures > 0 {
            return Err(format!("{failures} of {n} first polls failed"));
        }
        // Let the last ones reach their wait.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = proc_stats::rss_bytes()?;
        Ok::<f64, String>(after.saturating_sub(before) as f64 / n as f64)
    })?;
    println!("{per_watch:.1}");
    // The watches sleep for an hour; do not wait for them to be dropped.
    std::process::exit(0);
}
