//! The signals that stop a watch, each with its own exit code, and where they
//! are heard.

use std::fmt;
use std::io;

/// A signal that stops a watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT: Ctrl-C (on Windows also Ctrl-Break and closing the console).
    Interrupt,
    /// SIGTERM: a polite request to end, from a service manager or `kill`.
    Terminate,
    /// SIGHUP: the terminal went away (a closed window, a dropped ssh session).
    HangUp,
}

impl StopSignal {
    /// 128 + the signal's number, as a shell reports a process the signal
    /// killed: scripts cannot tell a clean stop from the default one, and need not.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
            Self::HangUp => 129,
        }
    }
}

/// `SIGINT`, `SIGTERM`, `SIGHUP`.
impl fmt::Display for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
            Self::HangUp => "SIGHUP",
        })
    }
}

/// Calls `on_signal` for every SIGINT, SIGTERM and SIGHUP, on a thread of its
/// own (not in signal context, so it may lock and print). Can be called once
/// per process.
#[cfg(unix)]
pub fn listen(mut on_signal: impl FnMut(StopSignal) + Send + 'static) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                on_signal(match signal {
                    SIGTERM => StopSignal::Terminate,
                    SIGHUP => StopSignal::HangUp,
                    _ => StopSignal::Interrupt,
                });
            }
        })?;
    Ok(())
}

/// Calls `on_signal` for Ctrl-C, Ctrl-Break and closing the console, all
/// reported as [`StopSignal::Interrupt`]: there is no SIGTERM or SIGHUP here.
#[cfg(not(unix))]
pub fn listen(mut on_signal: impl FnMut(StopSignal) + Send + 'static) -> io::Result<()> {
    ctrlc::set_handler(move || on_signal(StopSignal::Interrupt)).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signal_exits_with_128_plus_its_number() {
        let cases = [
            (StopSignal::Interrupt, 130, "SIGINT"),
            (StopSignal::Terminate, 143, "SIGTERM"),
            (StopSignal::HangUp, 129, "SIGHUP"),
        ];
        for (signal, code, name) in cases {
            assert_eq!(signal.exit_code(), code, "{name}");
            assert_eq!(signal.to_string(), name);
        }
    }
}
