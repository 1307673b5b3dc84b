//! Job ids: refused before anything is sent, or one path segment that
//! reads back as the id.

use percent_encoding::percent_decode_str;
use progress_model::{AccessToken, JobId, Settings};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Target;

/// `JobId::new` and the URL and request built from it.
#[derive(Debug)]
pub struct JobIds;

/// An id as a caller may type it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    id: String,
}

impl Target for JobIds {
    const NAME: &'static str = "job-id";
    type Input = Input;

    fn strategy() -> BoxedStrategy<Input> {
        let piece = prop_oneof![
            4 => "[a-f0-9-]{1,12}",
            2 => prop::sample::select(&[
                ".", "..", "/", "%", "%2F", "?", "#", " ", "\u{0}", "\n", "\u{7f}", "\u{85}",
                "é", "日本", "\u{202e}", "+", "&", "=", ";", "\\", "@", ":", "~", "%25",
            ][..]).prop_map(str::to_owned),
            1 => any::<String>(),
        ];
        prop::collection::vec(piece, 0..5)
            .prop_map(|pieces| Input {
                id: pieces.concat(),
            })
            .boxed()
    }

    fn check(input: &Input) -> Result<(), String> {
        let id = input.id.as_str();
        let refused = id.is_empty() || id == "." || id == ".." || id.chars().any(char::is_control);
        let job = match (JobId::new(id), refused) {
            (Ok(job), false) => job,
            (Err(error), true) => {
                let shown = error.to_string();
                if shown.chars().any(char::is_control) {
                    return Err(format!("the refusal shows a control character: {shown:?}"));
                }
                return Ok(());
            }
            (Ok(_), true) => return Err(format!("{id:?} was accepted")),
            (Err(error), false) => return Err(format!("{id:?} was refused: {error}")),
        };
        let settings = Settings::default();
        let url = settings.progress_url(&job);
        let prefix = format!(
            "{}/{}/jobs/",
            settings.base_url.as_str(),
            settings.service.path()
        );
        let segment = url
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("/progress"))
            .ok_or_else(|| format!("{url} is not the progress URL of a job"))?;
        if segment.contains(['/', '?', '#']) || segment == "." || segment == ".." {
            return Err(format!("{id:?} is not one path segment: {segment}"));
        }
        let decoded = percent_decode_str(segment).decode_utf8_lossy();
        if decoded != id {
            return Err(format!("{segment} reads back as {decoded:?}, not {id:?}"));
        }
        let request = settings
            .progress_request(&job, &AccessToken::new("t"))
            .map_err(|error| format!("no request for {id:?}: {error}"))?;
        if request.uri().to_string() != url {
            return Err(format!("the request goes to {}, not {url}", request.uri()));
        }
        Ok(())
    }
}
