//! With `runtime-tokio` alone, a watch polled outside any tokio runtime cannot
//! send its next request. It ends at once with a typed error, rather than
//! leaving a thread behind to count its wait (dropping a stream must leave
//! nothing running).

// With async-std or smol support on, the watch works anywhere: nothing to check.
#![cfg(not(any(feature = "runtime-async-std", feature = "runtime-smol")))]

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use httpmock::MockServer;
use progress_reqwest::{Client, ErrorKind};

#[test]
fn a_watch_polled_outside_tokio_ends_at_once_with_a_typed_error() {
    let server = MockServer::start();
    let progress = server.mock(|when, then| {
        when.path("/reality-modeling/jobs/job/progress");
        then.status(200)
            .body(r#"{"progress":{"percentage":10,"state":"active"}}"#);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut watch = runtime.block_on(async {
        let client = Client::builder()
            .base_url(server.base_url())
            .token("tok")
            .intervals([Duration::from_secs(3600)])
            .build()
            .unwrap();
        let mut watch = client.watch("job");
        let first = watch.next().await.unwrap();
        assert!(first.is_ok(), "{first:?}");
        watch
    });
    drop(runtime);

    // The next item, polled once with no runtime in scope, is already there.
    let next = watch
        .next()
        .now_or_never()
        .expect("the watch is still waiting, with no runtime to wake it");
    let error = next.expect("the watch ended without an error").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(error.to_string().contains("tokio runtime"), "{error}");
    assert!(
        matches!(watch.next().now_or_never(), Some(None)),
        "the watch went on"
    );
    assert_eq!(progress.calls(), 1, "a request went out early");
}
