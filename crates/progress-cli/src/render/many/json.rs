//! One JSON object per event on stdout, each with `"job"` and `"event"`.

use std::io::{self, Write};

use progress_model::{Error, Event, EventKind, Progress};
use serde_json::{Value, json};

use super::EventRenderer;

/// `{"job":"job-1","event":"observed","percentage":56,"state":"active",...}`.
#[derive(Debug)]
pub struct JsonEvents<W> {
    out: W,
}

impl<W: Write> JsonEvents<W> {
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write> EventRenderer for JsonEvents<W> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        let Some(value) = to_json(event)? else {
            return Ok(());
        };
        serde_json::to_writer(&mut self.out, &value)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// The object for an event, or `None` for one the format leaves out (a
/// refreshed token).
fn to_json(event: &Event) -> serde_json::Result<Option<Value>> {
    let job = event.job.as_str();
    let value = match &event.kind {
        EventKind::Observed(progress) => {
            let mut value = json!({"job": job, "event": "observed"});
            merge(&mut value, progress_json(progress)?);
            value
        }
        EventKind::Retrying {
            error,
            wait,
            gives_up_after,
        } => json!({
            "job": job,
            "event": "retrying",
            "wait_seconds": wait.as_secs_f64(),
            "gives_up_after_seconds": gives_up_after.map(|bound| bound.as_secs_f64()),
            "error": error_json(error),
        }),
        EventKind::Finished(Ok(progress)) => json!({
            "job": job,
            "event": "finished",
            "outcome": progress_json(progress)?,
        }),
        EventKind::Finished(Err(error)) => json!({
            "job": job,
            "event": "finished",
            "error": error_json(error),
        }),
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// A progress as the single-job `--json` writes it (whole percentages as integers).
fn progress_json(progress: &Progress) -> serde_json::Result<Value> {
    crate::render::progress_json(progress)
}

/// What support needs of an error: its kind, message, status, API code and
/// correlation id (none of which can hold the token).
fn error_json(error: &Error) -> Value {
    json!({
        "kind": error.kind().as_str(),
        "message": error.chain().to_string(),
        "status": error.status(),
        "code": error.code(),
        "correlation_id": error.correlation_id(),
    })
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use progress_model::{HttpFailure, JobState};

    use super::*;

    fn lines(events: &[Event]) -> Vec<Value> {
        let mut json = JsonEvents::new(Vec::new());
        for event in events {
            json.event(event).unwrap();
        }
        String::from_utf8(json.out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn every_event_names_its_job_and_kind() {
        let mut active = Progress::new(JobState::Active);
        active.percentage = Some(56.0);
        let mut failure = HttpFailure::new(404);
        failure.correlation_id = Some("c-1".into());
        let events = [
            Event::new("a", EventKind::Observed(active.clone())),
            Event::new(
                "a",
                EventKind::Retrying {
                    error: Error::Unavailable(Box::new(HttpFailure::new(503))),
                    wait: Duration::from_secs(15),
                    gives_up_after: Some(Duration::from_secs(345)),
                },
            ),
            Event::new("a", EventKind::TokenRefreshed),
            Event::new(
                "b",
                EventKind::Finished(Err(Error::NotFound(Box::new(failure)))),
            ),
            Event::new("a", EventKind::Finished(Ok(active))),
        ];
        let lines = lines(&events);
        assert_eq!(
            lines.len(),
            4,
            "a refreshed token is not an event of the format"
        );
        assert_eq!(
            lines[0],
            json!({"job": "a", "event": "observed", "percentage": 56, "state": "active", "step": null})
        );
        assert_eq!(lines[1]["event"], "retrying");
        assert_eq!(lines[1]["wait_seconds"], 15.0);
        assert_eq!(lines[1]["gives_up_after_seconds"], 345.0);
        assert_eq!(lines[1]["error"]["status"], 503);
        assert_eq!(lines[2]["job"], "b");
        assert_eq!(lines[2]["error"]["kind"], "not_found");
        assert_eq!(lines[2]["error"]["correlation_id"], "c-1");
        assert_eq!(lines[3]["outcome"]["state"], "active");
    }
}
