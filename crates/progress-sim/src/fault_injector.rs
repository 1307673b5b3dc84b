//! Dealing out injected failures from a seeded generator, so a run can be replayed.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use http::StatusCode;

use crate::faults::{Faults, Kind};

/// What befalls one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fate {
    /// Wait this long before answering.
    pub(crate) delay: Option<Duration>,
    pub(crate) fault: Option<Fault>,
    /// Compress the body, if the request accepts gzip.
    pub(crate) gzip: bool,
}

impl Fate {
    pub(crate) const FINE: Fate = Fate {
        delay: None,
        fault: None,
        gzip: false,
    };
}

/// How a 429 storm says when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryAfter {
    Seconds(u64),
    /// An HTTP-date this many seconds from now.
    HttpDate(u64),
    Absent,
}

/// The ways a request can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    // Instead of any answer.
    ServerError(StatusCode),
    TooManyRequests(RetryAfter),
    DropConnection,
    Reset,
    Stall(Duration),
    HtmlGateway(StatusCode),
    // To a 200, on its way out.
    Truncated,
    HugeBody,
    ShortBody,
    ResetMidBody,
    Trickle(Duration),
    // To a progress body.
    UnknownState(&'static str),
    JobProgressWrapper,
    CapitalisedState,
    V2State,
    // To the job or the token, for good.
    Disappear,
    RevokeToken,
}

/// Deals out fates from the seeded generator.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    faults: Faults,
    generator: Mutex<Generator>,
}

#[derive(Debug)]
struct Generator {
    random: SplitMix64,
    /// Bursts and storms under way: per job (or endpoint), the fault and how
    /// many more requests it takes.
    running: HashMap<String, (Fault, u32)>,
}

const SERVER_ERRORS: [StatusCode; 4] = [
    StatusCode::INTERNAL_SERVER_ERROR,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

const GATEWAY_ERRORS: [StatusCode; 3] = [
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

const UNKNOWN_STATES: [&str; 3] = ["Suspended", "Paused", "WaitingForResources"];

impl FaultInjector {
    pub(crate) fn new(faults: Faults) -> Self {
        let generator = Mutex::new(Generator {
            random: SplitMix64(faults.seed),
            running: HashMap::new(),
        });
        FaultInjector { faults, generator }
    }

    /// The fate of the next request to `stream` (a job id, or an endpoint):
    /// bursts and storms continue on the stream they started on.
    pub(crate) fn next_fate(&self, stream: &str) -> Fate {
        let mut generator = self
            .generator
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Always draw the same four numbers, whatever they decide, so one
        // request's fate never shifts the fates of the requests after it.
        let fault_roll = generator.random.next_unit();
        let slow_roll = generator.random.next_unit();
        let pick = generator.random.next_u64();
        let gzip_roll = generator.random.next_unit();
        let f = &self.faults;
        let delay = (slow_roll < f.slow_rate).then(|| Duration::from_millis(f.slow_ms));
        let gzip = gzip_roll < f.gzip_rate;
        if let Some((fault, left)) = generator.running.get_mut(stream) {
            let fault = *fault;
            *left -= 1;
            if *left == 0 {
                generator.running.remove(stream);
            }
            return Fate {
                delay,
                fault: Some(fault),
                gzip,
            };
        }
        let Some(kind) = self.pick_kind(fault_roll) else {
            return Fate {
                delay,
                fault: None,
                gzip,
            };
        };
        let fault = self.fault_of(kind, pick);
        let run_length = match kind {
            Kind::ServerErrorBurst => f.server_error_burst_length,
            Kind::StormSeconds | Kind::StormHttpDate | Kind::StormWithoutRetryAfter => {
                f.storm_length
            }
            _ => 1,
        };
        if run_length > 1 {
            generator
                .running
                .insert(stream.to_owned(), (fault, run_length - 1));
        }
        Fate {
            delay,
            fault: Some(fault),
            gzip,
        }
    }

    /// Walks the exclusive rates in order until the roll falls in one.
    fn pick_kind(&self, roll: f64) -> Option<Kind> {
        let mut threshold = 0.0;
        self.faults
            .exclusive_rates()
            .into_iter()
            .find(|&(_, _, rate)| {
                threshold += rate;
                roll < threshold
            })
            .map(|(kind, _, _)| kind)
    }

    /// The fault of that kind; `pick` chooses among statuses and states.
    fn fault_of(&self, kind: Kind, pick: u64) -> Fault {
        let f = &self.faults;
        // The remainder is below the slice's length, so the cast cannot truncate.
        let choose = |count: usize| (pick % count as u64) as usize;
        match kind {
            Kind::ServerError | Kind::ServerErrorBurst => {
                Fault::ServerError(SERVER_ERRORS[choose(SERVER_ERRORS.len())])
            }
            Kind::Drop => Fault::DropConnection,
            Kind::Truncated => Fault::Truncated,
            Kind::StormSeconds => {
                Fault::TooManyRequests(RetryAfter::Seconds(f.storm_retry_after_seconds))
            }
            Kind::StormHttpDate => {
                Fault::TooManyRequests(RetryAfter::HttpDate(f.storm_retry_after_seconds))
            }
            Kind::StormWithoutRetryAfter => Fault::TooManyRequests(RetryAfter::Absent),
            Kind::Reset => Fault::Reset,
            Kind::ResetMidBody => Fault::ResetMidBody,
            Kind::Stall => Fault::Stall(Duration::from_millis(f.stall_ms)),
            Kind::Trickle => Fault::Trickle(Duration::from_millis(f.trickle_ms)),
            Kind::HtmlGateway => Fault::HtmlGateway(GATEWAY_ERRORS[choose(GATEWAY_ERRORS.len())]),
            Kind::HugeBody => Fault::HugeBody,
            Kind::ShortBody => Fault::ShortBody,
            Kind::UnknownState => Fault::UnknownState(UNKNOWN_STATES[choose(UNKNOWN_STATES.len())]),
            Kind::JobProgressWrapper => Fault::JobProgressWrapper,
            Kind::CapitalisedState => Fault::CapitalisedState,
            Kind::V2State => Fault::V2State,
            Kind::Disappear => Fault::Disappear,
            Kind::RevokeToken => Fault::RevokeToken,
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood): tiny, fast, and good enough to decide
/// which requests fail. Not for anything secret.
#[derive(Debug)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub(crate) fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs of the reference implementation seeded with 0.
        let mut generator = SplitMix64(0);
        assert_eq!(generator.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(generator.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn rates_of_zero_and_one_are_never_and_always() {
        let never = FaultInjector::new(Faults {
            seed: 3,
            slow_ms: 5,
            ..Faults::default()
        });
        let always_drop = FaultInjector::new(Faults {
            seed: 3,
            drop_rate: 1.0,
            slow_rate: 1.0,
            slow_ms: 5,
            ..Faults::default()
        });
        for _ in 0..100 {
            assert_eq!(never.next_fate("job"), Fate::FINE);
            assert_eq!(
                always_drop.next_fate("job"),
                Fate {
                    delay: Some(Duration::from_millis(5)),
                    fault: Some(Fault::DropConnection),
                    gzip: false,
                }
            );
        }
    }

    #[test]
    fn bursts_and_storms_take_the_next_requests_of_their_own_stream_only() {
        for (faults, expected) in [
            (
                Faults {
                    server_error_burst_rate: 0.3,
                    server_error_burst_length: 3,
                    ..Faults::default()
                },
                "5xx",
            ),
            (
                Faults {
                    storm_without_retry_after_rate: 0.3,
                    storm_length: 3,
                    ..Faults::default()
                },
                "429",
            ),
        ] {
            let injector = FaultInjector::new(faults);
            let started = (0..100).find_map(|_| injector.next_fate("a").fault);
            let started = started.expect("a start within 100 requests at 30%");
            // Another stream's request does not take a place in the run.
            let _ = injector.next_fate("b");
            for _ in 0..2 {
                assert_eq!(injector.next_fate("a").fault, Some(started), "{expected}");
            }
        }
    }

    #[test]
    fn validation_rejects_rates_that_cannot_be_probabilities() {
        let too_many = Faults {
            server_error_rate: 0.6,
            v2_state_rate: 0.6,
            ..Faults::default()
        };
        assert!(too_many.validate().is_err());
        let negative = Faults {
            slow_rate: -0.1,
            ..Faults::default()
        };
        assert!(negative.validate().is_err());
        let nan = Faults {
            malformed_rate: f64::NAN,
            ..Faults::default()
        };
        assert!(nan.validate().is_err());
        let no_burst = Faults {
            storm_length: 0,
            ..Faults::default()
        };
        assert!(no_burst.validate().is_err());
        let independent = Faults {
            slow_rate: 1.0,
            gzip_rate: 1.0,
            drop_rate: 1.0,
            ..Faults::default()
        };
        assert!(independent.validate().is_ok());
    }
}
