//! What a delivery does: tells the command's client that a job ended, so
//! the watch of that job polls now. The one place that calls the client.

use progress_model::{JobId, Service};

/// A client that can be told that a job ended.
pub trait Wake: Send + Sync + 'static {
    /// `job` of `service` ended (a delivery said so): poll it now, if it is
    /// watched. The poll's answer, not the delivery, ends the watch.
    fn wake(&self, service: Service, job: JobId);
}

impl Wake for progress_ureq::Client {
    fn wake(&self, service: Service, job: JobId) {
        // No watch of that job here: nothing to do (the delivery is answered all the same).
        self.notify_completed(service, &job);
    }
}

impl Wake for progress_reqwest::Client {
    fn wake(&self, service: Service, job: JobId) {
        self.notify_completed(service, &job);
    }
}
