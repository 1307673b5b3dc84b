//! What can stop a simulator from starting.

use std::path::PathBuf;

/// Why a scenario could not be loaded or a simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The scenario file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    ReadScenario {
        /// The file asked for.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The scenario is not valid JSON or does not have the expected shape.
    #[error("scenario is not valid: {0}")]
    ParseScenario(#[source] serde_json::Error),
    /// The scenario parsed but makes no sense (e.g. a zero time scale).
    #[error("scenario is not valid: {0}")]
    InvalidScenario(String),
    /// The loopback port could not be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    /// The background runtime of a blocking simulator could not be started.
    #[error("cannot start the simulator's runtime: {0}")]
    Runtime(#[source] std::io::Error),
}
