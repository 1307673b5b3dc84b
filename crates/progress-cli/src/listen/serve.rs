//! Serving the receiver: bound before the watch starts (so a wrong address
//! fails at once), then served on a runtime of its own beside a blocking
//! watch, or on the runtime of many watches.

use std::net::SocketAddr;

use progress_model::webhook::WebhookSecret;
use progress_reqwest::webhook::{Receiver, Secrets, router};
use tokio::sync::oneshot;

use super::{SetupError, Wake};
use crate::exit;
use crate::stderr::stderr_line;

/// A bound listener and the secret deliveries are checked with.
#[derive(Debug)]
pub struct Prepared {
    listener: std::net::TcpListener,
    secret: WebhookSecret,
}

/// The receiver serving on a thread of its own; it stops when dropped.
#[derive(Debug)]
pub struct Background {
    _stop: oneshot::Sender<()>,
}

impl Prepared {
    /// Binds `address` now.
    pub fn bind(address: SocketAddr, secret: WebhookSecret) -> Result<Self, SetupError> {
        let listener = std::net::TcpListener::bind(address)
            .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
            .map_err(|error| SetupError {
                message: format!("cannot listen on {address} (--listen): {error}"),
                code: exit::ERROR,
            })?;
        Ok(Self { listener, secret })
    }

    /// Serves on `runtime` (the many watches' own), calling `client.wake`
    /// for each fresh delivery, until the runtime ends.
    pub fn serve_on(
        self,
        runtime: &tokio::runtime::Runtime,
        client: impl Wake,
    ) -> Result<(), SetupError> {
        let serving = {
            let _entered = runtime.enter();
            self.serving(client, std::future::pending())?
        };
        runtime.spawn(serving);
        Ok(())
    }

    /// Serves on a thread of its own beside a blocking watch, calling
    /// `client.wake` for each fresh delivery, until the returned handle is dropped.
    pub fn serve_in_background(self, client: impl Wake) -> Result<Background, SetupError> {
        let failed = |error: std::io::Error| SetupError {
            message: format!("cannot start the webhook receiver: {error}"),
            code: exit::ERROR,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed)?;
        let (stop, stopped) = oneshot::channel();
        let serving = {
            let _entered = runtime.enter();
            self.serving(client, async move {
                let _ = stopped.await;
            })?
        };
        std::thread::Builder::new()
            .name("webhook receiver".into())
            .spawn(move || runtime.block_on(serving))
            .map_err(failed)?;
        Ok(Background { _stop: stop })
    }

    /// The server's future, its listener registered with the runtime entered now.
    fn serving(
        self,
        client: impl Wake,
        until: impl Future<Output = ()> + Send + 'static,
    ) -> Result<impl Future<Output = ()> + Send + 'static, SetupError> {
        let listener =
            tokio::net::TcpListener::from_std(self.listener).map_err(|error| SetupError {
                message: format!("cannot listen for webhook deliveries: {error}"),
                code: exit::ERROR,
            })?;
        if let Ok(address) = listener.local_addr() {
            stderr_line!("listening for webhook deliveries on {address}");
        }
        let app = router(
            Receiver::new(Secrets::new(self.secret)),
            move |service, job| {
                client.wake(service, job);
            },
        );
        Ok(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(until)
                .await;
            if let Err(error) = served {
                stderr_line!("warning: the webhook receiver stopped: {error}; polling goes on");
            }
        })
    }
}
