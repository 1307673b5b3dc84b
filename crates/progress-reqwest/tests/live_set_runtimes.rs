//! A live set of watches on each runtime with its real timer: a removal
//! wakes a watch sleeping an hour and ends it `Cancelled` at once, while the
//! other watch of the set goes on to its end; the stream then ends because
//! the set was closed.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use httpmock::MockServer;
use progress_reqwest::{Client, ErrorKind, EventKind, Insertion, WatchOptions, Watches};

const ACTIVE: &str = r#"{"progress":{"percentage":10,"state":"active"}}"#;
const DONE: &str = r#"{"progress":{"percentage":100,"state":"success"}}"#;

/// `job-1` succeeds; `job-2` stays active.
fn server() -> MockServer {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job-1/progress");
        then.status(200).body(DONE);
    });
    server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job-2/progress");
        then.status(200).body(ACTIVE);
    });
    server
}

async fn remove_one_of_two(server: &MockServer) {
    let client = Client::builder()
        .base_url(server.base_url())
        .token("tok")
        .build()
        .unwrap();
    let (watches, mut events) = client.watches();
    let an_hour = WatchOptions::new().intervals([Duration::from_secs(3600)]);
    assert_eq!(watches.insert_with("job-2", an_hour), Insertion::Started);
    // job-2's first observation: it now sleeps an hour.
    let first = events.next().await.unwrap();
    assert!(matches!(first.kind, EventKind::Observed(_)), "{first:?}");
    let started = Instant::now();
    // From another thread: the handle is Send + Sync.
    let handle = watches.clone();
    std::thread::spawn(move || {
        assert!(handle.insert("job-1").started());
        assert!(handle.remove("job-2"));
        handle.close();
    })
    .join()
    .unwrap();
    let mut finished = Vec::new();
    while let Some(event) = events.next().await {
        if let EventKind::Finished(outcome) = event.kind {
            finished.push((event.job, outcome.map_err(|error| error.kind())));
        }
    }
    finished.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(matches!(&finished[0], (job, Ok(progress)) if job == "job-1" && progress.is_success()));
    assert!(matches!(&finished[1], (job, Err(ErrorKind::Cancelled)) if job == "job-2"));
    assert_eq!(finished.len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the removal waited for the sleep"
    );
    assert!(watches.is_empty());
}

#[test]
fn the_handle_is_clone_send_and_sync() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Watches>();
}

#[test]
fn on_tokio() {
    let server = server();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(remove_one_of_two(&server));
}

#[test]
fn on_async_std() {
    let server = server();
    async_std::task::block_on(remove_one_of_two(&server));
}

#[test]
fn on_smol() {
    let server = server();
    smol::block_on(remove_one_of_two(&server));
}
