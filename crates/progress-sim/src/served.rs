//! What the simulator answered, counted by kind, per job and in total.

use std::collections::BTreeMap;

/// Counts of the answers a [`Simulator`](crate::Simulator) served, by kind.
///
/// Every request is counted once, in exactly one field, so
/// [`total`](Self::total) is the number of requests answered (or dropped).
/// Read it with [`Simulator::served`](crate::Simulator::served),
/// [`Simulator::served_for`](crate::Simulator::served_for) and
/// [`Simulator::token_endpoint_served`](crate::Simulator::token_endpoint_served).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Served {
    /// 200s with the answer the scenario scripted: progress, or a token.
    pub ok: u64,
    /// 429 `TooManyRequests` from a rate limit: `token_rate_limit`,
    /// `rate_limit` or a job's `rate_limited_requests`. Injected 429 storms
    /// count as [`faults`](Self::faults).
    pub rate_limited: u64,
    /// Answers an injected fault changed or replaced: 5xx, dropped or reset
    /// connections, stalls, odd bodies, storms, vanished jobs and revoked
    /// tokens. A slow answer or a gzip body is counted as what it is otherwise.
    pub faults: u64,
    /// Every other answer the service decided: 400, 401, 404, 405 (and the
    /// token endpoint's OAuth errors).
    pub rejected: u64,
}

impl Served {
    /// All requests counted.
    pub fn total(&self) -> u64 {
        self.ok + self.rate_limited + self.faults + self.rejected
    }

    fn add(&mut self, kind: AnswerKind) {
        match kind {
            AnswerKind::Ok => self.ok += 1,
            AnswerKind::RateLimited => self.rate_limited += 1,
            AnswerKind::Fault => self.faults += 1,
            AnswerKind::Rejected => self.rejected += 1,
        }
    }
}

/// Which [`Served`] counter one answer goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnswerKind {
    Ok,
    RateLimited,
    Fault,
    Rejected,
}

/// The progress endpoint's counts in total and per job id, and the token endpoint's.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) total: Served,
    pub(crate) by_job: BTreeMap<String, Served>,
    pub(crate) token_endpoint: Served,
}

impl Tally {
    /// Counts one progress-endpoint answer; `job_id` is `None` for a path
    /// that names no job.
    pub(crate) fn count(&mut self, job_id: Option<&str>, kind: AnswerKind) {
        self.total.add(kind);
        if let Some(job_id) = job_id {
            self.by_job.entry(job_id.to_owned()).or_default().add(kind);
        }
    }

    pub(crate) fn count_token_endpoint(&mut self, kind: AnswerKind) {
        self.token_endpoint.add(kind);
    }
}
