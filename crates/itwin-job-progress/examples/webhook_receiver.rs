//! Receives the iTwin Webhooks API's `jobCompleted` deliveries and prints
//! each job that ended.
//!
//! ```text
//! ITWIN_WEBHOOK_SECRET=... cargo run -p itwin-job-progress --features webhook \
//!     --example webhook_receiver -- 127.0.0.1:8080
//! ```
//!
//! Set-up: create a webhook whose `callbackUrl` reaches this address (the
//! platform wants `https://`: put a TLS-terminating proxy or tunnel in
//! front; `progress-sim` also delivers to `http://` on loopback), subscribed
//! to e.g. `realityModeling.jobCompleted.v2`, keep the secret it returns,
//! and activate it (`PATCH /webhooks/{id}` with `{"active": true}`).
//!
//! A delivery says that a job ended, not how: the job's progress says that.
//! Here each woken job goes on a channel; a watching service polls it there.

use itwin_job_progress::webhook::{Receiver, Secrets, WebhookSecret, router};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    // The secret comes from the environment, never from the command line
    // (where `ps` shows it); it is never printed.
    let secret = WebhookSecret::new(std::env::var("ITWIN_WEBHOOK_SECRET")?)?;
    // While a secret is rotated, accept the previous one too.
    let mut secrets = Secrets::new(secret);
    if let Ok(previous) = std::env::var("ITWIN_WEBHOOK_PREVIOUS_SECRET") {
        secrets = secrets.with_previous(WebhookSecret::new(previous)?);
    }

    let (woken, mut jobs) = tokio::sync::mpsc::unbounded_channel();
    let app = router(Receiver::new(secrets), move |service, job_id| {
        // Runs before the platform gets its 200: hand over, do not wait.
        let _ = woken.send((service, job_id));
    });
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on {}", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            eprintln!("server stopped: {error}");
        }
    });

    while let Some((service, job_id)) = jobs.recv().await {
        println!("{job_id} on {} ended; ask its progress", service.path());
    }
    Ok(())
}
