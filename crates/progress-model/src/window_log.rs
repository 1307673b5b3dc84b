//! One budget of `count` requests in any `window`, kept exactly: the sends
//! of the last window, in order. A token bucket with a burst of `count`
//! would let `count` out at once and `count` more over the window that
//! follows (twice the budget in one window); the platform counts a window,
//! so the client does too.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The sends (made or reserved) of the last `window`, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct WindowLog {
    count: usize,
    window: Duration,
    sends: VecDeque<Instant>,
}

impl WindowLog {
    pub(crate) fn new(count: u32, window: Duration) -> Self {
        Self {
            count: usize::try_from(count.max(1)).unwrap_or(usize::MAX),
            window,
            sends: VecDeque::new(),
        }
    }

    /// The first instant from `now` a send fits: after the last one
    /// reserved (sends stay in order), and a window after the send
    /// `count` back, so that no window ever holds more than `count`.
    pub(crate) fn earliest(&self, now: Instant) -> Instant {
        let mut at = now.max(self.sends.back().copied().unwrap_or(now));
        if self.sends.len() >= self.count {
            let nth_back = self.sends[self.sends.len() - self.count];
            at = at.max(crate::clock::instant_after(nth_back, self.window));
        }
        at
    }

    /// Takes the send at [`WindowLog::earliest`]`(now)`.
    pub(crate) fn reserve(&mut self, now: Instant) -> Instant {
        let at = self.earliest(now);
        // What left the window before `now` constrains nothing any more.
        while self
            .sends
            .front()
            .is_some_and(|oldest| crate::clock::instant_after(*oldest, self.window) <= now)
        {
            self.sends.pop_front();
        }
        self.sends.push_back(at);
        at
    }

    /// A send reserved for `at` will not be made.
    pub(crate) fn give_back(&mut self, at: Instant) {
        if let Some(position) = self.sends.iter().rposition(|send| *send == at) {
            self.sends.remove(position);
        }
    }

    /// Sends left in the window that ends at `now` (reserved ones taken).
    pub(crate) fn left(&self, now: Instant) -> u64 {
        let counted = self
            .sends
            .iter()
            .filter(|send| crate::clock::instant_after(**send, self.window) > now)
            .count();
        u64::try_from(self.count.saturating_sub(counted)).unwrap_or(u64::MAX)
    }

    /// The requests per second the budget sustains.
    pub(crate) fn per_second(&self) -> f64 {
        self.count as f64 / self.window.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_window_ever_holds_more_than_the_count() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut log = WindowLog::new(3, Duration::from_secs(60));
        // Three at once, then each waits for the one three back to leave.
        let sends: Vec<_> = [0, 0, 0, 0, 10, 70]
            .iter()
            .map(|&asked| log.reserve(at(asked)))
            .collect();
        assert_eq!(sends, [at(0), at(0), at(0), at(60), at(60), at(70)]);
        assert_eq!(log.left(at(70)), 0);
        assert_eq!(log.left(at(125)), 2);
        log.give_back(at(70));
        assert_eq!(log.left(at(70)), 1);
    }
}
