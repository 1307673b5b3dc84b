//! The progress answer read in one typed pass, without a `serde_json::Value`.
//!
//! Building a `Value` (a map, a string per key and value) and then picking
//! three fields from it cost about 7,500 instructions a poll more than a
//! typed parse. This pass reads the fields straight from the bytes, but it
//! only answers for bodies it reads exactly as the tolerant reader in
//! `response.rs` does: anything unusual (a key twice, a `progress` that is not
//! an object, a `step` or `percentage` of another type, a missing `state`)
//! makes it give up, and the tolerant reader decides, so the two never
//! disagree and every error text stays the tolerant reader's.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::{JobState, Progress};

/// The progress in `body`, or `None` when the tolerant reader must decide.
pub(crate) fn parse(body: &[u8]) -> Option<Progress> {
    serde_json::from_slice::<Answer>(body).ok()?.0
}

/// The whole body: `{"progress": {...}}` or `{"jobProgress": {...}}`.
struct Answer(Option<Progress>);

/// A field of the progress object (keys are compared unescaped, as a `Value`'s are).
enum Key {
    Progress,
    JobProgress,
    State,
    Percentage,
    Step,
    Other,
}

/// The `progress` object.
struct Fields(Progress);

/// The state, read from a borrowed string where the body allows.
struct State(JobState);

/// A number or a numeric string; `null`, `true` or `false` are no percentage.
struct Percentage(Option<f64>);

/// A string or `null` (another type is the tolerant reader's to show).
struct Step(Option<String>);

fn duplicate<E: de::Error>() -> E {
    E::custom("a key twice: the tolerant reader keeps the last one")
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnswerVisitor;
        impl<'de> Visitor<'de> for AnswerVisitor {
            type Value = Answer;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
                let (mut progress, mut job_progress) = (None, None);
                while let Some(key) = map.next_key::<Key>()? {
                    let slot = match key {
                        Key::Progress => &mut progress,
                        Key::JobProgress => &mut job_progress,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err(duplicate());
                    }
                    *slot = Some(map.next_value::<Fields>()?.0);
                }
                // `progress` wins over `jobProgress`, as in the tolerant reader.
                Ok(Answer(progress.or(job_progress)))
            }
        }
        deserializer.deserialize_map(AnswerVisitor)
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a progress object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let (mut state, mut percentage, mut step) = (None, None, None);
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::State if state.is_none() => state = Some(map.next_value::<State>()?.0),
                        Key::Percentage if percentage.is_none() => {
                            percentage = Some(map.next_value::<Percentage>()?.0);
                        }
                        Key::Step if step.is_none() => step = Some(map.next_value::<Step>()?.0),
                        Key::State | Key::Percentage | Key::Step => return Err(duplicate()),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let state = state.ok_or_else(|| de::Error::missing_field("state"))?;
                Ok(Fields(Progress {
                    percentage: percentage.flatten(),
                    state,
                    step: step.flatten(),
                }))
            }
        }
        // A map only: a derived struct would also take an array, which is no progress.
        deserializer.deserialize_map(FieldsVisitor)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "progress" => Key::Progress,
                    "jobProgress" => Key::JobProgress,
                    "state" => Key::State,
                    "percentage" => Key::Percentage,
                    "step" => Key::Step,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StateVisitor;
        impl Visitor<'_> for StateVisitor {
            type Value = State;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, state: &str) -> Result<State, E> {
                Ok(State(JobState::parse(state)))
            }
        }
        deserializer.deserialize_str(StateVisitor)
    }
}

impl<'de> Deserialize<'de> for Percentage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PercentageVisitor;
        impl Visitor<'_> for PercentageVisitor {
            type Value = Percentage;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a numeric string or null")
            }
            // The conversions `Value::as_f64` makes, then only finite numbers.
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<Percentage, E> {
                self.visit_f64(number as f64)
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Percentage, E> {
                self.visit_f64(number as f64)
            }
            fn visit_f64<E: de::Error>(self, number: f64) -> Result<Percentage, E> {
                Ok(Percentage(Some(number).filter(|n| n.is_finite())))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Percentage, E> {
                let number = text.trim().parse::<f64>().ok();
                Ok(Percentage(number.filter(|n| n.is_finite())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Percentage, E> {
                Ok(Percentage(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Percentage, E> {
                Ok(Percentage(None))
            }
        }
        deserializer.deserialize_any(PercentageVisitor)
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl Visitor<'_> for StepVisitor {
            type Value = Step;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or null")
            }
            fn visit_str<E: de::Error>(self, step: &str) -> Result<Step, E> {
                Ok(Step(Some(step.to_owned())))
            }
            fn visit_string<E: de::Error>(self, step: String) -> Result<Step, E> {
                Ok(Step(Some(step)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Step, E> {
                Ok(Step(None))
            }
        }
        deserializer.deserialize_any(StepVisitor)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::parse;
    use crate::response::parse_tolerantly;

    /// Whenever the typed pass answers, it answers as the tolerant reader does.
    fn agrees(body: &str) -> Result<(), TestCaseError> {
        if let Some(progress) = parse(body.as_bytes()) {
            prop_assert_eq!(Ok(progress), parse_tolerantly(body.as_bytes()), "{}", body);
        }
        Ok(())
    }

    #[test]
    fn the_dialects_the_services_send_take_the_typed_pass() {
        for body in [
            r#"{"progress":{"percentage":56,"state":"active","step":"Prepare_Production"}}"#,
            r#"{"jobProgress":{"percentage":12.5,"state":"Active","step":"Reconstruction"}}"#,
            r#"{"progress":{"percentage":"56.5","state":"QUEUED"}}"#,
            r#"{"progress":{"percentage":null,"state":"Over","step":null,"eta":{"s":[1]}}}"#,
            r#"{"id":"j","progress":{"state":"active","percentage":-3},"jobProgress":{"state":"failed"}}"#,
            r#"{"progress":{"st\u0061te":"act\nive","step":"a\"b"}}"#,
        ] {
            let typed = parse(body.as_bytes());
            assert!(typed.is_some(), "{body}");
            assert_eq!(
                typed.ok_or(String::new()),
                parse_tolerantly(body.as_bytes())
            );
        }
    }

    #[test]
    fn what_the_tolerant_reader_must_decide_is_left_to_it() {
        for body in [
            r#"{"progress":{"state":"active","state":"failed"}}"#,
            r#"{"progress":{"state":"active"},"progress":{"state":"failed"}}"#,
            r#"{"progress":null,"jobProgress":{"state":"active"}}"#,
            r#"{"progress":{"state":"active","step":5}}"#,
            r#"{"progress":{"state":"active","percentage":[5]}}"#,
            r#"{"progress":["active"]}"#,
            r#"[{"progress":{"state":"active"}}]"#,
            r#"{"progress":{"percentage":5}}"#,
            r#"{"progress":{"state":5}}"#,
            r#"{"other":{}}"#,
            "not json",
            "",
        ] {
            assert_eq!(parse(body.as_bytes()), None, "{body}");
        }
    }

    /// A body made of the pieces the dialects and the odd servers use.
    fn body() -> impl Strategy<Value = String> {
        let value = prop::sample::select(vec![
            r#""active""#,
            r#""Success""#,
            r#""56""#,
            r#"" 7.5 ""#,
            r#""abc""#,
            r#""\u0041ctive""#,
            "56",
            "-1",
            "12.5",
            "1e308",
            "18446744073709551616",
            "null",
            "true",
            "[1]",
            r#"{"state":"active"}"#,
        ]);
        let key = prop::sample::select(vec!["state", "percentage", "step", "extra", "st\\u0061te"]);
        let fields = prop::collection::vec((key, value), 0..5).prop_map(|fields| {
            let fields: Vec<String> = fields
                .into_iter()
                .map(|(key, value)| format!(r#""{key}":{value}"#))
                .collect();
            format!("{{{}}}", fields.join(","))
        });
        let wrapper = prop::sample::select(vec!["progress", "jobProgress", "other"]);
        prop::collection::vec((wrapper, fields), 0..3).prop_map(|parts| {
            let parts: Vec<String> = parts
                .into_iter()
                .map(|(key, fields)| format!(r#""{key}":{fields}"#))
                .collect();
            format!("{{{}}}", parts.join(","))
        })
    }

    proptest! {
        #[test]
        fn the_typed_pass_never_disagrees_with_the_tolerant_reader(body in body()) {
            agrees(&body)?;
        }
    }
}
