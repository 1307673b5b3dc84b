//! P1: time per single `progress()` call against the same GET written by hand,
//! async (hyper) and blocking (ureq), on kept-alive connections.
//!
//! Calls run in blocks of `calls`; ours and the baseline alternate block by
//! block (ABBA...), so a machine that slows down mid-run slows both alike.
//! Each pair of blocks gives a ratio; the figure is the median ratio.

use std::time::{Duration, Instant};

use crate::args::Args;
use crate::baseline::{self, Request};
use crate::figure::Figure;

/// Fewer blocks than this and a median means little.
const MIN_BLOCKS: usize = 10;

pub fn run(args: &Args) -> Result<(), String> {
    let base = args.text("url")?;
    let job = args.text("job")?;
    let blocks = args.count("blocks")?.max(MIN_BLOCKS);
    let calls = args.count("calls")?;
    let request = Request::new(base, job);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    let ours = baseline::ours_async(base, &[Duration::from_secs(15)])?;
    let theirs = baseline::reqwest_client()?;
    let async_blocks = interleave(blocks, calls, |side, calls| {
        runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..calls {
                match side {
                    Side::Ours => drop(ours.progress(job).await.map_err(|e| e.to_string())?),
                    Side::Baseline => drop(request.send_async(&theirs).await?),
                }
            }
            Ok(start.elapsed())
        })
    })?;
    async_blocks
        .figure("P1 async", "time per progress() call, async (hyper)")
        .emit()?;

    let ours = baseline::ours_blocking(base)?;
    let agent = baseline::ureq_agent();
    let blocking_blocks = interleave(blocks, calls, |side, calls| {
        let start = Instant::now();
        for _ in 0..calls {
            match side {
                Side::Ours => drop(ours.progress(job).map_err(|e| e.to_string())?),
                Side::Baseline => drop(request.send_blocking(&agent)?),
            }
        }
        Ok(start.elapsed())
    })?;
    blocking_blocks
        .figure("P1 blocking", "time per progress() call, blocking (ureq)")
        .emit()
}

#[derive(Debug, Clone, Copy)]
enum Side {
    Ours,
    Baseline,
}

/// Per-call times of each block, in microseconds.
struct Blocks {
    ours: Vec<f64>,
    baseline: Vec<f64>,
    calls: usize,
}

/// Runs one warm-up block of each side, then `blocks` pairs in alternating order.
fn interleave(
    blocks: usize,
    calls: usize,
    mut run: impl FnMut(Side, usize) -> Result<Duration, String>,
) -> Result<Blocks, String> {
    run(Side::Ours, calls)?;
    run(Side::Baseline, calls)?;
    let per_call = |elapsed: Duration| elapsed.as_secs_f64() * 1e6 / calls as f64;
    let mut result = Blocks {
        ours: Vec::with_capacity(blocks),
        baseline: Vec::with_capacity(blocks),
        calls,
    };
    for block in 0..blocks {
        let order = if block.is_multiple_of(2) {
            [Side::Ours, Side::Baseline]
        } else {
            [Side::Baseline, Side::Ours]
        };
        for side in order {
            let time = per_call(run(side, calls)?);
            match side {
                Side::Ours => result.ours.push(time),
                Side::Baseline => result.baseline.push(time),
            }
        }
    }
    Ok(result)
}

impl Blocks {
    fn figure(&self, id: &str, what: &str) -> Figure {
        let ratios: Vec<f64> = self
            .ours
            .iter()
            .zip(&self.baseline)
            .map(|(ours, baseline)| ours / baseline)
            .collect();
        let ours = median(&self.ours);
        let baseline = median(&self.baseline);
        let ratio = median(&ratios);
        // The figure's ratio is the median of the paired ratios; scale the
        // baseline shown so that ours / baseline reads as that ratio.
        let mut figure = Figure::new(id, what, "µs", ours, Some(ours / ratio)).ratio_at_most(1.05);
        figure.note = format!(
            "median of {} interleaved blocks of {} calls; medians {:.1} µs vs {:.1} µs",
            self.ours.len(),
            self.calls,
            ours,
            baseline
        );
        figure
    }
}

/// The median (the mean of the two middle values for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.is_empty() {
        f64::NAN
    } else if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn blocks_alternate_which_side_goes_first() {
        let mut order = Vec::new();
        interleave(10, 1, |side, _| {
            order.push(matches!(side, Side::Ours));
            Ok(Duration::from_micros(1))
        })
        .unwrap();
        // Warm-up ours then baseline, then AB, BA, AB, ...
        assert_eq!(&order[..6], &[true, false, true, false, false, true]);
        assert_eq!(order.len(), 2 + 20);
    }
}
