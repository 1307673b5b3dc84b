//! The saved state of a watch as JSON: what it keeps, what it refuses.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use progress_model::{StateError, WatchState};

/// A state as `WatchState::to_json` writes it, with every optional field set.
const FULL: &str = r#"{
  "format": 1,
  "service": "contextcapture",
  "api_version": "v1",
  "base_url": "https://api.bentley.com",
  "job": "job 1/a",
  "last": {"state": "active", "percentage": 40.5, "step": "Tiling", "at": "2026-01-01T00:00:00.250000000Z"},
  "percentage_changed_at": "2026-01-01T00:00:00.250000000Z",
  "rung": 2,
  "next_poll_at": "2026-01-01T00:01:00.250000001Z",
  "retry_after_until": "2026-01-01T00:00:40Z",
  "consecutive_failures": 3,
  "started_at": "2025-12-31T23:00:00Z",
  "deadline_at": "2026-01-01T01:00:00Z",
  "saved_at": "2026-01-01T00:00:00.300000000Z"
}"#;

fn at(text: &str) -> SystemTime {
    humantime::parse_rfc3339(text).unwrap()
}

#[test]
fn a_state_reads_back_exactly_what_was_written_to_the_nanosecond() {
    let state = WatchState::from_json(FULL).unwrap();
    assert_eq!(state.job.as_str(), "job 1/a");
    assert_eq!(state.rung, 2);
    assert_eq!(state.consecutive_failures, 3);
    assert_eq!(
        state.next_poll_at,
        Some(at("2026-01-01T00:01:00.250000001Z"))
    );
    let last = state.last.as_ref().unwrap();
    assert_eq!(
        (last.progress.percentage, last.progress.step.as_deref()),
        (Some(40.5), Some("Tiling"))
    );
    assert!(!state.is_over() && state.final_observation().is_none());
    assert_eq!(WatchState::from_json(&state.to_json()).unwrap(), state);
    // Through serde too, inside a document of the caller's.
    let wrapped = serde_json::json!({ "mine": state });
    let back: std::collections::HashMap<String, WatchState> =
        serde_json::from_value(wrapped).unwrap();
    assert_eq!(back["mine"], state);
}

#[test]
fn the_json_keeps_only_the_documented_fields() {
    let state = WatchState::from_json(FULL).unwrap();
    let value: serde_json::Value = serde_json::from_str(&state.to_json()).unwrap();
    let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "api_version",
            "base_url",
            "consecutive_failures",
            "deadline_at",
            "format",
            "job",
            "last",
            "next_poll_at",
            "percentage_changed_at",
            "retry_after_until",
            "rung",
            "saved_at",
            "service",
            "started_at",
        ]
    );
    let mut seen: Vec<_> = value["last"].as_object().unwrap().keys().cloned().collect();
    seen.sort();
    assert_eq!(seen, ["at", "percentage", "state", "step"]);
}

#[test]
fn fields_from_a_later_release_are_ignored_and_absent_options_are_null() {
    let json = FULL.replace(r#""rung": 2,"#, r#""rung": 2, "priority": "high","#);
    assert_eq!(WatchState::from_json(&json).unwrap().rung, 2);
    let bare = FULL
        .replace(
            r#""retry_after_until": "2026-01-01T00:00:40Z""#,
            r#""retry_after_until": null"#,
        )
        .replace(
            r#""deadline_at": "2026-01-01T01:00:00Z""#,
            r#""deadline_at": null"#,
        )
        .replace(
            r#""next_poll_at": "2026-01-01T00:01:00.250000001Z""#,
            r#""next_poll_at": null"#,
        );
    let state = WatchState::from_json(&bare).unwrap();
    assert_eq!((state.deadline_at, state.retry_after_until), (None, None));
    assert!(state.is_over());
}

#[test]
fn another_format_version_is_refused_by_name() {
    let json = FULL.replace(r#""format": 1"#, r#""format": 2"#);
    let error = WatchState::from_json(&json).unwrap_err();
    assert_eq!(error, StateError::Version { found: 2 });
    assert!(error.to_string().contains("format 2"), "{error}");
    // Refused before its fields are read: a later format may lack today's.
    assert_eq!(
        WatchState::from_json(r#"{"format": 7}"#).unwrap_err(),
        StateError::Version { found: 7 }
    );
}

#[test]
fn what_is_not_a_state_is_refused_with_a_reason_never_a_panic() {
    let cases = [
        ("", "EOF"),
        ("[1, 2]", "format"),
        (r#"{"format": "1"}"#, "format"),
        (
            &FULL.replace(r#""job": "job 1/a""#, r#""job": "..""#),
            "job id",
        ),
        (
            &FULL.replace("https://api.bentley.com", "http://example.com"),
            "base URL",
        ),
        (
            &FULL.replace("https://api.bentley.com", "https://user:pw@api.bentley.com"),
            "base URL",
        ),
        (
            &FULL.replace(r#""service": "contextcapture""#, r#""service": "a?b""#),
            "service",
        ),
        (
            &FULL.replace("2026-01-01T01:00:00Z", "yesterday"),
            "RFC 3339",
        ),
        (&FULL.replace(r#""rung": 2,"#, ""), "rung"),
        (&FULL.replace(r#""rung": 2"#, r#""rung": -1"#), "-1"),
    ];
    for (json, named) in cases {
        match WatchState::from_json(json) {
            Err(StateError::Invalid(reason)) => assert!(reason.contains(named), "{json}: {reason}"),
            other => panic!("{json}: {other:?}"),
        }
    }
}

#[test]
fn a_clock_set_before_1970_is_written_as_1970_without_a_panic() {
    let mut state = WatchState::from_json(FULL).unwrap();
    state.saved_at = UNIX_EPOCH - Duration::from_secs(10);
    let json = state.to_json();
    assert!(
        json.contains(r#""saved_at":"1970-01-01T00:00:00.000000000Z""#),
        "{json}"
    );
}
