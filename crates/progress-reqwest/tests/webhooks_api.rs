//! The Webhooks API on the async client, against real HTTP servers: the
//! list read page by page, its `next` links followed only where the token
//! may go.

use httpmock::{Method::GET, MockServer};
use progress_reqwest::Client;
use progress_reqwest::webhook::WebhooksError;

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
