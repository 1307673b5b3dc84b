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

/// Packages every publishable crate: a manifest naming a file the crate
/// lacks, or a dependency with a path and no version, fails here.
///
/// Without `--verify`'s build of each tarball: the other steps build the same
/// sources, and the verifying build unpacks our unpublished crates under
/// cargo's registry cache by name and version, so a second run on the same
/// machine would build against the first run's copies.
pub fn run() -> Result<(), String> {
    let mut command = cargo();
    command.args(["package", "--locked", "--allow-dirty", "--no-verify"]);
    for name in PUBLISHABLE {
        command.args(["--package", name]);
    }
    cmd::run(&mut command)
}
