//! Which of our services a `jobCompleted` event type is about.

use crate::Service;

/// The event types of reality jobs' completion, with the service whose
/// progress endpoint knows the job. A webhook subscribes to these.
pub const JOB_COMPLETED_EVENTS: [(&str, Service); 6] = [
    ("realityModeling.jobCompleted.v2", Service::RealityModeling),
    (
        "realityConversion.jobCompleted.v2",
        Service::RealityConversion,
    ),
    ("realityAnalysis.jobCompleted.v2", Service::RealityAnalysis),
    ("realityModeling.jobCompleted.v1", Service::ContextCapture),
    (
        "realityConversion.jobCompleted.v1",
        Service::LegacyRealityConversion,
    ),
    (
        "realityAnalysis.jobCompleted.v1",
        Service::LegacyRealityDataAnalysis,
    ),
];

/// The service of a `jobCompleted` event type (its case ignored), or `None`
/// for any other event a webhook may carry.
///
/// ```
/// # use progress_model::{Service, webhook::service_of};
/// assert_eq!(service_of("realityModeling.jobCompleted.v1"), Some(Service::ContextCapture));
/// assert_eq!(service_of("iModels.changesetsPushed.v1"), None);
/// ```
pub fn service_of(event_type: &str) -> Option<Service> {
    JOB_COMPLETED_EVENTS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(event_type))
        .map(|(_, service)| service.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_names_the_service_path_it_completes_on() {
        let cases = [
            ("realityModeling.jobCompleted.v2", "reality-modeling"),
            ("realityConversion.jobCompleted.v2", "reality-conversion"),
            ("realityAnalysis.jobCompleted.v2", "reality-analysis"),
            ("realityModeling.jobCompleted.v1", "contextcapture"),
            ("realityConversion.jobCompleted.v1", "realityconversion"),
            ("realityAnalysis.jobCompleted.v1", "realitydataanalysis"),
            ("REALITYMODELING.JOBCOMPLETED.V2", "reality-modeling"),
        ];
        for (event_type, path) in cases {
            assert_eq!(
                service_of(event_type).map(|s| s.path().to_owned()),
                Some(path.to_owned()),
                "{event_type}"
            );
        }
    }

    #[test]
    fn other_events_have_no_service() {
        for event_type in [
            "",
            "realityModeling.jobCompleted",
            "realityModeling.jobCompleted.v3",
            "iModels.namedVersionsCreated.v1",
        ] {
            assert_eq!(service_of(event_type), None, "{event_type}");
        }
    }
}
