//! The `messageId`s seen lately: a delivery is sent at least once.

use std::collections::{HashSet, VecDeque};

/// How many `messageId`s a [`Receiver`](super::Receiver) remembers by default.
pub const DEFAULT_RECENT_MESSAGES: usize = 4096;

/// A bounded window of recent message ids: the oldest is forgotten when a
/// new one does not fit. A resend arrives within minutes of its first
/// delivery, so a few thousand ids cover a busy webhook.
#[derive(Debug, Clone)]
pub struct RecentMessages {
    capacity: usize,
    order: VecDeque<String>,
    known: HashSet<String>,
}

impl RecentMessages {
    /// A window of `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            order: VecDeque::with_capacity(capacity.min(DEFAULT_RECENT_MESSAGES)),
            known: HashSet::with_capacity(capacity.min(DEFAULT_RECENT_MESSAGES)),
        }
    }

    /// Remembers `message_id`; `false` if it was already in the window.
    pub fn insert(&mut self, message_id: &str) -> bool {
        if self.known.contains(message_id) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.known.remove(&oldest);
        }
        self.order.push_back(message_id.to_owned());
        self.known.insert(message_id.to_owned());
        true
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

impl Default for RecentMessages {
    fn default() -> Self {
        Self::new(DEFAULT_RECENT_MESSAGES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_within_the_window_is_known_one_past_it_is_not() {
        let mut recent = RecentMessages::new(2);
        assert!(recent.insert("a"));
        assert!(!recent.insert("a"));
        assert!(recent.insert("b"));
        assert!(!recent.insert("a"));
        assert!(recent.insert("c"));
        assert_eq!(recent.len(), 2);
        assert!(recent.insert("a"), "the oldest was forgotten");
        assert!(!recent.insert("c"));
    }

    #[test]
    fn zero_capacity_still_catches_an_immediate_repeat() {
        let mut recent = RecentMessages::new(0);
        assert!(recent.insert("a"));
        assert!(!recent.insert("a"));
    }
}
