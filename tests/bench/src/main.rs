//! `progress-bench`: the measuring programs behind `cargo xtask bench`.
//!
//! Each subcommand measures one figure, ours and its baseline in the same
//! process run, and prints one JSON object per figure on stdout; `report`
//! turns those lines into the table, `report.md`, `report.json` and the charts.
//! The server is always a `progress-sim` process started by the driver, so
//! its CPU and memory never count as the client's.

mod args;
mod b1;
mod baseline;
mod c1;
mod c2;
mod c3;
mod charts;
mod figure;
mod p1;
mod p2;
mod p2l;
mod p3;
mod p5;
mod proc_stats;
mod r1;
mod report;
mod round_trips;
mod runtime;
mod start_in_batches;
mod watchdog;

use std::process::ExitCode;

const USAGE: &str = "\
usage: progress-bench <command> [--option value ...]

  p1 --url URL --job ID --blocks B --calls K     time per progress() call, async and blocking
  calls --url URL --job ID --client ours|baseline --n N
                                                 N blocking calls (run under callgrind for P1i)
  p2 --url URL --job ID --sizes A,B,.. --batch B --limit-seconds S
                                                 RSS per waiting watch, ours and baseline
  p2l --url URL --job ID --n N --seconds S ...   lateness of polls on a 1 s rung
  b1 --url URL --job ID --n N                    N watches started at once
  c1 --url URL --job ID --n N --polls K --rate R
                                                 429s of N watches on one client and on N clients
  c2 --cli PATH --jobs N --delay-ms D --max-in-flight M
                                                 the command watching N jobs: one round, bars' bytes
  c3 --jobs N --scale S --hours H --limit-seconds L
                                                 N watches on the Community tier: 429s and delays, budgets vs 429s only
  p3 --trials T --seed S --chart-data FILE       requests and detection delay, ladder vs loops
  p5 --watches N --scale X --longest S --seed S  delay and requests with deliveries, vs the ladder
  r1 --url URL --job ID --n N --limit-seconds S  N overdue watches resumed at once
  report --results FILE --out DIR                table, report.md, report.json, charts";

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let Some(command) = argv.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = args::Args::parse(argv).and_then(|args| match command.as_str() {
        "p1" => p1::run(&args),
        "calls" => round_trips::run(&args),
        "p2" => p2::run(&args),
        "p2-side" => p2::run_side(&args),
        "p2l" => p2l::run(&args),
        "b1" => b1::run(&args),
        "c1" => c1::run(&args),
        "c2" => c2::run(&args),
        "c3" => c3::run(&args),
        "p3" => p3::run(&args),
        "p5" => p5::run(&args),
        "r1" => r1::run(&args),
        "report" => report::run(&args),
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("progress-bench {command}: {message}");
            ExitCode::FAILURE
        }
    }
}
