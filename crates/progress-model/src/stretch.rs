//! Stretching waits to fit a client's budgets, instead of queuing.
//!
//! Every watch of a client tells the client what it needs: the rung it is
//! about to wait and when its percentage last changed. Together they ask
//! `Σ 1 / rung` requests a second. When that is more than the budgets
//! sustain (the least of their `count / window`), the client stretches
//! waits rather than letting every watch queue for the budget's next send:
//!
//! 1. The watches whose percentage changed most recently keep their rungs,
//!    as many as fit in **half** of the sustained rate (a job that moves
//!    keeps its ladder; ties go to the watch that joined first).
//! 2. The others (the least recently changed) share the rest equally: each
//!    waits at least `stretched / share`, where `share` is what is left of
//!    the rate, never less than its own rung.
//!
//! So the demand stays within the budgets, a wait is never shorter than its
//! rung, and the same needs give the same waits whatever the order in which
//! the watches ask: under a manual clock the decision is exact.
//!
//! The client plans for [`HEADROOM`] of what the budgets sustain, not all of
//! it: watches that start together spend a burst of the window first, and
//! the steady demand must leave room for it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The share of the budgets' sustained rate the watches' demand is kept to.
pub(crate) const HEADROOM: f64 = 0.9;

/// What one watch of a client needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Need {
    pub(crate) rung: Duration,
    pub(crate) changed: Instant,
}

/// The needs of a client's watches, by the order in which they joined.
#[derive(Debug, Default)]
pub(crate) struct Demand {
    needs: BTreeMap<u64, Need>,
    joined: u64,
}

impl Demand {
    /// A watch joins with its first need; its number, to ask and leave with.
    pub(crate) fn join(&mut self, need: Need) -> u64 {
        self.joined += 1;
        self.needs.insert(self.joined, need);
        self.joined
    }

    pub(crate) fn leave(&mut self, watch: u64) {
        self.needs.remove(&watch);
    }

    /// Records `need` for `watch` and returns its wait: its rung, or
    /// longer when the client's watches need more than `sustained`
    /// requests a second.
    pub(crate) fn wait(&mut self, watch: u64, need: Need, sustained: f64) -> Duration {
        self.needs.insert(watch, need);
        stretched(&self.needs, watch, sustained)
    }
}

fn rate(rung: Duration) -> f64 {
    1.0 / rung.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// The wait of `watch` among `needs`; see the [module](self).
fn stretched(needs: &BTreeMap<u64, Need>, watch: u64, sustained: f64) -> Duration {
    let Some(own) = needs.get(&watch) else {
        return Duration::ZERO;
    };
    let demand: f64 = needs.values().map(|need| rate(need.rung)).sum();
    if !sustained.is_finite() || demand <= sustained {
        return own.rung;
    }
    // Most recently changed first; ties to the first joined.
    let mut order: Vec<(&u64, &Need)> = needs.iter().collect();
    order.sort_by(|(a_id, a), (b_id, b)| b.changed.cmp(&a.changed).then(a_id.cmp(b_id)));
    let mut kept = 0.0;
    let mut keeps = 0;
    for (id, need) in &order {
        let more = kept + rate(need.rung);
        if more > sustained / 2.0 {
            break;
        }
        if **id == watch {
            return own.rung;
        }
        kept = more;
        keeps += 1;
    }
    let stretched = (order.len() - keeps) as f64;
    let share = sustained - kept;
    let wait = Duration::try_from_secs_f64(stretched / share).unwrap_or(crate::MAX_DURATION);
    wait.min(crate::MAX_DURATION).max(own.rung)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// The waits of watches joined in order, each `(rung s, changed at s)`.
    fn waits(watches: &[(f64, u64)], sustained: f64) -> Vec<f64> {
        let start = Instant::now();
        let mut demand = Demand::default();
        let needs: Vec<Need> = watches
            .iter()
            .map(|&(rung, changed)| Need {
                rung: secs(rung),
                changed: start + Duration::from_secs(changed),
            })
            .collect();
        let ids: Vec<u64> = needs.iter().map(|need| demand.join(*need)).collect();
        ids.iter()
            .zip(&needs)
            .map(|(id, need)| demand.wait(*id, *need, sustained).as_secs_f64())
            .collect()
    }

    #[test]
    fn the_least_recently_changed_watches_are_stretched_first() {
        // (watches as (rung s, changed at s), sustained rate, their waits)
        type Case<'a> = (&'a [(f64, u64)], f64, &'a [f64]);
        let cases: [Case; 4] = [
            // Within the budget: every rung as it is.
            (&[(15.0, 0), (15.0, 0)], 0.2, &[15.0, 15.0]),
            // Four at 15 s need 0.267/s of 0.2: the first keeps 15 s (half
            // the rate holds one), the three others share 0.133/s: 22.5 s.
            (
                &[(15.0, 0), (15.0, 0), (15.0, 0), (15.0, 0)],
                0.2,
                &[15.0, 22.5, 22.5, 22.5],
            ),
            // The one that changed last keeps its ladder, whoever joined first.
            (
                &[(15.0, 0), (15.0, 0), (15.0, 0), (15.0, 9)],
                0.2,
                &[22.5, 22.5, 22.5, 15.0],
            ),
            // A stretch is never shorter than the watch's own rung:
            // 0.15/s of 0.1: not even the one that changed fits in half of
            // it, so all four share the rate (40 s), the 120 s rungs as they are.
            (
                &[(15.0, 5), (120.0, 0), (120.0, 0), (15.0, 0)],
                0.1,
                &[40.0, 120.0, 120.0, 40.0],
            ),
        ];
        for (watches, sustained, expected) in cases {
            assert_eq!(
                waits(watches, sustained),
                expected,
                "{watches:?} at {sustained}/s"
            );
        }
    }

    #[test]
    fn a_watch_that_left_needs_nothing() {
        let start = Instant::now();
        let mut demand = Demand::default();
        let need = Need {
            rung: secs(15.0),
            changed: start,
        };
        let (a, b) = (demand.join(need), demand.join(need));
        assert_eq!(demand.wait(a, need, 0.1), secs(20.0));
        demand.leave(b);
        assert_eq!(demand.wait(a, need, 0.1), secs(15.0));
    }
}
