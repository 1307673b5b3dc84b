//! `progress-fuzz`: what `cargo xtask fuzz` runs.
//!
//! ```text
//! progress-fuzz [--quick] [--executions N] [--seed N] [--target NAME] [--out DIR]
//! ```
//!
//! Splits the executions (10 million, or 100,000 with `--quick`) evenly
//! over the targets, reports executions per second for each, writes
//! `report.md` in `--out` (default `target/fuzz`), and exits 1 if any
//! invariant broke. Failing inputs are kept in `tests/fuzz/regressions/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use progress_fuzz::Target;
use progress_fuzz::engine::{self, Run};
use progress_fuzz::targets::{BaseUrls, Interpret, JobIds, Machine, RetryAfter, Webhook};

const TARGETS: [&str; 6] = [
    Interpret::NAME,
    RetryAfter::NAME,
    JobIds::NAME,
    BaseUrls::NAME,
    Machine::NAME,
    Webhook::NAME,
];

struct Options {
    executions: u64,
    seed: u64,
    only: Option<String>,
    out: PathBuf,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!(
                "error: {message}\nusage: progress-fuzz [--quick] [--executions N] [--seed N] [--target NAME] [--out DIR]\ntargets: {}",
                TARGETS.join(", ")
            );
            return ExitCode::from(2);
        }
    };
    let keep_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let chosen: Vec<&str> = TARGETS
        .into_iter()
        .filter(|name| options.only.as_deref().is_none_or(|only| only == *name))
        .collect();
    let cases = u32::try_from(options.executions / chosen.len() as u64)
        .unwrap_or(u32::MAX)
        .max(1);
    // Panics are failures the runner catches and shrinks: their messages
    // are in the report, not a screenful per shrinking step.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut runs = Vec::new();
    for name in chosen {
        let run = match name {
            Interpret::NAME => engine::run::<Interpret>(cases, options.seed, &keep_in),
            RetryAfter::NAME => engine::run::<RetryAfter>(cases, options.seed, &keep_in),
            JobIds::NAME => engine::run::<JobIds>(cases, options.seed, &keep_in),
            BaseUrls::NAME => engine::run::<BaseUrls>(cases, options.seed, &keep_in),
            Webhook::NAME => engine::run::<Webhook>(cases, options.seed, &keep_in),
            _ => engine::run::<Machine>(cases, options.seed, &keep_in),
        };
        println!(
            "{:<12} {:>10} executions {:>7.1} s {:>10.0}/s  {}",
            run.name,
            run.executions,
            run.seconds,
            run.rate(),
            run.verdict()
        );
        if let Some(failure) = &run.failure {
            println!("  {failure}");
        }
        runs.push(run);
    }
    std::panic::set_hook(default_hook);
    let report = report(&runs, &options, started.elapsed().as_secs_f64());
    let path = options.out.join("report.md");
    if let Err(error) =
        std::fs::create_dir_all(&options.out).and_then(|()| std::fs::write(&path, &report))
    {
        eprintln!("error: cannot write {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    let total: u64 = runs.iter().map(|run| run.executions).sum();
    let failed = runs.iter().filter(|run| run.failure.is_some()).count();
    println!(
        "fuzz: {total} executions in {:.0} s ({:.0}/s), {failed} target(s) failed; report in {}",
        started.elapsed().as_secs_f64(),
        total as f64 / started.elapsed().as_secs_f64(),
        path.display()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn report(runs: &[Run], options: &Options, seconds: f64) -> String {
    let total: u64 = runs.iter().map(|run| run.executions).sum();
    let mut text = format!(
        "# Fuzz report\n\n{total} executions in {seconds:.0} s ({:.0}/s), seed {}, proptest {}.\n\n\
         | target | executions | seconds | executions/s | result |\n|---|---:|---:|---:|---|\n",
        total as f64 / seconds,
        options.seed,
        "1",
    );
    for run in runs {
        let _ = writeln!(
            text,
            "| {} | {} | {:.1} | {:.0} | {} |",
            run.name,
            run.executions,
            run.seconds,
            run.rate(),
            run.verdict()
        );
    }
    for run in runs {
        if let Some(failure) = &run.failure {
            let _ = write!(text, "\n## {}\n\n```text\n{failure}\n```\n", run.name);
        }
    }
    text
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        executions: 10_000_000,
        seed: 12,
        only: None,
        out: PathBuf::from("target/fuzz"),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or(format!("`{name}` needs a value"))
        };
        match arg.as_str() {
            "--quick" => options.executions = 100_000,
            "--executions" => {
                let text = value("--executions")?;
                options.executions = text.parse().ok().filter(|n| *n > 0).ok_or(format!(
                    "`--executions` needs a positive whole number, got `{text}`"
                ))?;
            }
            "--seed" => {
                let text = value("--seed")?;
                options.seed = text
                    .parse()
                    .map_err(|_| format!("`--seed` needs a whole number, got `{text}`"))?;
            }
            "--target" => {
                let name = value("--target")?;
                if !TARGETS.contains(&name.as_str()) {
                    return Err(format!("no target `{name}`"));
                }
                options.only = Some(name);
            }
            "--out" => options.out = PathBuf::from(value("--out")?),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok(options)
}
