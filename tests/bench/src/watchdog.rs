//! A bound on every measuring process: past it the process exits on its own,
//! even if the driver that started it is gone.

use std::time::Duration;

/// Exits the process with an error after `seconds`.
pub fn arm(seconds: u64, what: &'static str) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        eprintln!("progress-bench: {what} did not finish within {seconds} s; stopping");
        std::process::exit(3);
    });
}
