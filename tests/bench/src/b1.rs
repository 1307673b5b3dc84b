//! B1: N async watches started at the same instant on one client: how many
//! reach their first observation without an error, how many sockets the client
//! opened (sampled from /proc/self/fd), and how long until all had.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::args::Args;
use crate::baseline;
use crate::figure::Figure;
use crate::start_in_batches::FirstPolls;
use crate::{proc_stats, watchdog};

pub fn run(args: &Args) -> Result<(), String> {
    watchdog::arm(args.number("limit-seconds")?, "B1");
    let n = args.count("n")?;
    let base = args.text("url")?.to_owned();
    let job = args.text("job")?.to_owned();

    let sockets = Arc::new(Mutex::new(BTreeSet::new()));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (sockets, sampling) = (sockets.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                let now = proc_stats::socket_inodes();
                sockets
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(now);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let runtime = crate::runtime::two_workers()?;
    let (elapsed, polls, first_error) = runtime.block_on(async {
        let client = baseline::ours_async(&base, &[Duration::from_secs(3600)])?;
        let polls = Arc::new(FirstPolls::default());
        let first_error = Arc::new(Mutex::new(None::<String>));
        // Every watch waits on the gate, so all start when it opens.
        let gate = Arc::new(tokio::sync::RwLock::new(()));
        let closed = gate.clone().write_owned().await;
        for _ in 0..n {
            let mut watch = client.watch(&job);
            let (polls, gate, first_error) = (polls.clone(), gate.clone(), first_error.clone());
            tokio::spawn(async move {
                drop(gate.read().await);
                match watch.next().await {
                    Some(Ok(_)) => polls.record(true),
                    other => {
                        let message = match other {
                            Some(Err(error)) => error.to_string(),
                            _ => "the watch ended without an observation".to_owned(),
                        };
                        first_error
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(message);
                        polls.record(false);
                    }
                }
                let _ = watch.next().await;
            });
        }
        let start = Instant::now();
        drop(closed);
        while polls.done() < n {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let first_error = first_error.lock().unwrap_or_else(|e| e.into_inner()).take();
        Ok::<_, String>((start.elapsed(), polls, first_error))
    })?;
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    let opened = sockets.lock().unwrap_or_else(|e| e.into_inner()).len();
    let failed = polls.failed();
    let ok = n - failed;
    let mut figure = Figure::new(
        "B1",
        &format!("{n} watches started at once: first observations without error"),
        "watches",
        ok as f64,
        None,
    )
    .note(format!(
        "{failed} errors{}; {opened} sockets opened (sampled); all done in {:.2} s",
        first_error
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default(),
        elapsed.as_secs_f64()
    ));
    figure.target = format!("all {n}, 0 errors");
    figure.pass = Some(failed == 0);
    figure.emit()?;
    std::process::exit(0);
}
