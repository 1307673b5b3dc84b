//! Socket timeouts in whole milliseconds, so that a kept-alive socket keeps
//! them from one poll to the next.
//!
//! ureq hands the transport the time left of the request's timeout, to the
//! nanosecond, before each write and read, and its TCP transport sets the
//! socket's timeout again whenever that changed: two `setsockopt` calls at
//! every poll, which the hand-written call (no timeout) does not make.
//! Rounded down to a millisecond, the time left is the same at every poll
//! that reaches the socket within a millisecond of starting, so the socket
//! keeps the timeouts it has. A request still never waits past its bound:
//! at most a millisecond less than it.

use std::time::Duration;

use ureq::unversioned::transport::time::Duration as Left;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// The last link of the chain: wraps the transport the chain made.
#[derive(Debug)]
pub(crate) struct WholeMillis;

impl<In: Transport> Connector<In> for WholeMillis {
    type Out = Rounding<In>;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(Rounding))
    }
}

/// A transport whose every timeout is rounded down to a whole millisecond.
#[derive(Debug)]
pub(crate) struct Rounding<T>(T);

impl<T: Transport> Transport for Rounding<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, rounded(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(rounded(timeout))
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

/// `timeout` with the time left rounded down to a whole millisecond; under a
/// millisecond it stays as it is (a zero would mean no timeout to the socket).
fn rounded(mut timeout: NextTimeout) -> NextTimeout {
    if let Left::Exact(left) = timeout.after
        && left >= Duration::from_millis(1)
    {
        let whole = Duration::from_millis(u64::try_from(left.as_millis()).unwrap_or(u64::MAX));
        timeout.after = Left::Exact(whole);
    }
    timeout
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left(timeout: NextTimeout) -> Left {
        timeout.after
    }

    fn after(duration: Duration) -> NextTimeout {
        NextTimeout {
            after: Left::Exact(duration),
            ..NextTimeout::default()
        }
    }

    #[test]
    fn the_time_left_is_rounded_down_never_to_zero() {
        let cases = [
            (
                Duration::from_micros(29_999_970),
                Duration::from_millis(29_999),
            ),
            (
                Duration::from_micros(29_999_020),
                Duration::from_millis(29_999),
            ),
            (Duration::from_secs(5), Duration::from_secs(5)),
            (Duration::from_micros(1_500), Duration::from_millis(1)),
            (Duration::from_micros(999), Duration::from_micros(999)),
            (Duration::ZERO, Duration::ZERO),
        ];
        for (given, expected) in cases {
            assert_eq!(
                left(rounded(after(given))),
                Left::Exact(expected),
                "{given:?}"
            );
        }
        assert_eq!(
            left(rounded(NextTimeout::default())),
            NextTimeout::default().after
        );
    }
}
