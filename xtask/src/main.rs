//! `cargo xtask`: project automation written in Rust, so CI and developers
//! run exactly the same checks with nothing to install but a toolchain.
//!
//! `cargo xtask` is an alias (see `.cargo/config.toml`) for
//! `cargo run --package xtask --`.

mod bench;
mod ci;
mod cli;
mod cmd;
mod conformance;
mod features;
mod fuzz;
mod long_tool;
mod matrix;
mod package;
mod soak;
mod tools;

use std::process::ExitCode;

use cli::Task;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = match cli::parse(&args) {
        Ok(task) => task,
        Err(message) => {
            eprintln!("error: {message}\n\n{}", cli::USAGE);
            // 2 is the conventional exit code for a usage error.
            return ExitCode::from(2);
        }
    };

    let result = match task {
        Task::Help => {
            println!("{}", cli::USAGE);
            Ok(())
        }
        Task::Ci => ci::run(),
        Task::Conformance { adapter } => conformance::run(adapter.as_deref()),
        Task::Package => package::run(),
        Task::Bench(options) => bench::run(&options),
        Task::Soak { quick, passed } => soak::run(quick, &passed),
        Task::Fuzz { quick, passed } => fuzz::run(quick, &passed),
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
