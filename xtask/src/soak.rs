//! `cargo xtask soak`: the fault matrix. Builds `progress-soak` (the dev
//! profile for `--quick`, as CI has it built already; release for the full
//! run), runs it with a time bound, and leaves its report in
//! target/soak/report.md. The program itself is in soak/.

use std::time::Duration;

use crate::long_tool::LongTool;

/// The fault matrix: the quick form takes about 30 s and must leave CI
/// room; the full form takes a few minutes, and the issue allows twenty.
const SOAK: LongTool = LongTool {
    package: "progress-soak",
    out: "soak",
    quick_limit: Duration::from_secs(110),
    full_limit: Duration::from_secs(20 * 60),
};

/// `passed` goes to the program as is (`--jobs N`, `--seed N`, `--only KIND`).
pub fn run(quick: bool, passed: &[String]) -> Result<(), String> {
    SOAK.run(quick, passed)
}
