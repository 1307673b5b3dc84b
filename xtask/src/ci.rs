//! `cargo xtask ci`: every check CI runs, in order, stopping at the first
//! failure. To add a check, write a function and append it to [`STEPS`].

use std::process::Stdio;

use crate::cmd::{self, cargo};
use crate::{bench, conformance, features, fuzz, package, soak, tools};

/// One named check.
struct Step {
    name: &'static str,
    run: fn() -> Result<(), String>,
}

/// Cheap checks first, so the common mistakes fail fast.
const STEPS: &[Step] = &[
    Step::new("fmt", fmt),
    Step::new("clippy", clippy),
    Step::new("tools", tools::run),
    Step::new("test", test),
    Step::new("features", features::run),
    Step::new("doc", doc),
    Step::new("deny", deny),
    Step::new("conformance", conformance),
    Step::new("package", package::run),
    Step::new("bench --quick", bench_quick),
    Step::new("soak --quick", soak_quick),
    Step::new("fuzz --quick", fuzz_quick),
];

impl Step {
    const fn new(name: &'static str, run: fn() -> Result<(), String>) -> Self {
        Self { name, run }
    }
}

/// Runs every step; the error names the step that failed.
pub fn run() -> Result<(), String> {
    for step in STEPS {
        println!("==> {}", step.name);
        (step.run)().map_err(|error| format!("ci step `{}` failed: {error}", step.name))?;
    }
    println!("==> ci: all {} steps passed", STEPS.len());
    Ok(())
}

fn fmt() -> Result<(), String> {
    cmd::run(cargo().args(["fmt", "--all", "--check"]))
}

fn clippy() -> Result<(), String> {
    cmd::run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn test() -> Result<(), String> {
    cmd::run(cargo().args(["test", "--workspace"]))
}

fn doc() -> Result<(), String> {
    // A blocking page left by an earlier build must not pass the check below.
    let facade_pages = cmd::target_dir(&cmd::workspace_root()).join("doc/itwin_job_progress");
    let _ = std::fs::remove_dir_all(facade_pages);
    // Broken intra-doc links and the like are warnings by default; CI wants
    // them to fail like compiler warnings do.
    cmd::run(
        cargo()
            .args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    // Plain `cargo doc` (default features) shows both clients.
    facade_has_blocking_module()?;
    facade_doc()
}

/// The facade as docs.rs renders it (`all-features` in its Cargo.toml; every
/// feature but native-tls here, which adds no item and needs OpenSSL): both
/// clients, the blocking module included, with its links checked.
fn facade_doc() -> Result<(), String> {
    cmd::run(
        cargo()
            .args(["doc", "-p", "itwin-job-progress", "--no-deps", "--features"])
            .arg(features::EVERYTHING_BUT_NATIVE_TLS)
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    facade_has_blocking_module()
}

fn facade_has_blocking_module() -> Result<(), String> {
    let blocking =
        cmd::target_dir(&cmd::workspace_root()).join("doc/itwin_job_progress/blocking/index.html");
    if blocking.exists() {
        Ok(())
    } else {
        Err(format!(
            "the facade's docs have no blocking module ({} is missing)",
            blocking.display()
        ))
    }
}

fn deny() -> Result<(), String> {
    if !cargo_deny_installed() {
        // A fresh machine (or CI image) should pass without a manual setup step.
        eprintln!("cargo-deny {CARGO_DENY_VERSION} is not installed; installing it");
        // Pinned: a newer release could need a newer Rust than this machine's,
        // or read deny.toml differently. `--force` replaces another release.
        cmd::run(cargo().args([
            "install",
            "--force",
            "--locked",
            "cargo-deny",
            "--version",
            CARGO_DENY_VERSION,
        ]))?;
    }
    // cargo-deny reads the full dependency graph via `cargo metadata`, which
    // needs every package's manifest, including crates for other platforms
    // that the test build never downloaded. Fetch them now so the check
    // itself can run `--offline` (no advisory database needed for these checks).
    cmd::run(cargo().arg("fetch"))?;
    cmd::run(cargo().args(["deny", "--offline", "check", "bans", "licenses", "sources"]))
}

/// The cargo-deny release deny.toml is written for.
const CARGO_DENY_VERSION: &str = "0.20.2";

fn cargo_deny_installed() -> bool {
    // Only the pinned release counts: another may read deny.toml differently.
    cargo()
        .args(["deny", "--version"])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|output| {
            output.status.success()
                && String::from_utf8_lossy(&output.stdout)
                    .split_whitespace()
                    .any(|word| word == CARGO_DENY_VERSION)
        })
}

fn conformance() -> Result<(), String> {
    conformance::run(None)
}

/// Checks that the bench runs end to end and writes its report; it asserts
/// no speed (a shared CI machine cannot promise one).
fn bench_quick() -> Result<(), String> {
    bench::run(&bench::Options {
        quick: true,
        ..bench::Options::default()
    })
}

/// Every fault kind against every adapter, a few jobs a cell (about 30 s).
fn soak_quick() -> Result<(), String> {
    soak::run(true, &[])
}

/// 100,000 fuzz executions over every target (about 30 s).
fn fuzz_quick() -> Result<(), String> {
    fuzz::run(true, &[])
}

#[cfg(test)]
mod tests {
    use crate::cmd::workspace_root;

    /// docs.rs documents default features only unless told otherwise, and
    /// would then leave the blocking client out of the facade's pages.
    #[test]
    fn docs_rs_documents_every_feature_of_the_facade() {
        let manifest =
            std::fs::read_to_string(workspace_root().join("crates/itwin-job-progress/Cargo.toml"))
                .unwrap();
        let (_, metadata) = manifest
            .split_once("[package.metadata.docs.rs]")
            .expect("docs.rs metadata in the facade's Cargo.toml");
        let table = metadata.split("\n[").next().unwrap();
        assert!(table.contains("all-features = true"), "{table}");
    }
}
