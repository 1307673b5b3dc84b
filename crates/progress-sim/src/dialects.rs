//! Progress bodies as other dialects (or no dialect) would send them.

use serde_json::{Map, Value};

use crate::fault_injector::Fault;

/// The body `fault` makes of a progress body; `None` when the fault does not
/// change progress bodies (or the body is not one).
pub(crate) fn rewrite(body: &str, fault: Fault) -> Option<String> {
    let Ok(Value::Object(wrapped)) = serde_json::from_str::<Value>(body) else {
        return None;
    };
    let (mut key, progress) = wrapped.into_iter().next()?;
    let Value::Object(mut progress) = progress else {
        return None;
    };
    let state = progress.get("state")?.as_str()?.to_owned();
    let new_state = match fault {
        Fault::UnknownState(unknown) => unknown.to_owned(),
        Fault::CapitalisedState => capitalise(&state),
        Fault::V2State => v2_state(&state),
        Fault::JobProgressWrapper => {
            key = "jobProgress".to_owned();
            state
        }
        _ => return None,
    };
    progress.insert("state".into(), Value::String(new_state));
    let mut rewrapped = Map::new();
    rewrapped.insert(key, Value::Object(progress));
    Some(Value::Object(rewrapped).to_string())
}

/// `active` → `Active`: how `contextcapture` spells its states.
fn capitalise(state: &str) -> String {
    let mut chars = state.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The state as the v2 services spell it, including the in-between states
/// they send before a job ends badly.
fn v2_state(state: &str) -> String {
    match state.to_ascii_lowercase().as_str() {
        "unsubmitted" | "queued" => "Queued".to_owned(),
        "failed" => "TerminatingOnFailure".to_owned(),
        "cancelled" => "TerminatingOnCancel".to_owned(),
        _ => capitalise(state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"progress":{"percentage":56,"state":"active","step":"Tiling"}}"#;

    #[test]
    fn each_dialect_changes_only_what_it_names() {
        assert_eq!(
            rewrite(BODY, Fault::CapitalisedState).unwrap(),
            r#"{"progress":{"percentage":56,"state":"Active","step":"Tiling"}}"#
        );
        assert_eq!(
            rewrite(BODY, Fault::JobProgressWrapper).unwrap(),
            r#"{"jobProgress":{"percentage":56,"state":"active","step":"Tiling"}}"#
        );
        assert_eq!(
            rewrite(BODY, Fault::UnknownState("Paused")).unwrap(),
            r#"{"progress":{"percentage":56,"state":"Paused","step":"Tiling"}}"#
        );
        assert_eq!(rewrite(BODY, Fault::HugeBody), None);
    }

    #[test]
    fn v2_states_spell_the_endings_as_the_v2_services_do() {
        assert_eq!(v2_state("unsubmitted"), "Queued");
        assert_eq!(v2_state("failed"), "TerminatingOnFailure");
        assert_eq!(v2_state("cancelled"), "TerminatingOnCancel");
        assert_eq!(v2_state("success"), "Success");
    }
}
