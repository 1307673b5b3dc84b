//! The fault kinds of `progress-sim`, one row of the matrix each, and the
//! row that mixes them all.

use serde_json::{Map, Value, json};

use crate::plan::Plan;

/// One row of the matrix.
#[derive(Debug, Clone)]
pub struct FaultKind {
    /// The row's name in the matrix.
    pub name: &'static str,
    /// The simulator's `*_rate` fields this row switches on, with their rates.
    pub rates: Vec<(&'static str, f64)>,
    /// The `webhook_deliveries` fault this row switches on, with its rate:
    /// the watches are then completion-only, woken by a receiver.
    pub deliveries: Option<(&'static str, f64)>,
}

/// `(row, webhook_deliveries field)` for every delivery fault.
const DELIVERY_KINDS: &[(&str, &str)] = &[
    ("webhook lost", "lost_rate"),
    ("webhook duplicated", "duplicated_rate"),
    ("webhook delayed", "delayed_rate"),
    ("webhook out of order", "out_of_order_rate"),
    ("webhook wrong secret", "wrong_secret_rate"),
];

/// Half the jobs' deliveries meet the row's fault, half arrive as sent.
const DELIVERY_RATE: f64 = 0.5;

/// Each kind alone, at a rate that makes every watch meet it a few times.
const RATE: f64 = 0.15;
/// Kinds that end a watch (a job gone, a token revoked): rarer, so most
/// watches meet some ordinary polls first.
const ENDING_RATE: f64 = 0.08;

/// `(row, simulator field)` for every kind the simulator serves.
const KINDS: &[(&str, &str)] = &[
    ("5xx", "server_error_rate"),
    ("5xx burst", "server_error_burst_rate"),
    ("429 storm, seconds", "storm_seconds_rate"),
    ("429 storm, HTTP-date", "storm_http_date_rate"),
    (
        "429 storm, no Retry-After",
        "storm_without_retry_after_rate",
    ),
    ("slow answer", "slow_rate"),
    ("dropped connection", "drop_rate"),
    ("reset before answer", "reset_rate"),
    ("reset mid-body", "reset_mid_body_rate"),
    ("stall", "stall_rate"),
    ("trickle", "trickle_rate"),
    ("HTML gateway page", "html_gateway_rate"),
    ("truncated JSON", "malformed_rate"),
    ("8 MiB body", "huge_body_rate"),
    ("Content-Length too large", "short_body_rate"),
    ("gzip", "gzip_rate"),
    ("unknown state", "unknown_state_rate"),
    ("jobProgress dialect", "job_progress_wrapper_rate"),
    ("capitalised states", "capitalised_state_rate"),
    ("v2 states", "v2_state_rate"),
    ("job disappears (404)", "disappear_rate"),
    ("token revoked (401)", "revoke_token_rate"),
];

/// The rates drawn on their own, outside the "at most 1 in all" sum.
const INDEPENDENT: &[&str] = &["slow_rate", "gzip_rate"];
const ENDING: &[&str] = &["disappear_rate", "revoke_token_rate"];

/// Every kind alone, then all of them at once.
pub fn rows() -> Vec<FaultKind> {
    let mut rows: Vec<FaultKind> = KINDS
        .iter()
        .map(|&(name, field)| {
            let rate = if ENDING.contains(&field) {
                ENDING_RATE
            } else {
                RATE
            };
            FaultKind {
                name,
                rates: vec![(field, rate)],
                deliveries: None,
            }
        })
        .collect();
    rows.extend(DELIVERY_KINDS.iter().map(|&(name, field)| FaultKind {
        name,
        rates: Vec::new(),
        deliveries: Some((field, DELIVERY_RATE)),
    }));
    // Mixed: the exclusive kinds share 60% of requests; slow and gzip on top.
    let exclusive = KINDS.len() - INDEPENDENT.len();
    let share = 0.6 / exclusive as f64;
    rows.push(FaultKind {
        name: "all mixed",
        rates: KINDS
            .iter()
            .map(|&(_, field)| {
                let rate = if INDEPENDENT.contains(&field) {
                    RATE
                } else if ENDING.contains(&field) {
                    share / 4.0
                } else {
                    share
                };
                (field, rate)
            })
            .collect(),
        deliveries: None,
    });
    rows
}

impl FaultKind {
    /// Whether this row can end a watch with a job gone (404).
    pub fn ends_with_not_found(&self) -> bool {
        self.has("disappear_rate")
    }

    /// Whether this row can end a watch with a revoked token (401).
    pub fn ends_with_unauthorized(&self) -> bool {
        self.has("revoke_token_rate")
    }

    /// The share of requests this row's counted faults should hit.
    pub fn counted_rate(&self) -> f64 {
        self.rates
            .iter()
            .filter(|(field, _)| !INDEPENDENT.contains(field))
            .map(|(_, rate)| rate)
            .sum()
    }

    /// Whether this row's jobs are woken by webhook deliveries.
    pub fn webhook(&self) -> bool {
        self.deliveries.is_some()
    }

    /// The scenario's `webhook_deliveries` section for this row, if any:
    /// its fault, seeded, late by half the ladder's top rung.
    pub fn webhook_deliveries(&self, plan: &Plan, seed: u64) -> Option<Value> {
        let (field, rate) = self.deliveries?;
        let late = plan.intervals().last().copied().unwrap_or_default() / 2;
        Some(json!({ "seed": seed, field: rate, "delay_ms": plan.millis(late).max(1) }))
    }

    fn has(&self, field: &str) -> bool {
        self.rates.iter().any(|(name, _)| *name == field)
    }

    /// The scenario's `faults` section for this row.
    pub fn faults(&self, plan: &Plan, seed: u64) -> Value {
        let mut faults = Map::new();
        faults.insert("seed".into(), json!(seed));
        for (field, rate) in &self.rates {
            faults.insert((*field).into(), json!(rate));
        }
        let stall = plan.request_timeout * 2;
        let trickle = plan.request_timeout / 3;
        let slow = plan.request_timeout / 6;
        faults.insert("stall_ms".into(), json!(plan.millis(stall)));
        faults.insert("trickle_ms".into(), json!(plan.millis(trickle)));
        faults.insert("slow_ms".into(), json!(plan.millis(slow)));
        // Short storms with the shortest whole-second Retry-After, so a cell
        // stays within seconds while every 429 is still waited out.
        faults.insert("storm_length".into(), json!(2));
        faults.insert("storm_retry_after_seconds".into(), json!(1));
        faults.insert("server_error_burst_length".into(), json!(3));
        Value::Object(faults)
    }
}
