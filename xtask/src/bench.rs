//! `cargo xtask bench`: every performance figure, each against its baseline in
//! the same run, on release builds, with `progress-sim` as a separate process.
//!
//! The driver builds, refuses sizes the machine cannot run, starts the server
//! (stopped on every way out), runs each measuring program with a time bound,
//! collects the JSON line of each figure into target/bench/results.jsonl, and
//! has `progress-bench report` write the table, report.md, report.json and
//! the charts.

mod bounded;
mod callgrind;
mod community_tier;
mod docs_page;
mod figure_line;
mod footprint;
mod limits;
mod many_jobs;
mod plan;
mod rate_limited;

use std::process::Command;
use std::time::{Duration, Instant};

pub use plan::Options;
use plan::Plan;

use crate::cmd::{self, cargo, target_dir, workspace_root};

/// The one job every socket figure polls: always active at 50 %, never ending.
const JOB: &str = "steady";
const SCENARIO: &str = r#"{
  "time_scale": 1,
  "jobs": {
    "steady": { "points": [ { "at_seconds": 0, "state": "Active", "percentage": 50, "step": "Reconstruction" } ] }
  }
}
"#;

pub fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let plan = Plan::new(options);
    limits::check(&plan)?;
    cmd::run(cargo().args([
        "build",
        "--release",
        "-p",
        "progress-bench",
        "-p",
        "progress-sim",
        "-p",
        "itwin-progress",
    ]))?;
    let built = Instant::now();
    let root = workspace_root();
    let release = target_dir(&root).join("release");
    let bench = release.join("progress-bench");
    let out = target_dir(&root).join("bench");
    std::fs::create_dir_all(&out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let scenario = out.join("scenario.json");
    std::fs::write(&scenario, SCENARIO)
        .map_err(|error| format!("cannot write {}: {error}", scenario.display()))?;

    let mut lines = Vec::new();
    {
        let server = bounded::Server::start(
            &release.join("progress-sim"),
            &scenario,
            Duration::from_secs(20),
        )?;
        let url = server.base_url.as_str();
        for (name, limit, args) in socket_steps(&plan) {
            let mut command = Command::new(&bench);
            command.args(&args).args(["--url", url, "--job", JOB]);
            let output = bounded::output(name, &mut command, limit)?;
            lines.extend(output.lines().map(str::to_owned));
        }
        lines.push(callgrind::measure(&bench, url, JOB, plan.p1i_calls, &out)?);
        // The server stops here, before the steps that need no socket.
    }
    let c1 = rate_limited::measure(&release.join("progress-sim"), &bench, &out, plan.c1_watches)?;
    lines.extend(c1.lines().map(str::to_owned));
    let c2 = many_jobs::measure(&bench, &release.join("itwin-progress"), plan.c2_jobs)?;
    lines.extend(c2.lines().map(str::to_owned));
    let c3 = community_tier::measure(&bench, &plan)?;
    lines.extend(c3.lines().map(str::to_owned));
    let p3_trials = plan.p3_trials.to_string();
    let p3 = bounded::output(
        "P3",
        Command::new(&bench).args(["p3", "--trials", &p3_trials, "--seed", "1"]),
        Duration::from_secs(60),
    )?;
    lines.extend(p3.lines().map(str::to_owned));
    // Three runs, each until its last job is seen: a top rung (120
    // simulated s) after the last end at most, all time-scaled.
    let p5_run = f64::from(plan.p5_longest + 2 * 120) / f64::from(plan.p5_scale);
    let p5 = bounded::output(
        "P5",
        Command::new(&bench).args([
            "p5",
            "--watches",
            &plan.p5_watches.to_string(),
            "--scale",
            &plan.p5_scale.to_string(),
            "--longest",
            &plan.p5_longest.to_string(),
            "--seed",
            "1",
        ]),
        Duration::from_secs_f64(30.0 + 3.0 * p5_run * 2.0),
    )?;
    lines.extend(p5.lines().map(str::to_owned));
    lines.extend(footprint::measure(plan.p4_build, &out)?);

    let results = out.join("results.jsonl");
    std::fs::write(&results, lines.join("\n") + "\n")
        .map_err(|error| format!("cannot write {}: {error}", results.display()))?;
    let mut report = Command::new(&bench);
    report
        .args(["report", "--mode", plan.mode, "--results"])
        .arg(&results)
        .arg("--out")
        .arg(&out);
    print!(
        "{}",
        bounded::output("report", &mut report, Duration::from_secs(60))?
    );
    if options.update_docs {
        docs_page::update(&out)?;
    }
    println!(
        "bench ({}) took {:.0} s: {:.0} s to build, {:.0} s to measure",
        plan.mode,
        started.elapsed().as_secs_f64(),
        built.duration_since(started).as_secs_f64(),
        built.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The steps that talk to the server: name, time bound, arguments.
fn socket_steps(plan: &Plan) -> Vec<(&'static str, Duration, Vec<String>)> {
    let strings = |words: &[&str]| words.iter().map(|word| (*word).to_owned()).collect();
    let sizes = plan
        .p2_sizes
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // A P2 side at 100,000 watches takes about a minute on a busy machine.
    let p2_side_limit = 60 + plan.p2_sizes.iter().max().copied().unwrap_or(0) as u64 / 500;
    let p2_limit = Duration::from_secs(p2_side_limit * 2 * plan.p2_sizes.len() as u64);
    vec![
        (
            "P1",
            Duration::from_secs(300),
            strings(&[
                "p1",
                "--blocks",
                &plan.p1_blocks.to_string(),
                "--calls",
                &plan.p1_calls.to_string(),
            ]),
        ),
        (
            "P2",
            p2_limit,
            strings(&[
                "p2",
                "--sizes",
                &sizes,
                "--batch",
                &plan.p2_batch.to_string(),
                "--limit-seconds",
                &p2_side_limit.to_string(),
            ]),
        ),
        (
            "P2l",
            Duration::from_secs(plan.p2l_seconds + 120),
            strings(&[
                "p2l",
                "--n",
                &plan.p2l_watches.to_string(),
                "--batch",
                &plan.p2_batch.to_string(),
                "--seconds",
                &plan.p2l_seconds.to_string(),
                "--limit-seconds",
                &(plan.p2l_seconds + 110).to_string(),
            ]),
        ),
        (
            "R1",
            Duration::from_secs(120),
            strings(&[
                "r1",
                "--n",
                &plan.r1_watches.to_string(),
                "--limit-seconds",
                "110",
            ]),
        ),
        (
            "B1",
            Duration::from_secs(120),
            strings(&[
                "b1",
                "--n",
                &plan.b1_watches.to_string(),
                "--limit-seconds",
                "110",
            ]),
        ),
    ]
}
