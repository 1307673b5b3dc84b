//! `cargo xtask soak`: the fault matrix. Builds `progress-soak` (the dev
//! profile for `--quick`, as CI has it built already; release for the full
//! run), runs it with a time bound, and leaves its report in
//! target/soak/report.md. The program itself is in soak/.

use std::process::Command;
use std::time::Duration;

use crate::cmd::{self, cargo, target_dir, workspace_root};

/// The quick form must leave CI room: it takes about 30 s.
const QUICK_LIMIT: Duration = Duration::from_secs(110);
/// The full form takes a few minutes; the issue allows twenty.
const FULL_LIMIT: Duration = Duration::from_secs(20 * 60);

/// `passed` goes to the program as is (`--jobs N`, `--seed N`, `--only KIND`).
pub fn run(quick: bool, passed: &[String]) -> Result<(), String> {
    let profile = if quick { "debug" } else { "release" };
    let mut build = cargo();
    build.args(["build", "-p", "progress-soak"]);
    if !quick {
        build.arg("--release");
    }
    cmd::run(&mut build)?;
    let target = target_dir(&workspace_root());
    let mut soak = Command::new(target.join(profile).join("progress-soak"));
    soak.current_dir(workspace_root())
        .arg("--out")
        .arg(target.join("soak"))
        .args(passed);
    if quick {
        soak.arg("--quick");
    }
    cmd::run_within(&mut soak, if quick { QUICK_LIMIT } else { FULL_LIMIT })
}
