//! Running cargo subprocesses from the workspace root, with the command echoed
//! and failures turned into messages that say what was run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The workspace root, so `cargo xtask` works from any subdirectory.
pub fn workspace_root() -> PathBuf {
    // xtask/ sits directly under the root; the path is fixed at compile time.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

/// A `cargo` command in the workspace root.
pub fn cargo() -> Command {
    // `cargo run` sets $CARGO to the cargo that launched us: using it keeps
    // every step on the same toolchain even without rustup on PATH.
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(workspace_root());
    command
}

/// Echoes and runs `command` with inherited stdio; an error unless it succeeds.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = display(command);
    eprintln!("$ {shown}");
    let status = command
        .status()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// The command as a user would type it: env overrides, then `cargo` rather
/// than the full toolchain path in $CARGO, then the arguments.
pub fn display(command: &Command) -> String {
    let mut words: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| Some(format!("{}={}", lossy(key), lossy(value?))))
        .collect();
    let program = Path::new(command.get_program())
        .file_stem()
        .unwrap_or(command.get_program());
    words.push(lossy(program));
    words.extend(command.get_args().map(lossy));
    words.join(" ")
}

/// The text, single-quoted if it has whitespace, so the echoed command can
/// be pasted back into a shell.
fn lossy(text: &OsStr) -> String {
    let text = text.to_string_lossy();
    if text.contains(char::is_whitespace) {
        format!("'{text}'")
    } else {
        text.into_owned()
    }
}

/// Where cargo puts build output: $CARGO_TARGET_DIR or target/.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_relative() {
                root.join(dir)
            } else {
                dir
            }
        })
        .unwrap_or_else(|| root.join("target"))
}

/// Echoes and runs `command` with inherited stdio, stopping it if it runs
/// past `limit`; an error unless it succeeds in time.
pub fn run_within(command: &mut Command, limit: Duration) -> Result<(), String> {
    let shown = display(command);
    eprintln!("$ {shown}");
    let child = command
        .spawn()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    // Killed on every way out, an early return or a panic included.
    let mut child = KilledOnDrop(child);
    let deadline = Instant::now() + limit;
    loop {
        match child.0.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("`{shown}` failed ({status})")),
            Ok(None) if Instant::now() >= deadline => {
                return Err(format!(
                    "`{shown}` did not finish within {} s and was stopped",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => return Err(format!("cannot wait for `{shown}`: {error}")),
        }
    }
}

/// A child process that is killed (and reaped) when dropped.
struct KilledOnDrop(Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
