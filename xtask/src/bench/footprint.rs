//! P4: what a blocking-only program that watches one job costs its user: the
//! crates compiled into it and the size of its release binary, against the
//! same program on `reqwest::blocking` with rustls (ring).
//!
//! Both programs are generated as stand-alone projects under target/bench/p4,
//! with the workspace's Cargo.lock as a start so versions match, and share one
//! target directory.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::bounded;
use super::figure_line::FigureLine;
use crate::cmd::{cargo, workspace_root};

const OURS_MAIN: &str = r#"//! Watches one job to its end with the blocking client.
fn main() {
    let base = std::env::var("ITWIN_BASE_URL").unwrap_or_else(|_| "https://api.bentley.com".into());
    let token = std::env::var("ITWIN_ACCESS_TOKEN").unwrap_or_default();
    let job = std::env::args().nth(1).unwrap_or_default();
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(base)
        .token(token)
        .build()
        .unwrap_or_else(|error| fail(&error));
    for progress in client.watch(job) {
        match progress {
            Ok(progress) => println!("{progress}"),
            Err(error) => fail(&error),
        }
    }
}

fn fail(error: &dyn std::fmt::Display) -> ! {
    eprintln!("{error}");
    std::process::exit(1)
}
"#;

const BASELINE_MAIN: &str = r#"//! Watches one job to its end with reqwest::blocking, written by hand.
use std::time::Duration;

#[derive(serde::Deserialize)]
struct Answer {
    progress: Progress,
}

#[derive(serde::Deserialize)]
struct Progress {
    percentage: Option<f64>,
    state: String,
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = std::env::var("ITWIN_BASE_URL").unwrap_or_else(|_| "https://api.bentley.com".into());
    let token = std::env::var("ITWIN_ACCESS_TOKEN").unwrap_or_default();
    let job = std::env::args().nth(1).unwrap_or_default();
    let client = reqwest::blocking::Client::new();
    let url = format!("{base}/reality-modeling/jobs/{job}/progress");
    loop {
        let answer: Answer = match client
            .get(&url)
            .bearer_auth(&token)
            .header("accept", "application/vnd.bentley.itwin-platform.v2+json")
            .send()
            .and_then(|response| response.error_for_status())
            .and_then(|response| response.json())
        {
            Ok(answer) => answer,
            Err(error) => {
                eprintln!("{error}");
                std::process::exit(1)
            }
        };
        println!("{} {:?}", answer.progress.state, answer.progress.percentage);
        let state = answer.progress.state.to_ascii_lowercase();
        if matches!(state.as_str(), "success" | "failed" | "cancelled" | "over") {
            break;
        }
        std::thread::sleep(Duration::from_secs(15));
    }
}
"#;

/// A full release build of reqwest's tree on a busy machine takes minutes.
const BUILD_LIMIT: Duration = Duration::from_secs(600);
const TREE_LIMIT: Duration = Duration::from_secs(180);

pub fn measure(build: bool, out: &Path) -> Result<Vec<String>, String> {
    let root = workspace_root();
    let facade = root.join("crates/itwin-job-progress");
    let ours_deps = format!(
        "itwin-job-progress = {{ path = {:?}, default-features = false, features = [\"blocking\", \"rustls\"] }}\n",
        facade.display().to_string()
    );
    let baseline_deps = "\
reqwest = { version = \"0.13\", default-features = false, features = [\"blocking\", \"json\", \"rustls-no-provider\"] }
rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }
serde = { version = \"1\", features = [\"derive\"] }
";
    let dir = out.join("p4");
    let ours = project(&dir, "watch-ours", &ours_deps, OURS_MAIN)?;
    let theirs = project(&dir, "watch-reqwest", baseline_deps, BASELINE_MAIN)?;
    let target = dir.join("target");

    let crates = [crate_count(&ours)?, crate_count(&theirs)?];
    let mut lines = vec![
        FigureLine {
            id: "P4 crates",
            what: "crates compiled into a blocking program that watches one job",
            unit: "crates",
            ours: crates[0] as f64,
            baseline: Some(crates[1] as f64),
            target: "<= 0.5x",
            pass: Some(crates[0] as f64 <= 0.5 * crates[1] as f64),
            note: "cargo tree -e normal,build, distinct packages (name and version) without the program; baseline: reqwest::blocking + rustls (ring) + serde",
        }
        .to_json(),
    ];
    if build {
        let sizes = [
            binary_size(&ours, &target, "watch-ours")?,
            binary_size(&theirs, &target, "watch-reqwest")?,
        ];
        lines.push(
            FigureLine {
                id: "P4 size",
                what: "release binary of that program",
                unit: "KiB",
                ours: sizes[0] as f64 / 1024.0,
                baseline: Some(sizes[1] as f64 / 1024.0),
                target: "<= 0.5x",
                pass: Some(sizes[0] as f64 <= 0.5 * sizes[1] as f64),
                note: "default release profile, not stripped",
            }
            .to_json(),
        );
    } else {
        eprintln!("P4 size skipped in --quick (a release build of each program)");
    }
    Ok(lines)
}

/// Writes a stand-alone project; its directory.
fn project(dir: &Path, name: &str, dependencies: &str, main: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let write = |file: PathBuf, text: &str| {
        std::fs::create_dir_all(file.parent().expect("a file has a parent"))
            .and_then(|()| std::fs::write(&file, text))
            .map_err(|error| format!("cannot write {}: {error}", file.display()))
    };
    // `[workspace]`: the project sits under our target/, not in our workspace.
    write(
        path.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{dependencies}"
        ),
    )?;
    write(path.join("src/main.rs"), main)?;
    if !path.join("Cargo.lock").exists() {
        std::fs::copy(workspace_root().join("Cargo.lock"), path.join("Cargo.lock"))
            .map_err(|error| format!("cannot copy Cargo.lock: {error}"))?;
    }
    Ok(path)
}

/// Distinct packages compiled for the program (normal and build dependencies), without itself.
fn crate_count(project: &Path) -> Result<usize, String> {
    let mut command = cargo();
    command
        .current_dir(project)
        .args(["tree", "-e", "normal,build", "--prefix", "none"]);
    let tree = bounded::output("P4 cargo tree", &mut command, TREE_LIMIT)?;
    // Two versions of one crate are two crates to compile.
    let packages: BTreeSet<(&str, &str)> = tree
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    Ok(packages.len())
}

/// Builds the program in release; its size in bytes.
fn binary_size(project: &Path, target: &Path, name: &str) -> Result<u64, String> {
    let mut command = cargo();
    command
        .current_dir(project)
        .args(["build", "--release", "--quiet"])
        .env("CARGO_TARGET_DIR", target);
    bounded::output("P4 build", &mut command, BUILD_LIMIT)?;
    let binary = target.join("release").join(name);
    std::fs::metadata(&binary)
        .map(|metadata| metadata.len())
        .map_err(|error| format!("cannot read {}: {error}", binary.display()))
}
