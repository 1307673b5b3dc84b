//! `progress-sim [SCENARIO.json] [--port N]`: serves a scenario on loopback until Ctrl-C.

use std::process::ExitCode;

use progress_sim::{Scenario, Simulator};

const USAGE: &str = "\
usage: progress-sim [SCENARIO.json] [--port N]

Serves a simulated iTwin job progress API on 127.0.0.1 until Ctrl-C.
Without a scenario file it serves the demo job `demo-job` (about 10 s long).
Prints the base URL on stdout; the jobs and an example URL on stderr.";

#[derive(Debug)]
struct Args {
    scenario_path: Option<String>,
    port: u16,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        scenario_path: None,
        port: 0,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                parsed.port = value
                    .parse()
                    .map_err(|_| format!("--port needs a port number, got {value:?}"))?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            path if parsed.scenario_path.is_none() => parsed.scenario_path = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("progress-sim: {problem}");
            }
            eprintln!("{USAGE}");
            return if problem.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let scenario = match &args.scenario_path {
        Some(path) => Scenario::from_file(path),
        None => Ok(Scenario::demo()),
    };
    let scenario = match scenario {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("progress-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    let example_paths = example_paths(&scenario);
    let has_token_endpoint = scenario.oauth.is_some();
    let simulator = match Simulator::builder(scenario).port(args.port).start().await {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("progress-sim: {error}");
            return ExitCode::FAILURE;
        }
    };

    // stdout carries only the URL, so scripts can read it.
    println!("{}", simulator.base_url());
    for path in example_paths {
        eprintln!("  {}{path}", simulator.base_url());
    }
    if has_token_endpoint {
        eprintln!("  token endpoint: {}", simulator.token_url());
    }
    eprintln!("Ctrl-C to stop.");

    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("progress-sim: cannot wait for Ctrl-C: {error}");
    }
    simulator.shutdown().await;
    ExitCode::SUCCESS
}

/// One progress path per job, under its own service or a typical one.
fn example_paths(scenario: &Scenario) -> Vec<String> {
    scenario
        .jobs
        .iter()
        .map(|(job_id, job)| {
            let service = job.service.as_deref().unwrap_or("reality-modeling");
            format!("/{}/jobs/{job_id}/progress", service.trim_matches('/'))
        })
        .collect()
}
