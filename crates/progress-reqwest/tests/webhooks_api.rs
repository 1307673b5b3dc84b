//! The Webhooks API on the async client, against real HTTP servers: the
//! list read page by page, its `next` links followed only where the token
//! may go; a 401 answered with one more try on a fresh token.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use httpmock::Method::{DELETE, GET};
use httpmock::MockServer;
use progress_reqwest::webhook::WebhooksError;
use progress_reqwest::{Client, TokenError};

const TOKEN: &str = "hooks-token-0123456789";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .token(TOKEN)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_next_page_on_another_host_is_refused_and_gets_no_token() {
    let elsewhere = MockServer::start();
    let stolen = elsewhere.mock(|when, then| {
        when.any_request();
        then.status(200).body(r#"{"webhooks":[]}"#);
    });
    let server = MockServer::start();
    let next = format!(
        "http://localhost:{}/webhooks?$continuationToken=x",
        elsewhere.port()
    );
    let body = serde_json::json!({
        "webhooks": [{ "id": "w-1" }],
        "_links": { "next": { "href": next } },
    });
    server.mock(|when, then| {
        when.method(GET).path("/webhooks");
        then.status(200).body(body.to_string());
    });
    let error = client(&server)
        .webhooks()
        .unwrap()
        .list()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, WebhooksError::ForeignNextPage { host } if host == "localhost"),
        "{error:?}"
    );
    assert!(error.to_string().contains("localhost"), "{error}");
    assert_eq!(stolen.calls(), 0, "the token went to the other host");
}

/// A client whose token provider hands out `old` first, then `new`; the
/// number of tokens it gave.
fn client_renewing(server: &MockServer) -> (Client, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = asked.clone();
    let client = Client::builder()
        .base_url(server.base_url())
        .async_token_provider(move || {
            let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
            async move { Ok::<_, TokenError>(if first { "old" } else { "new" }) }
        })
        .build()
        .unwrap();
    (client, asked)
}

const EXPIRED: &str = r#"{"error":{"code":"InvalidToken","message":"Access token has expired."}}"#;

#[tokio::test(flavor = "current_thread")]
async fn after_a_401_a_call_is_sent_once_more_with_a_fresh_token() {
    let server = MockServer::start();
    let refused = server.mock(|when, then| {
        when.method(DELETE).header("authorization", "Bearer old");
        then.status(401).body(EXPIRED);
    });
    let deleted = server.mock(|when, then| {
        when.method(DELETE)
            .path("/webhooks/w-1")
            .header("authorization", "Bearer new");
        then.status(204);
    });
    let (client, asked) = client_renewing(&server);
    client.webhooks().unwrap().delete("w-1").await.unwrap();
    assert_eq!((refused.calls(), deleted.calls()), (1, 1));
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_second_401_is_final_and_a_token_that_cannot_change_gets_one_try() {
    let server = MockServer::start();
    let refused = server.mock(|when, then| {
        when.any_request();
        then.status(401).body(EXPIRED);
    });
    let (renewing, _) = client_renewing(&server);
    let error = renewing.webhooks().unwrap().list().await.unwrap_err();
    assert!(matches!(error, WebhooksError::Unauthorized(_)), "{error:?}");
    assert_eq!(refused.calls(), 2);

    let error = client(&server)
        .webhooks()
        .unwrap()
        .activate("w-1")
        .await
        .unwrap_err();
    assert!(matches!(error, WebhooksError::Unauthorized(_)), "{error:?}");
    assert_eq!(refused.calls(), 3, "a fixed token is not sent twice");
}
