//! One test per adapter and vector, named `{adapter}::{vector}`.

use std::sync::Arc;

use libtest_mimic::{Failed, Trial};
use progress_model::ManualClock;

use crate::vector::VectorFile;
use crate::{Adapter, Vector, check, mock_server};

/// Runs one vector against one adapter: serve the script, run the client, check.
pub fn run_vector(adapter: &dyn Adapter, vector: &Vector) -> Result<(), String> {
    let clock = ManualClock::default();
    if vector.mode.is_many() {
        let (mut observed, served) = mock_server::serve_many(&vector.watches, &clock, |base_url| {
            adapter.run(vector, base_url, clock.clone())
        });
        observed.max_overlap = served.max_overlap;
        return check::check(vector, &observed, &served.requests);
    }
    let (observed, requests) = mock_server::serve(&vector.responses, |base_url| {
        adapter.run(vector, base_url, clock.clone())
    });
    check::check(vector, &observed, &requests)
}

/// The trials for every adapter and vector file. A file that does not parse
/// still gets its trials, which fail with the parse error.
pub fn trials(adapters: &[Arc<dyn Adapter>], files: &[VectorFile]) -> Vec<Trial> {
    let mut trials = Vec::new();
    for adapter in adapters {
        for file in files {
            let adapter = Arc::clone(adapter);
            let vector = file.vector.clone().map(Arc::new);
            let name = format!("{}::{}", adapter.name(), file.name);
            trials.push(Trial::test(name, move || {
                let vector = vector.map_err(Failed::from)?;
                run_vector(adapter.as_ref(), &vector).map_err(Failed::from)
            }));
        }
    }
    trials
}
