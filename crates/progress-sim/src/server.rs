//! Accepting connections and serving them until told to stop.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tower_service::Service;

use axum::routing::any;

use crate::connection::{ConnectionControl, ResettableStream};
use crate::handler::handle_request;
use crate::oauth::TOKEN_PATH;
use crate::responses::DropConnection;
use crate::state::SharedState;
use crate::stop::stop_requested;
use crate::token_endpoint::handle_token_request;
use crate::webhook_api;
use crate::webhook_sender::send_deliveries;

/// How long requests in flight at shutdown may take to finish before their
/// connections are cut. Keeps a simulator's Drop from hanging on a slow fault.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Serves until `stop` turns true (or its sender goes away). `_stopped` is
/// dropped on return, which tells [`Simulator::shutdown`](crate::Simulator::shutdown)
/// that the listener is closed and the connections are done.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<SharedState>,
    mut stop: watch::Receiver<bool>,
    _stopped: oneshot::Sender<()>,
) {
    let mut router = Router::new();
    if state.scenario.oauth.is_some() {
        router = router.route(TOKEN_PATH, any(handle_token_request));
    }
    let router = router
        .route(webhook_api::COLLECTION, any(webhook_api::collection))
        .route(webhook_api::ITEM, any(webhook_api::item))
        .fallback(handle_request)
        .with_state(state.clone());
    let sender = tokio::spawn(send_deliveries(state, stop.clone()));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop_requested(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone(), stop.clone()));
                }
                // Out of file descriptors and the like: pause instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so a long run does not accumulate them.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Refuse new connections at once, whatever is still in flight.
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
    connections.abort_all();
    sender.abort();
}

async fn serve_connection(stream: TcpStream, router: Router, mut stop: watch::Receiver<bool>) {
    let control = ConnectionControl::default();
    let stream = ResettableStream::new(stream, control.clone());
    let service = service_fn(move |mut request: hyper::Request<Incoming>| {
        let mut router = router.clone();
        request.extensions_mut().insert(control.clone());
        async move {
            let response = match router.call(request).await {
                Ok(response) => response,
                // Router's error type is Infallible.
                Err(never) => match never {},
            };
            // An error from the service makes hyper close the connection
            // without writing anything: exactly a dropped connection.
            if response.extensions().get::<DropConnection>().is_some() {
                Err(ConnectionDropped)
            } else {
                Ok::<_, ConnectionDropped>(response)
            }
        }
    });
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stop_requested(&mut stop) => {
            // Let the request in flight finish, then close keep-alive connections.
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// The error that tells hyper to close the connection without a response.
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose by a simulated fault")
    }
}

impl std::error::Error for ConnectionDropped {}
