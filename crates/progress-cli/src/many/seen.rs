//! The jobs already watched, so that each is watched once, in 16 bytes a
//! job rather than a second copy of every id (a list may hold a hundred
//! thousand).

use std::collections::HashSet;
use std::hash::BuildHasher;

use progress_model::JobId;

/// Two independent 64-bit hashes of each id seen, with keys random to the
/// process: two different ids share both with a chance of about one in
/// 2^128 a pair (1e-29 for a hundred thousand ids), so none is skipped.
#[derive(Debug, Default)]
pub struct Seen {
    keys: (std::hash::RandomState, std::hash::RandomState),
    ids: HashSet<u128>,
}

impl Seen {
    /// Records `job`; whether it was new.
    pub fn first_time(&mut self, job: &JobId) -> bool {
        let high = u128::from(self.keys.0.hash_one(job.as_str()));
        let low = u128::from(self.keys.1.hash_one(job.as_str()));
        self.ids.insert(high << 64 | low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_new_once() {
        let mut seen = Seen::default();
        let ids: Vec<JobId> = (0..10_000)
            .map(|index| JobId::new(format!("job-{index}")).unwrap())
            .collect();
        assert!(ids.iter().all(|job| seen.first_time(job)));
        assert!(ids.iter().all(|job| !seen.first_time(job)));
    }
}
