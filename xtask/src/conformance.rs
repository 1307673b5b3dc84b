//! `cargo xtask conformance`: runs the conformance runner (a libtest-mimic
//! binary whose trials are named `{adapter}::{vector}`) and reports the
//! results as a vector x adapter matrix.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use crate::cmd::{self, cargo};
use crate::matrix::{self, Matrix};

/// Runs the suite, only the `adapter` column if given. An error if any trial
/// failed, the test command failed, or the adapter filter matched nothing.
pub fn run(adapter: Option<&str>) -> Result<(), String> {
    let mut command = cargo();
    command.args([
        "test",
        "-p",
        "progress-conformance",
        "--test",
        "conformance",
        "--",
        // The output is parsed: no colour codes around `ok` / `FAILED`.
        "--color",
        "never",
    ]);
    if let Some(adapter) = adapter {
        // libtest filters are substring matches; the `::` anchors the name
        // at the adapter/vector separator.
        command.arg(format!("{adapter}::"));
    }
    let shown = cmd::display(&command);
    eprintln!("$ {shown}");

    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let output = tee(BufReader::new(stdout))
        .map_err(|error| format!("reading the output of `{shown}`: {error}"))?;
    let status = child
        .wait()
        .map_err(|error| format!("waiting for `{shown}`: {error}"))?;

    // The filter above is a substring match (`thread::` would match both tokio
    // adapters): keep exactly the adapter asked for.
    let trials: Vec<_> = matrix::parse(&output)
        .into_iter()
        .filter(|trial| adapter.is_none_or(|name| trial.adapter == name))
        .collect();
    let matrix = Matrix::new(&trials);
    println!();
    if matrix.is_empty() {
        println!("no conformance trials found");
    } else {
        print!("{}", matrix.render());
        println!("{}", matrix.summary());
    }

    let failed = matrix.counts().failed;
    if failed > 0 {
        Err(format!("{failed} conformance trial(s) failed"))
    } else if !status.success() {
        // E.g. a compile error, or the runner panicked outside any trial.
        Err(format!("`{shown}` failed ({status})"))
    } else if let (true, Some(adapter)) = (matrix.is_empty(), adapter) {
        // A typo in the adapter name must not look like a clean run.
        Err(format!("no conformance trials matched adapter `{adapter}`"))
    } else {
        Ok(())
    }
}

/// Echoes the child's stdout as it arrives (a long run should not look hung)
/// and returns all of it for parsing.
fn tee(mut reader: impl BufRead) -> std::io::Result<String> {
    let mut all = String::new();
    let mut line = Vec::new();
    let mut terminal = std::io::stdout().lock();
    while reader.read_until(b'\n', &mut line)? > 0 {
        // Trial output is arbitrary bytes; a stray invalid byte must not
        // abort the report.
        let text = String::from_utf8_lossy(&line);
        terminal.write_all(text.as_bytes())?;
        terminal.flush()?;
        all.push_str(&text);
        line.clear();
    }
    Ok(all)
}
