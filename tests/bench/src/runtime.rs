//! The runtime every async figure runs on.

/// tokio's multi-thread runtime with two workers, as many as the machine's
/// cores: every async figure measures the client on the same executor.
pub fn two_workers() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| error.to_string())
}
