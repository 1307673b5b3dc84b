//! The scenario's `webhook_deliveries`: how the simulated Webhooks API
//! sends `jobCompleted` events, and how it misbehaves while doing so.

use serde::{Deserialize, Serialize};

use crate::fault_injector::SplitMix64;

/// How deliveries go out: the receiver's time to answer, the resend, and
/// injected faults.
///
/// Each delivery (one job's end to one webhook) draws its fate, in the
/// order the jobs end, from a generator of its own seeded with `seed`: the
/// progress endpoint's faults never shift it. A delivery suffers at most one
/// fault kind; the `*_rate`s must add up to at most 1. Times are real
/// milliseconds (the scenario's time scale does not apply).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookDeliveries {
    /// How long a receiver has to answer before the attempt counts as failed
    /// (the platform waits 5 s).
    pub answer_timeout_ms: u64,
    /// The wait before the one resend of a failed attempt (no answer, or
    /// one other than 2xx).
    pub resend_after_ms: u64,
    /// Seed of the generator.
    pub seed: u64,
    /// Share of deliveries never sent.
    pub lost_rate: f64,
    /// Share of deliveries sent twice in a row, with the same `messageId`.
    pub duplicated_rate: f64,
    /// Share of deliveries sent `delay_ms` late.
    pub delayed_rate: f64,
    /// Share of deliveries sent twice, the second copy `delay_ms` after the
    /// first, so that deliveries of jobs that ended later may come between
    /// them: a stale repeat arriving out of order.
    pub out_of_order_rate: f64,
    /// Share of deliveries signed with a secret other than the webhook's
    /// (their resend too): a receiver must refuse them.
    pub wrong_secret_rate: f64,
    /// How late `delayed_rate` and `out_of_order_rate` deliveries are.
    pub delay_ms: u64,
}

impl Default for WebhookDeliveries {
    fn default() -> Self {
        WebhookDeliveries {
            answer_timeout_ms: 5_000,
            resend_after_ms: 1_000,
            seed: 0,
            lost_rate: 0.0,
            duplicated_rate: 0.0,
            delayed_rate: 0.0,
            out_of_order_rate: 0.0,
            wrong_secret_rate: 0.0,
            delay_ms: 2_000,
        }
    }
}

/// What befalls one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeliveryFate {
    Sent,
    Lost,
    Duplicated,
    Delayed,
    OutOfOrder,
    WrongSecret,
}

impl WebhookDeliveries {
    fn rates(&self) -> [(DeliveryFate, &'static str, f64); 5] {
        [
            (DeliveryFate::Lost, "lost_rate", self.lost_rate),
            (
                DeliveryFate::Duplicated,
                "duplicated_rate",
                self.duplicated_rate,
            ),
            (DeliveryFate::Delayed, "delayed_rate", self.delayed_rate),
            (
                DeliveryFate::OutOfOrder,
                "out_of_order_rate",
                self.out_of_order_rate,
            ),
            (
                DeliveryFate::WrongSecret,
                "wrong_secret_rate",
                self.wrong_secret_rate,
            ),
        ]
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let rates = self.rates();
        for (_, name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!(
                    "webhook_deliveries.{name} must be within 0..=1, got {rate}"
                ));
            }
        }
        let sum: f64 = rates.iter().map(|(_, _, rate)| rate).sum();
        if sum > 1.0 {
            return Err(format!(
                "webhook_deliveries: the rates must not add up to more than 1, got {sum}"
            ));
        }
        if self.answer_timeout_ms == 0 {
            return Err("webhook_deliveries.answer_timeout_ms must be at least 1".into());
        }
        Ok(())
    }

    /// The fate of a delivery, from one roll of `random`.
    pub(crate) fn fate(&self, random: &mut SplitMix64) -> DeliveryFate {
        let roll = random.next_unit();
        let mut threshold = 0.0;
        self.rates()
            .into_iter()
            .find(|&(_, _, rate)| {
                threshold += rate;
                roll < threshold
            })
            .map_or(DeliveryFate::Sent, |(fate, _, _)| fate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_probabilities_that_add_up_to_at_most_one() {
        let valid = WebhookDeliveries {
            lost_rate: 0.5,
            wrong_secret_rate: 0.5,
            ..WebhookDeliveries::default()
        };
        assert!(valid.validate().is_ok());
        let too_many = WebhookDeliveries {
            lost_rate: 0.6,
            duplicated_rate: 0.6,
            ..WebhookDeliveries::default()
        };
        assert!(too_many.validate().is_err());
        let negative = WebhookDeliveries {
            delayed_rate: -0.1,
            ..WebhookDeliveries::default()
        };
        assert!(negative.validate().is_err());
    }

    #[test]
    fn a_rate_of_one_befalls_every_delivery_and_the_default_none() {
        let mut random = SplitMix64(7);
        let always = WebhookDeliveries {
            out_of_order_rate: 1.0,
            ..WebhookDeliveries::default()
        };
        let never = WebhookDeliveries::default();
        for _ in 0..100 {
            assert_eq!(always.fate(&mut random), DeliveryFate::OutOfOrder);
            assert_eq!(never.fate(&mut random), DeliveryFate::Sent);
        }
    }
}
