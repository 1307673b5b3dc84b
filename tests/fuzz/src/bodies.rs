//! Response bodies: valid progress answers in every dialect the contract
//! accepts, then mutated (cut, flipped, spliced with JSON fragments), and
//! plain random bytes now and then.

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// A body to send: a valid one with mutations applied in order, or raw bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Body {
    /// A JSON text that a service could send, then mutated.
    Valid {
        /// The JSON text before mutation.
        json: String,
        /// Applied in order; positions wrap around the body's length.
        mutations: Vec<Mutation>,
    },
    /// Any bytes.
    Raw(Vec<u8>),
}

/// One change to a body. Positions are taken modulo the length (plus one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Mutation {
    /// Keep only the first `n` bytes.
    Truncate(usize),
    /// XOR a byte.
    Flip(usize, u8),
    /// Insert bytes.
    Insert(usize, Vec<u8>),
    /// Remove up to `len` bytes.
    Delete(usize, usize),
    /// Insert a JSON-ish fragment.
    Splice(usize, String),
}

/// Fragments that make almost-JSON: other types, huge numbers, escapes,
/// a token a gateway might echo.
const FRAGMENTS: &[&str] = &[
    "null",
    "1e999",
    "-1e999",
    "18446744073709551616",
    "-0",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"progress\":",
    "\"jobProgress\":",
    "\"state\":\"success\"",
    "\"percentage\":",
    "\"56\"",
    "true",
    "\u{1b}[2J",
    "\n",
    "Bearer fuzz-secret",
    "<html>",
];

/// States as services spell them, and some they do not.
pub const STATES: &[&str] = &[
    "unsubmitted",
    "queued",
    "active",
    "success",
    "failed",
    "cancelled",
    "over",
    "terminatingoncancel",
    "terminatingonfailure",
    "Active",
    "SUCCESS",
    "Failed",
    "Cancelled",
    "Queued",
    "TerminatingOnFailure",
    "Over",
    "Suspended",
    "",
];

impl Body {
    /// The bytes sent.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Raw(bytes) => bytes.clone(),
            Self::Valid { json, mutations } => {
                let mut bytes = json.as_bytes().to_vec();
                for mutation in mutations {
                    mutation.apply(&mut bytes);
                }
                bytes
            }
        }
    }
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let at = |position: usize, bytes: &Vec<u8>| position % (bytes.len() + 1);
        match self {
            Self::Truncate(n) => {
                let n = at(*n, bytes);
                bytes.truncate(n);
            }
            Self::Flip(position, mask) => {
                if !bytes.is_empty() {
                    let index = position % bytes.len();
                    bytes[index] ^= mask;
                }
            }
            Self::Insert(position, inserted) => {
                let index = at(*position, bytes);
                bytes.splice(index..index, inserted.iter().copied());
            }
            Self::Delete(position, len) => {
                let start = at(*position, bytes);
                let end = start.saturating_add(*len).min(bytes.len());
                bytes.drain(start..end);
            }
            Self::Splice(position, fragment) => {
                let index = at(*position, bytes);
                bytes.splice(index..index, fragment.bytes());
            }
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<usize>(), prop::sample::select(FRAGMENTS))
            .prop_map(|(at, fragment)| Mutation::Splice(at, fragment.to_owned())),
    ]
}

fn state() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => prop::sample::select(STATES).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        1 => prop_oneof![Just(Value::Null), Just(json!(3)), Just(json!(["active"]))],
    ]
}

fn percentage() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        6 => (0i64..=100).prop_map(|p| Some(json!(p))),
        2 => any::<f64>().prop_map(|p| Some(serde_json::Number::from_f64(p).map_or(Value::Null, Value::Number))),
        1 => (0i64..=100).prop_map(|p| Some(json!(p.to_string()))),
        1 => prop_oneof![
            Just(Some(json!("abc"))),
            Just(Some(json!(true))),
            Just(Some(json!(-5))),
            Just(Some(json!(250))),
            Just(Some(json!(u64::MAX))),
            Just(Some(Value::Null)),
        ],
    ]
}

fn step() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => Just(None),
        3 => prop::sample::select(&["Prepare_Production", "Reconstruction", "Tiling", ""][..])
            .prop_map(|step| Some(json!(step))),
        1 => any::<String>().prop_map(|step| Some(json!(step))),
        1 => Just(Some(json!(7))),
    ]
}

/// A progress answer, in one of the dialects, sometimes with extra fields
/// or the wrong wrapper.
pub fn valid_json(
    states: impl Strategy<Value = Value> + 'static,
    wrappers: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let wrapper = prop::sample::select(wrappers);
    let extra = prop::collection::vec((any::<String>(), any::<i32>()), 0..2);
    (wrapper, states, percentage(), step(), extra).prop_map(
        |(wrapper, state, percentage, step, extra)| {
            let mut inner = Map::new();
            inner.insert("state".into(), state);
            if let Some(percentage) = percentage {
                inner.insert("percentage".into(), percentage);
            }
            if let Some(step) = step {
                inner.insert("step".into(), step);
            }
            let mut outer = Map::new();
            outer.insert(wrapper.into(), Value::Object(inner));
            for (key, value) in extra {
                outer.insert(key, json!(value));
            }
            Value::Object(outer).to_string()
        },
    )
}

/// Mostly valid answers, mutated or not; sometimes random bytes.
pub fn body() -> impl Strategy<Value = Body> {
    let mutations = prop_oneof![
        3 => Just(Vec::new()),
        5 => prop::collection::vec(mutation(), 1..5),
    ];
    prop_oneof![
        9 => (valid_json(state(), &["progress", "progress", "jobProgress", "Progress", "error"]), mutations)
            .prop_map(|(json, mutations)| Body::Valid { json, mutations }),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Body::Raw),
    ]
}

/// Bodies for the poll machine: valid progress in known states, mutated now
/// and then, so that most answers are observations.
pub fn machine_body() -> impl Strategy<Value = Body> {
    let states = prop::sample::select(STATES).prop_map(Value::from);
    let mutations = prop_oneof![
        8 => Just(Vec::new()),
        1 => prop::collection::vec(mutation(), 1..3),
    ];
    (valid_json(states, &["progress", "jobProgress"]), mutations)
        .prop_map(|(json, mutations)| Body::Valid { json, mutations })
}
