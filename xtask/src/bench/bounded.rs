//! Child processes with a time bound: every bench program is killed when it
//! overruns, and the server is killed when the driver is done with it, also
//! when the driver fails or panics (the guard's `Drop`).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::cmd;

/// Runs `command` to its end within `limit`; its stdout, or an error naming
/// what overran or failed. Stderr goes to the terminal.
pub fn output(name: &str, command: &mut Command, limit: Duration) -> Result<String, String> {
    let shown = cmd::display(command);
    eprintln!("$ {shown}");
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| format!("{name}: could not start `{shown}`: {error}"))?;
    let mut child = Killed(child);
    let mut stdout = child.0.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.0.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                return Err(format!(
                    "{name} did not finish within {} s and was stopped",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(format!("{name}: cannot wait for `{shown}`: {error}")),
        }
    };
    let text = reader.join().unwrap_or_default();
    if status.success() {
        Ok(text)
    } else {
        Err(format!("{name} failed ({status}): `{shown}`"))
    }
}

/// A child that is killed (and reaped) when this is dropped.
#[derive(Debug)]
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `progress-sim` serving a scenario on loopback, stopped on drop.
#[derive(Debug)]
pub struct Server {
    _process: Killed,
    /// Where it listens, e.g. `http://127.0.0.1:40123`.
    pub base_url: String,
}

impl Server {
    /// Starts the simulator binary on `scenario` and waits (at most `limit`)
    /// for the base URL it prints.
    pub fn start(
        binary: &std::path::Path,
        scenario: &std::path::Path,
        limit: Duration,
    ) -> Result<Self, String> {
        let mut command = Command::new(binary);
        command.arg(scenario).args(["--port", "0"]);
        eprintln!("$ {}", cmd::display(&command));
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot start progress-sim: {error}"))?;
        let mut process = Killed(child);
        let stdout = process.0.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(limit)
            .map_err(|_| format!("progress-sim printed no URL within {} s", limit.as_secs()))?;
        let base_url = line.trim().to_owned();
        if !base_url.starts_with("http://") {
            return Err(format!(
                "progress-sim did not start (it printed `{base_url}`)"
            ));
        }
        Ok(Self {
            _process: process,
            base_url,
        })
    }
}
