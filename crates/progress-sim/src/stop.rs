//! How the simulator's tasks (the server, its connections, the webhook
//! sender) learn that it is stopping. Below all of them.

use tokio::sync::watch;

/// Resolves once a stop is asked for, or the [`Simulator`](crate::Simulator)
/// is gone. Drops the watch guard at once, so the future stays `Send`.
pub(crate) async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}
