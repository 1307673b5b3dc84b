//! Injected failures, drawn from a seeded generator so a run can be replayed.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use http::StatusCode;
use serde::{Deserialize, Serialize};

/// How often the simulator misbehaves, and how.
///
/// Every request (known job or not) draws its fate, in arrival order, before
/// anything else is checked. The same seed gives the same sequence of fates,
/// so a client that polls one request at a time sees the same run every time.
///
/// A request suffers at most one of `server_error_rate`, `drop_rate` and
/// `malformed_rate` (their sum must not exceed 1); `slow_rate` is drawn
/// independently and delays whatever answer follows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Seed of the generator.
    pub seed: u64,
    /// Share of requests answered 500, 502, 503 or 504 with an error body.
    pub server_error_rate: f64,
    /// Share of requests whose answer is delayed by `slow_ms`.
    pub slow_rate: f64,
    /// Delay of a slow answer, in real milliseconds (the clock does not apply).
    pub slow_ms: u64,
    /// Share of requests whose connection is closed without any response.
    pub drop_rate: f64,
    /// Share of requests that would have been a 200 and get a truncated body
    /// instead (e.g. `{"progress":{"perc`). Other answers are left alone.
    pub malformed_rate: f64,
}

impl Faults {
    pub(crate) fn validate(&self) -> Result<(), String> {
        let rates = [
            ("server_error_rate", self.server_error_rate),
            ("slow_rate", self.slow_rate),
            ("drop_rate", self.drop_rate),
            ("malformed_rate", self.malformed_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("faults.{name} must be within 0..=1, got {rate}"));
            }
        }
        let exclusive = self.server_error_rate + self.drop_rate + self.malformed_rate;
        if exclusive > 1.0 {
            return Err(format!(
                "faults.server_error_rate + drop_rate + malformed_rate must not exceed 1, got {exclusive}"
            ));
        }
        Ok(())
    }
}

/// What befalls one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fate {
    /// Wait this long before answering.
    pub(crate) delay: Option<Duration>,
    pub(crate) fault: Option<Fault>,
}

/// The ways a request can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    ServerError(StatusCode),
    DropConnection,
    MalformedBody,
}

/// Deals out fates from the seeded generator.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    faults: Faults,
    generator: Mutex<SplitMix64>,
}

const SERVER_ERRORS: [StatusCode; 4] = [
    StatusCode::INTERNAL_SERVER_ERROR,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

impl FaultInjector {
    pub(crate) fn new(faults: Faults) -> Self {
        let generator = Mutex::new(SplitMix64(faults.seed));
        FaultInjector { faults, generator }
    }

    pub(crate) fn next_fate(&self) -> Fate {
        // Always draw the same three numbers, whatever they decide, so one
        // request's fate never shifts the fates of the requests after it.
        let (fault_roll, slow_roll, status_roll) = {
            let mut generator = self
                .generator
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            (
                generator.next_unit(),
                generator.next_unit(),
                generator.next_u64(),
            )
        };
        let f = &self.faults;
        let fault = if fault_roll < f.server_error_rate {
            // The remainder is below 4, so the cast cannot truncate.
            let index = (status_roll % SERVER_ERRORS.len() as u64) as usize;
            Some(Fault::ServerError(SERVER_ERRORS[index]))
        } else if fault_roll < f.server_error_rate + f.drop_rate {
            Some(Fault::DropConnection)
        } else if fault_roll < f.server_error_rate + f.drop_rate + f.malformed_rate {
            Some(Fault::MalformedBody)
        } else {
            None
        };
        let delay = (slow_roll < f.slow_rate).then(|| Duration::from_millis(f.slow_ms));
        Fate { delay, fault }
    }
}

/// SplitMix64 (Steele, Lea and Flood): tiny, fast, and good enough to decide
/// which requests fail. Not for anything secret.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    fn next_unit(&mut self) -> f64 {
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
            assert_eq!(
                never.next_fate(),
                Fate {
                    delay: None,
                    fault: None
                }
            );
            assert_eq!(
                always_drop.next_fate(),
                Fate {
                    delay: Some(Duration::from_millis(5)),
                    fault: Some(Fault::DropConnection)
                }
            );
        }
    }

    #[test]
    fn validation_rejects_rates_that_cannot_be_probabilities() {
        let too_many = Faults {
            server_error_rate: 0.6,
            drop_rate: 0.6,
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
    }
}
