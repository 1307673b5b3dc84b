//! `interpret`: any status, any headers, any body (mostly mutated valid ones).

use std::time::{Duration, UNIX_EPOCH};

use progress_model::{ErrorKind, HttpResponse, interpret};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::headers::{header_map, headers};
use crate::Target;
use crate::bodies::{Body, body};
use crate::oracle::error_is_presentable;

/// `interpret` on one response.
#[derive(Debug)]
pub struct Interpret;

/// A response and the body cap it is read under.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Body,
    body_cap: usize,
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        6 => Just(200u16),
        4 => prop::sample::select(&[201u16, 204, 301, 302, 307, 400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504][..]),
        1 => any::<u16>(),
    ]
}

impl Target for Interpret {
    const NAME: &'static str = "interpret";
    type Input = Input;

    fn strategy() -> BoxedStrategy<Input> {
        let cap = prop_oneof![
            6 => Just(progress_model::DEFAULT_BODY_CAP),
            1 => 0usize..64,
        ];
        (status(), headers(), body(), cap)
            .prop_map(|(status, headers, body, body_cap)| Input {
                status,
                headers,
                body,
                body_cap,
            })
            .boxed()
    }

    fn check(input: &Input) -> Result<(), String> {
        let body = input.body.bytes();
        let response = HttpResponse::new(input.status, header_map(&input.headers), body.clone());
        let wall = UNIX_EPOCH + Duration::from_secs(super::headers::WALL_SECONDS);
        let status = input.status;
        match interpret(&response, input.body_cap, wall) {
            Ok(progress) => {
                if !(200..=299).contains(&status) {
                    return Err(format!("a {status} read as progress"));
                }
                if body.len() > input.body_cap {
                    return Err("a body past the cap read as progress".into());
                }
                if progress.percentage.is_some_and(|p| !p.is_finite()) {
                    return Err(format!(
                        "a percentage that is not finite: {:?}",
                        progress.percentage
                    ));
                }
                if progress
                    .fraction()
                    .is_some_and(|f| !(0.0..=1.0).contains(&f))
                {
                    return Err(format!(
                        "a fraction outside 0..=1: {:?}",
                        progress.fraction()
                    ));
                }
                let shown = progress.to_string();
                if shown.chars().any(char::is_control) {
                    return Err(format!("progress shows a control character: {shown:?}"));
                }
                Ok(())
            }
            Err(error) => {
                error_is_presentable(&error, Some(&body))?;
                let expected = match status {
                    200..=299 => Some(ErrorKind::InvalidResponse),
                    300..=399 => Some(ErrorKind::Redirect),
                    401 => Some(ErrorKind::Unauthorized),
                    403 => Some(ErrorKind::Forbidden),
                    404 => Some(ErrorKind::NotFound),
                    429 => Some(ErrorKind::RateLimited),
                    _ => None,
                };
                if let Some(expected) = expected
                    && error.kind() != expected
                {
                    return Err(format!(
                        "a {status} read as {:?}, not {expected:?}",
                        error.kind()
                    ));
                }
                let transient = matches!(status, 408 | 429 | 500 | 502 | 503 | 504 | 200..=299);
                if transient != error.is_transient() {
                    return Err(format!(
                        "a {status} is {}transient: {}",
                        if transient { "not " } else { "" },
                        error.chain()
                    ));
                }
                if error.status() != Some(status) && !(300..=399).contains(&status) {
                    return Err(format!("the error of a {status} says {:?}", error.status()));
                }
                Ok(())
            }
        }
    }
}
