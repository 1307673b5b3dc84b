//! The programs the tests need besides cargo, installed when missing so that
//! a fresh machine passes: tinyproxy, the forward proxy the transport tests
//! put in front of their TLS server.

use std::process::{Command, Stdio};

use crate::cmd;

/// Installs tinyproxy from the system's packages unless it is already there.
pub fn run() -> Result<(), String> {
    if installed("tinyproxy") {
        return Ok(());
    }
    eprintln!("tinyproxy is not installed; installing it (the proxy tests need it)");
    let apt = |args: &[&str]| {
        let mut command = Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        // Not root: through sudo, which must not ask for a password in CI.
        if !is_root() {
            let mut sudo = Command::new("sudo");
            sudo.arg("-n")
                .arg("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive");
            return cmd::run(&mut sudo);
        }
        cmd::run(&mut command)
    };
    apt(&["update", "-qq"])?;
    // Debian 12 ships the program alone as tinyproxy-bin; older releases as tinyproxy.
    apt(&["install", "-y", "-qq", "tinyproxy-bin"])
        .or_else(|_| apt(&["install", "-y", "-qq", "tinyproxy"]))?;
    if installed("tinyproxy") {
        Ok(())
    } else {
        Err("tinyproxy is still missing after installing it".into())
    }
}

/// Whether `program` runs.
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}
