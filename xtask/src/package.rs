//! `cargo package` for every crate we mean to publish, as CI's last word on
//! publishability: a file the manifest names but the crate lacks (a licence, a
//! readme), or a dependency with a path and no version, fails here rather than
//! on the day of the release.

use crate::cmd::{self, cargo};

/// The crates users get from crates.io. The test suites and xtask say
/// `publish = false` and stay out.
const PUBLISHABLE: &[&str] = &[
    "progress-model",
    "progress-ureq",
    "progress-reqwest",
    "progress-sim",
    "itwin-job-progress",
    "itwin-progress",
];

/// Packages and verifies every publishable crate. Packaging them in one call
/// lets cargo resolve their dependencies on each other from the packages it
/// just made, as `cargo publish --workspace` would.
pub fn run() -> Result<(), String> {
    let mut command = cargo();
    command.args(["package", "--locked", "--allow-dirty"]);
    for name in PUBLISHABLE {
        command.args(["--package", name]);
    }
    cmd::run(&mut command)
}
