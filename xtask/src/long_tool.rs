//! What `cargo xtask soak` and `cargo xtask fuzz` share: build the program
//! (the dev profile for `--quick`, which CI has built already; release for
//! the full run), run it from the workspace root with `--out target/{out}`
//! and what the caller passed, and stop it when its time bound passes.

use std::process::Command;
use std::time::Duration;

use crate::cmd::{self, cargo, target_dir, workspace_root};

/// A long tool: its package, its report folder under target/, and how long
/// each form may run.
pub struct LongTool {
    pub package: &'static str,
    pub out: &'static str,
    pub quick_limit: Duration,
    pub full_limit: Duration,
}

impl LongTool {
    /// Builds and runs the tool; `passed` goes to the program as is.
    pub fn run(&self, quick: bool, passed: &[String]) -> Result<(), String> {
        let profile = if quick { "debug" } else { "release" };
        let mut build = cargo();
        build.args(["build", "-p", self.package]);
        if !quick {
            build.arg("--release");
        }
        cmd::run(&mut build)?;
        let target = target_dir(&workspace_root());
        let mut program = Command::new(target.join(profile).join(self.package));
        program
            .current_dir(workspace_root())
            .arg("--out")
            .arg(target.join(self.out))
            .args(passed);
        if quick {
            program.arg("--quick");
        }
        let limit = if quick {
            self.quick_limit
        } else {
            self.full_limit
        };
        cmd::run_within(&mut program, limit)
    }
}
