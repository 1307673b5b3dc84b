//! The `jobCompleted` event types, and which one a job's end emits.

/// The event types a webhook may subscribe to, with the service path of
/// the jobs that emit them.
pub(crate) const JOB_COMPLETED: [(&str, &str); 6] = [
    ("realityModeling.jobCompleted.v2", "reality-modeling"),
    ("realityConversion.jobCompleted.v2", "reality-conversion"),
    ("realityAnalysis.jobCompleted.v2", "reality-analysis"),
    ("realityModeling.jobCompleted.v1", "contextcapture"),
    ("realityConversion.jobCompleted.v1", "realityconversion"),
    ("realityAnalysis.jobCompleted.v1", "realitydataanalysis"),
];

/// The event type a job under `service` emits when it ends: by the last
/// segment of its service path (a gateway's `my-gateway/reality-modeling`
/// too); a job open to any service is a Reality Modeling v2 job.
pub(crate) fn emitted_by(service: Option<&str>) -> Option<&'static str> {
    let last_segment = match service {
        None => "reality-modeling",
        Some(path) => path
            .trim_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default(),
    };
    JOB_COMPLETED
        .iter()
        .find(|(_, path)| *path == last_segment)
        .map(|(event_type, _)| *event_type)
}

pub(crate) fn is_known(event_type: &str) -> bool {
    JOB_COMPLETED.iter().any(|(known, _)| *known == event_type)
}

/// Whether a state ends a job (the documented terminal states, in any case).
pub(crate) fn is_terminal(state: &str) -> bool {
    ["success", "failed", "cancelled", "over"]
        .iter()
        .any(|terminal| terminal.eq_ignore_ascii_case(state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_emits_the_event_of_its_service() {
        assert_eq!(emitted_by(None), Some("realityModeling.jobCompleted.v2"));
        assert_eq!(
            emitted_by(Some("contextcapture")),
            Some("realityModeling.jobCompleted.v1")
        );
        assert_eq!(
            emitted_by(Some("/gw/realitydataanalysis/")),
            Some("realityAnalysis.jobCompleted.v1")
        );
        assert_eq!(emitted_by(Some("something-else")), None);
    }

    #[test]
    fn terminal_states_in_any_case() {
        for state in ["success", "Failed", "CANCELLED", "over"] {
            assert!(is_terminal(state), "{state}");
        }
        for state in ["active", "TerminatingOnFailure", "queued", ""] {
            assert!(!is_terminal(state), "{state}");
        }
    }
}
